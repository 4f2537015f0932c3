"""Comment shapes of the JSON API contract (DESIGN.md)."""

from collections.abc import Callable
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

from app.articles.models import Visibility
from app.comments.models import FlagReason
from app.text import OneLine, Storable

if TYPE_CHECKING:  # the services import these schemas for their input
    from app.comments.closure import Closure
    from app.comments.drafts import Draft
    from app.comments.editing import History
    from app.comments.profile import OwnComment
    from app.comments.thread import Node, RepliesPage, ThreadPage
    from app.pagination import Page

# Makes a site path a full address: Settings.absolute_url.
Absolute = Callable[[str], str]


class CommentAuthorRead(BaseModel):
    display_name: str


class MoreRepliesRead(BaseModel):
    """Replies of this tree beyond those listed, and the API address that lists them."""

    count: int
    url: str


class CommentActionsRead(BaseModel):
    """What the caller may do with the comment (the same decisions the pages show).

    ``reply`` and ``report`` are offered to callers who are not signed in too;
    doing either asks them to sign in first.
    """

    reply: bool
    edit: bool
    delete: bool
    report: bool
    moderate: bool


class EditorNoteRead(BaseModel):
    """A moderator's note under the comment, with an optional link to evidence."""

    text: str
    url: str | None


class CommentNodeRead(BaseModel):
    id: int
    parent_id: int | None
    author: CommentAuthorRead | None
    # The author's badge ("MS nurse", ...), and whether they wrote the article.
    badge: str | None = None
    is_article_author: bool = False
    # Readers see the comment folded behind its content note until they open it.
    content_note: str | None = None
    editor_note: EditorNoteRead | None = None
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    status: str
    locked: bool
    # "members": signed-in members read it; for anyone else its body_html is
    # "" and its author null (issue #19).
    visibility: str = Visibility.PUBLIC
    replies: list["CommentNodeRead"]
    more_replies: MoreRepliesRead | None = None
    can: CommentActionsRead
    # A moderator pinned it (first on page 1) or featured it.
    pinned: bool = False
    featured: bool = False

    @classmethod
    def from_node(cls, top: "Node") -> "CommentNodeRead":
        """``top`` and its replies as the page shows them: nested down to the
        deepest indent, then listed flat (each with its own ``parent_id``), so
        the JSON's depth is bounded whatever the conversation's. Built without
        recursion, deepest first."""
        order: list[Node] = []
        stack = [top]
        while stack:
            node = stack.pop()
            order.append(node)
            stack.extend(node.shown_replies)
        built: dict[int, CommentNodeRead] = {}
        for node in reversed(order):  # replies before what they answer
            built[id(node)] = cls._one(
                node, [built[id(child)] for child in node.shown_replies]
            )
        return built[id(top)]

    @classmethod
    def _one(cls, node: "Node", replies: list["CommentNodeRead"]) -> "CommentNodeRead":
        # A placeholder keeps its place in the tree but says nothing of its text or author.
        placeholder = node.placeholder is not None
        can = node.actions
        more = node.more_replies
        return cls(
            id=node.id,
            parent_id=node.parent_id,
            author=None
            if placeholder
            else CommentAuthorRead(display_name=node.author_name),
            badge=None if placeholder else node.author_badge,
            is_article_author=not placeholder and node.is_article_author,
            content_note=None if placeholder else node.content_note,
            editor_note=EditorNoteRead(
                text=node.editor_note.text, url=node.editor_note.url
            )
            if node.editor_note and not placeholder
            else None,
            body_html="" if placeholder else node.body_html,
            created_at=node.created_at,
            edited_at=node.edited_at,
            status=node.status,
            locked=node.locked,
            visibility=node.visibility,
            replies=replies,
            more_replies=MoreRepliesRead(count=more.count, url=more.api_url)
            if more
            else None,
            can=CommentActionsRead(
                reply=can.reply is not None,
                edit=can.edit is not None,
                delete=can.delete is not None,
                report=can.report is not None,
                moderate=can.moderate is not None,
            ),
            pinned=node.pinned,
            featured=node.featured,
        )


