"""The file `haven export` writes and `haven import haven` reads: one JSON
object with a format name and version, then the rows of each kind."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

FORMAT = "haven-export"
VERSION = 1


class Row(BaseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)


class UserRow(Row):
    """A public profile: no password, no e-mail address."""

    id: int
    username: str
    display_name: str
    role: str
    bio: str
    bio_html: str
    badge: str | None
    created_at: datetime
    deleted_at: datetime | None


class TagRow(Row):
    id: int
    slug: str
    name: str


class ArticleRow(Row):
    id: int
    slug: str
    title: str
    summary: str
    body: str
    body_html: str
    author_id: int | None
    status: str
    created_at: datetime
    published_at: datetime | None
    updated_at: datetime
    comments_closed_at: datetime | None
    closed_by_id: int | None
    close_reason: str | None
    comments_reopened_at: datetime | None
    # Members only (issue #19); archives from before it hold public discussions.
    comments_visibility: str = "public"
    # From article_tag, not a column.
    tag_ids: list[int] = []


class CommentRow(Row):
    id: int
    article_id: int
    parent_id: int | None
    root_id: int | None
    depth: int
    author_id: int | None
    guest_name: str | None
    body: str
    body_html: str
    pending_body: str | None
    pending_body_html: str | None
    status: str
    held_reason: str | None
    locked: bool
    content_note: str | None
    editor_note: str | None
    editor_note_url: str | None
    editor_note_at: datetime | None
    editor_note_by_id: int | None
    hidden_at: datetime | None
    created_at: datetime
    edited_at: datetime | None
    decided_at: datetime | None
    decided_by_id: int | None
    decision_reason: str | None
    visibility: str = "public"


class RevisionRow(Row):
    id: int
    comment_id: int
    editor_id: int | None
    body: str
    created_at: datetime


class Archive(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["haven-export"]
    version: Literal[1]
    exported_at: datetime
    users: list[UserRow]
    tags: list[TagRow]
    articles: list[ArticleRow]
    comments: list[CommentRow]
    revisions: list[RevisionRow]
