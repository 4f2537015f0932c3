"""Comment shapes of the JSON API contract (DESIGN.md)."""

from datetime import datetime

from pydantic import BaseModel

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
    def from_node(cls, node: ThreadNode) -> "CommentNodeRead":
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
    def from_thread(cls, thread: Thread) -> "ThreadRead":
        return cls(
            items=[CommentNodeRead.from_node(node) for node in thread.page.items],
            page=thread.page.page,
            pages=thread.page.pages,
            total=thread.page.total,
            comment_count=thread.comment_count,
            comments_open=thread.comments_open,
        )