class CommentDetailRead(CommentNodeRead):
    """One comment on its own (GET /comments/{id}): its author and moderators
    also read why a moderator refused or removed it; anyone else gets null."""

    decision_reason: str | None

    @classmethod
    def of(cls, node: "Node") -> "CommentDetailRead":
        read = CommentNodeRead.from_node(node)
        return cls(**dict(read), decision_reason=node.decision_reason)


class ClosedRead(BaseModel):
    """Why a discussion takes no comments: a moderator closed it (``reason``
    when they gave one), or it closed ``automatically`` ``after_days`` days
    after publication (or after it was last reopened). ``text`` is the
    sentence the page shows."""

    reason: str | None
    automatic: bool
    after_days: int | None
    text: str

    @classmethod
    def of(cls, closure: "Closure | None") -> "ClosedRead | None":
        if closure is None:
            return None
        return cls(
            reason=closure.reason,
            automatic=closure.automatic,
            after_days=closure.after_days,
            text=closure.text,
        )


class CommentRevisionRead(BaseModel):
    """An earlier version of a comment: its text as written, and who changed it."""

    id: int
    body: str
    created_at: datetime
    # Who made the edit that replaced this text (null once their account is gone).
    edited_by: str | None


class CommentRevisionsRead(BaseModel):
    """GET /comments/{id}/revisions: earlier versions, newest first."""

    comment_id: int
    items: list[CommentRevisionRead]
    truncated: bool

    @classmethod
    def of(cls, history: "History") -> "CommentRevisionsRead":
        return cls(
            comment_id=history.comment.id,
            items=[
                CommentRevisionRead(
                    id=revision.id,
                    body=revision.body,
                    created_at=revision.created_at,
                    edited_by=revision.editor.display_name if revision.editor else None,
                )
                for revision in history.revisions
            ],
            truncated=history.truncated,
        )


class ThreadRead(BaseModel):
    items: list[CommentNodeRead]
    page: int
    pages: int
    total: int
    comment_count: int
    comments_open: bool
    # Null while comments are taken.
    closed: ClosedRead | None

    @classmethod
    def from_page(cls, thread: "ThreadPage") -> "ThreadRead":
        return cls(
            items=[CommentNodeRead.from_node(node) for node in thread.page.items],
            page=thread.page.page,
            pages=thread.page.pages,
            total=thread.page.total,
            comment_count=thread.discussion.comment_count,
            comments_open=thread.discussion.is_open,
            closed=ClosedRead.of(thread.discussion.closed),
        )


class RepliesRead(BaseModel):
    """A page of the replies under one top-level comment (``comment``), oldest first.

    Replies answering a comment on an earlier page are listed under ``comment``
    with their own ``parent_id``.
    """

    comment: CommentNodeRead
    page: int
    pages: int
    total: int

    @classmethod
    def from_page(cls, replies: "RepliesPage") -> "RepliesRead":
        return cls(
            comment=CommentNodeRead.from_node(replies.root),
            page=replies.page.page,
            pages=replies.page.pages,
            total=replies.page.total,
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


class OwnCommentRead(BaseModel):
    """One of the caller's own comments and where it stands (GET /me/comments).

    ``status`` is pending, approved, hidden (by readers' reports, until a
    moderator looks), rejected, not_published or removed; comments the caller
    deleted are not listed.
    """

    id: int
    article: CommentArticleRead
    status: str
    body_html: str
    # Plain text (not HTML): escape it like any other text.
    excerpt: str
    created_at: datetime
    edited_at: datetime | None
    # The moderator's reason, for a rejected or removed comment.
    decision_reason: str | None
    # A published comment's edit waits for a moderator (the old text shows till then).
    edit_waiting: bool
    # The permalink, while a page shows the comment to its author.
    url: str | None
    # The edit page, for a rejected comment its author may revise and send again.
    revise_url: str | None

    @classmethod
    def of(cls, item: "OwnComment", absolute: Absolute) -> "OwnCommentRead":
        """``item`` with its addresses made absolute (Settings.absolute_url)."""
        return cls(
            id=item.id,
            article=CommentArticleRead(
                slug=item.article_slug, title=item.article_title
            ),
            status=item.status,
            body_html=item.body_html,
            excerpt=item.excerpt,
            created_at=item.created_at,
            edited_at=item.edited_at,
            decision_reason=item.decision_reason,
            edit_waiting=item.edit_waiting,
            url=absolute(item.url) if item.url else None,
            revise_url=absolute(item.revise_url) if item.revise_url else None,
        )


class OwnCommentPageRead(BaseModel):
    items: list[OwnCommentRead]
    page: int
    pages: int
    total: int

    @classmethod
    def from_page(
        cls, page: "Page[OwnComment]", absolute: Absolute
    ) -> "OwnCommentPageRead":
        return cls(
            items=[OwnCommentRead.of(item, absolute) for item in page.items],
            page=page.page,
            pages=page.pages,
            total=page.total,
        )


MAX_BODY = 10_000
# Ids are 32-bit columns: a larger number can name no comment.
MAX_ID = 2**31 - 1


def _body_rules(value: str) -> str:
    if not value.strip():
        raise ValueError("Please write something before sending.")
    return value


# A content note as the admins' list holds it (checked against the list by the service).
ContentNoteName = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=60), OneLine
]

