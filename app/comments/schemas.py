"""Comment shapes of the JSON API contract (DESIGN.md)."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from app.comments.models import FlagReason

if TYPE_CHECKING:  # the service imports these schemas for its input
    from app.comments.service import Thread, ThreadNode


class CommentAuthorRead(BaseModel):
    display_name: str


class CommentNodeRead(BaseModel):
    id: int
    parent_id: int | None
    author: CommentAuthorRead | None
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    status: str
    locked: bool
    replies: list["CommentNodeRead"]

    @classmethod
    def from_node(cls, node: "ThreadNode") -> "CommentNodeRead":
        comment = node.comment
        # A placeholder keeps its place in the tree but says nothing of its text or author.
        placeholder = node.placeholder is not None
        return cls(
            id=comment.id,
            parent_id=comment.parent_id,
            author=None
            if placeholder
            else CommentAuthorRead(display_name=comment.author_name),
            body_html="" if placeholder else comment.body_html,
            created_at=comment.created_at,
            edited_at=comment.edited_at,
            status=comment.status,
            locked=comment.locked,
            replies=[cls.from_node(child) for child in node.replies],
        )


class ThreadRead(BaseModel):
    items: list[CommentNodeRead]
    page: int
    pages: int
    total: int
    comment_count: int
    comments_open: bool

    @classmethod
    def from_thread(cls, thread: "Thread") -> "ThreadRead":
        return cls(
            items=[CommentNodeRead.from_node(node) for node in thread.page.items],
            page=thread.page.page,
            pages=thread.page.pages,
            total=thread.page.total,
            comment_count=thread.comment_count,
            comments_open=thread.comments_open,
        )


class CommentArticleRead(BaseModel):
    slug: str
    title: str


class PublicCommentRead(BaseModel):
    """One comment in a member's public list, with where it was written."""

    id: int
    article: CommentArticleRead
    body_html: str
    # Plain text (not HTML): escape it like any other text.
    excerpt: str
    created_at: datetime
    edited_at: datetime | None
    # The comment's permalink: it redirects to the discussion page that shows it.
    url: str


class PublicCommentPageRead(BaseModel):
    items: list[PublicCommentRead]
    page: int
    pages: int
    total: int


MAX_BODY = 10_000
# Ids are 32-bit columns: a larger number can name no comment.
MAX_ID = 2**31 - 1


def _body_rules(value: str) -> str:
    if "\x00" in value:
        raise ValueError("The text contains a NUL character; please remove it.")
    if not value.strip():
        raise ValueError("Please write something before sending.")
    return value


def _name_rules(value: str) -> str:
    # PostgreSQL refuses NUL in text, so it must be a 422 here, not a 500 there.
    if any(ord(char) < 32 for char in value):
        raise ValueError("The name contains a control character; please remove it.")
    return value


CommentBody = Annotated[str, Field(max_length=MAX_BODY), AfterValidator(_body_rules)]


class CommentCreate(BaseModel):
    """A new comment or reply, from the HTML form or the API."""

    body: CommentBody
    parent_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    guest_name: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, max_length=60),
            AfterValidator(_name_rules),
        ]
        | None
    ) = None
    guest_email: EmailStr | None = None


class CommentEdit(BaseModel):
    """New text for a comment: an edit, or a rejected comment's resubmission."""

    body: CommentBody


class CommentEdited(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    status: str
    body_html: str
    edited_at: datetime | None
    # The edit waiting for a moderator, if any (the published text stays till then).
    pending_body_html: str | None


class CommentCreated(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    status: str


MAX_FLAG_NOTE = 1000


def _note_rules(value: str) -> str:
    if "\x00" in value:
        raise ValueError("The note contains a NUL character; please remove it.")
    return value


class FlagCreate(BaseModel):
    """A reader's report of a published comment; "other" needs a note saying why."""

    reason: FlagReason
    note: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, max_length=MAX_FLAG_NOTE),
            AfterValidator(_note_rules),
        ]
        | None
    ) = Field(default=None, validate_default=True)

    @field_validator("note")
    @classmethod
    def _other_needs_a_note(cls, value: str | None, info: ValidationInfo) -> str | None:
        if not value and info.data.get("reason") is FlagReason.OTHER:
            raise ValueError("Please say in the note what is wrong with the comment.")
        return value or None


class FlagCreated(BaseModel):
    id: int
    comment_id: int
    reason: FlagReason
    note: str | None
    created_at: datetime
    # Whether the comment is now hidden from readers until a moderator looks at it.
    comment_hidden: bool
