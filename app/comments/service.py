"""The discussion under an article: reading the tree."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased, joinedload

from app.accounts.models import User
from app.articles.models import Article
from app.comments.models import Comment, CommentStatus
from app.db import utcnow
from app.markup import Profile, render_markdown
from app.pagination import Page, offset_for

# Replies deeper than this are shown flat under their depth-5 ancestor,
# each with "replying to NAME".
MAX_INDENT_DEPTH = 5

_PLACEHOLDER_STATUSES = (CommentStatus.REMOVED, CommentStatus.DELETED)
PLACEHOLDER_TEXT = {
    CommentStatus.REMOVED: "This comment was removed by a moderator.",
    CommentStatus.DELETED: "This comment was deleted by its author.",
}
HIDDEN_TEXT = "This comment is hidden while moderators review it."


@dataclass
class ThreadNode:
    """A comment in the tree as one viewer sees it."""

    comment: Comment
    replies: list["ThreadNode"] = field(default_factory=list)
    placeholder: str | None = None

    @property
    def depth(self) -> int:
        return self.comment.depth

    def descendants(self) -> list[tuple["ThreadNode", "ThreadNode"]]:
        """Every reply below this node with the node it answers, oldest first.

        Used for the flat view below the deepest indentation level.
        """
        flat: list[tuple[ThreadNode, ThreadNode]] = []
        stack: list[ThreadNode] = [self]
        while stack:
            parent = stack.pop()
            for child in parent.replies:
                flat.append((child, parent))
                stack.append(child)
        return sorted(
            flat, key=lambda pair: (pair[0].comment.created_at, pair[0].comment.id)
        )


@dataclass(frozen=True)
class Thread:
    """One page of an article's discussion: whole trees under a page of top-level comments."""

    page: Page[ThreadNode]
    comment_count: int
    comments_open: bool


def comments_open(article: Article, now: datetime | None = None) -> bool:
    """Whether an article accepts new comments."""
    del now  # auto-close after N days arrives with the moderation settings (#5)
    return article.comments_closed_at is None


def _visible(viewer: User | None) -> ColumnElement[bool]:
    """What a viewer may see: approved comments, placeholders, and their own pending ones."""
    shown: list[ColumnElement[bool]] = [
        Comment.status.in_((CommentStatus.APPROVED, *_PLACEHOLDER_STATUSES))
    ]
    if viewer is not None:
        shown.append(
            and_(
                Comment.status == CommentStatus.PENDING, Comment.author_id == viewer.id
            )
        )
    return or_(*shown)


def _has_approved_reply() -> ColumnElement[bool]:
    reply = aliased(Comment)
    return exists().where(
        reply.root_id == Comment.id,
        reply.id != Comment.id,
        reply.status == CommentStatus.APPROVED,
    )


def _top_level_condition(article: Article, viewer: User | None) -> ColumnElement[bool]:
    # A removed top-level comment is kept as a placeholder only while replies hang from it.
    return and_(
        Comment.article_id == article.id,
        Comment.parent_id.is_(None),
        _visible(viewer),
        or_(Comment.status.not_in(_PLACEHOLDER_STATUSES), _has_approved_reply()),
    )


def get_thread(
    session: Session,
    article: Article,
    *,
    page: int,
    per_page: int,
    viewer: User | None,
) -> Thread:
    """A page of whole trees, oldest first, in a constant number of queries."""
    top_condition = _top_level_condition(article, viewer)
    top_total, comment_count = session.execute(
        select(
            func.count(Comment.id).filter(top_condition),
            func.count(Comment.id).filter(
                Comment.status == CommentStatus.APPROVED, Comment.hidden_at.is_(None)
            ),
        ).where(Comment.article_id == article.id)
    ).one()
    top_level = list(
        session.scalars(
            select(Comment)
            .options(joinedload(Comment.author))
            .where(top_condition)
            .order_by(Comment.created_at, Comment.id)
            .offset(offset_for(page, per_page))
            .limit(per_page)
        )
    )
    replies: list[Comment] = []
    if top_level:
        replies = list(
            session.scalars(
                select(Comment)
                .options(joinedload(Comment.author))
                .where(
                    Comment.root_id.in_([c.id for c in top_level]),
                    Comment.parent_id.is_not(None),
                    _visible(viewer),
                )
                .order_by(Comment.created_at, Comment.id)
            )
        )
    nodes = build_tree(top_level, replies)
    return Thread(
        page=Page(items=nodes, page=page, per_page=per_page, total=top_total or 0),
        comment_count=comment_count or 0,
        comments_open=comments_open(article, utcnow()),
    )


def build_tree(top_level: list[Comment], replies: list[Comment]) -> list[ThreadNode]:
    """Assemble nodes in O(n); placeholders without visible replies are dropped."""
    nodes = {c.id: _node(c) for c in (*top_level, *replies)}
    for comment in replies:
        parent = nodes.get(comment.parent_id) if comment.parent_id is not None else None
        if parent is not None:
            parent.replies.append(nodes[comment.id])
    roots = [nodes[c.id] for c in top_level]
    return [node for node in roots if _prune(node)]


def _node(comment: Comment) -> ThreadNode:
    placeholder = PLACEHOLDER_TEXT.get(comment.status)
    if placeholder is None and comment.hidden_at is not None:
        placeholder = HIDDEN_TEXT
    return ThreadNode(comment=comment, placeholder=placeholder)


def _prune(node: ThreadNode) -> bool:
    """Keep a node if it is shown itself or still has something shown below it."""
    node.replies = [child for child in node.replies if _prune(child)]
    return node.placeholder is None or bool(node.replies)


def store_comment(
    session: Session,
    article: Article,
    *,
    body: str,
    author: User | None,
    parent: Comment | None = None,
    status: CommentStatus = CommentStatus.PENDING,
    created_at: datetime | None = None,
    guest_name: str | None = None,
    guest_email: str | None = None,
) -> Comment:
    """Insert a comment at its place in the tree (parent, root, depth).

    It applies no moderation rule: posting goes through the rules first; the
    demo and benchmark seeders call it directly with approved content.
    """
    comment = Comment(
        article_id=article.id,
        parent_id=parent.id if parent else None,
        root_id=parent.root_id if parent else None,
        depth=parent.depth + 1 if parent else 1,
        author=author,
        guest_name=guest_name,
        guest_email=guest_email,
        body=body,
        body_html=render_markdown(body, Profile.COMMENT),
        status=status,
        created_at=created_at or utcnow(),
    )
    session.add(comment)
    session.flush()
    if parent is None:
        comment.root_id = comment.id
        session.flush()
    return comment