CommentBody = Annotated[
    str, Field(max_length=MAX_BODY), Storable, AfterValidator(_body_rules)
]


class CommentCreate(BaseModel):
    """A new comment or reply, from the HTML form or the API."""

    body: CommentBody
    parent_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    guest_name: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=60), OneLine]
        | None
    ) = None
    guest_email: EmailStr | None = None
    # A guest's request for reply notices (confirmed by a mailed link first).
    notify_replies: bool = False
    # A content note from the site's list ("end of life", ...), or None.
    content_note: ContentNoteName | None = None
    # "members": only signed-in members read its text (issue #19).
    visibility: Visibility = Visibility.PUBLIC


class DraftWrite(BaseModel):
    """A member's draft under an article (PUT /me/drafts/{article_slug}, and the
    pages' autosave): held to a comment's length; a blank body discards it."""

    body: Annotated[str, Field(max_length=MAX_BODY), Storable]
    parent_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class DraftRead(BaseModel):
    """One draft (GET and PUT /me/drafts/{article_slug})."""

    article_slug: str
    body: str
    # The comment it answers; null for a new comment.
    parent_id: int | None
    updated_at: datetime

    @classmethod
    def of(cls, draft: "Draft") -> "DraftRead":
        return cls(
            article_slug=draft.article_slug,
            body=draft.body,
            parent_id=draft.parent_id,
            updated_at=draft.updated_at,
        )


class DraftListItemRead(BaseModel):
    """A draft in the caller's list (GET /me/drafts), with where to finish it."""

    article: CommentArticleRead
    body: str
    # Plain text (not HTML): escape it like any other text.
    excerpt: str
    parent_id: int | None
    # The name of the author of the comment it answers, for a reply.
    reply_to: str | None
    updated_at: datetime
    # The page to continue writing on: the reply page, or the article's form.
    url: str

    @classmethod
    def of(cls, draft: "Draft", absolute: Absolute) -> "DraftListItemRead":
        """``draft`` with its address made absolute (Settings.absolute_url)."""
        return cls(
            article=CommentArticleRead(
                slug=draft.article_slug, title=draft.article_title
            ),
            body=draft.body,
            excerpt=draft.excerpt,
            parent_id=draft.parent_id,
            reply_to=draft.reply_to,
            updated_at=draft.updated_at,
            url=absolute(draft.url),
        )


class DraftPageRead(BaseModel):
    items: list[DraftListItemRead]
    page: int
    pages: int
    total: int

    @classmethod
    def from_page(cls, page: "Page[Draft]", absolute: Absolute) -> "DraftPageRead":
        return cls(
            items=[DraftListItemRead.of(draft, absolute) for draft in page.items],
            page=page.page,
            pages=page.pages,
            total=page.total,
        )


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


class ResourceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    contact: str
    country: str


class SupportRead(BaseModel):
    """Crisis support for the author of a comment that may come from someone in danger."""

    model_config = ConfigDict(from_attributes=True)

    message: str
    resources: list[ResourceRead]


class CommentCreated(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    status: str
    visibility: str = Visibility.PUBLIC
    # Present when the comment holds crisis language (app.moderation.crisis).
    support: SupportRead | None = None


MAX_FLAG_NOTE = 1000


class FlagCreate(BaseModel):
    """A reader's report of a published comment; "other" needs a note saying why."""

    reason: FlagReason
    note: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, max_length=MAX_FLAG_NOTE),
            Storable,
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
