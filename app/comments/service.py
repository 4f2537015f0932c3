"""The discussion under an article: reading the tree and posting to it."""

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, true
from sqlalchemy.orm import Session, aliased, joinedload

from app.accounts import service as accounts_service
from app.accounts.models import User
from app.articles.models import Article
from app.comments import spam, standing
from app.comments.models import Comment, CommentStatus
from app.comments.schemas import CommentCreate
from app.comments.standing import Standing
from app.db import utcnow
from app.errors import Conflict, Invalid, NotAuthenticated, NotFound
from app.markup import Profile, render_markdown
from app.moderation import rules
from app.moderation.policy import Policy, is_auto_closed, load_policy
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
    # This comment or one above it is locked: no replies anywhere below.
    under_lock: bool = False

    @property
    def accepts_replies(self) -> bool:
        """The reply rule of replyable_parent(), for a tree already in memory."""
        return (
            self.placeholder is None
            and self.comment.status == CommentStatus.APPROVED
            and self.comment.hidden_at is None
            and not self.under_lock
        )

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


def comments_open(
    article: Article, policy: Policy, now: datetime | None = None
) -> bool:
    """Whether an article accepts new comments: not closed by a moderator or by age."""
    return article.comments_closed_at is None and not is_auto_closed(
        article, policy, now
    )


# A guest's browser remembers at most this many of their comments.
MAX_GUEST_COMMENT_IDS = 20


def _visible(
    viewer: User | None, guest_comment_ids: Collection[int] = ()
) -> ColumnElement[bool]:
    """What a viewer may see: approved comments, placeholders, and their own pending ones.

    A guest's own are the ids their signed session cookie remembers.
    """
    shown: list[ColumnElement[bool]] = [
        Comment.status.in_((CommentStatus.APPROVED, *_PLACEHOLDER_STATUSES))
    ]
    if viewer is not None:
        # Authors also see their rejected comments, to revise and resubmit them.
        shown.append(
            and_(
                Comment.status.in_((CommentStatus.PENDING, CommentStatus.REJECTED)),
                Comment.author_id == viewer.id,
            )
        )
    guest_ids = _guest_ids(guest_comment_ids)
    if guest_ids:
        shown.append(
            and_(
                Comment.status == CommentStatus.PENDING,
                Comment.author_id.is_(None),
                Comment.id.in_(guest_ids),
            )
        )
    return or_(*shown)


def _guest_ids(guest_comment_ids: Collection[int]) -> list[int]:
    ids = [
        i for i in guest_comment_ids if isinstance(i, int) and not isinstance(i, bool)
    ]
    return ids[-MAX_GUEST_COMMENT_IDS:]


def _has_approved_reply() -> ColumnElement[bool]:
    reply = aliased(Comment)
    return exists().where(
        reply.root_id == Comment.id,
        reply.id != Comment.id,
        reply.status == CommentStatus.APPROVED,
        reply.hidden_at.is_(None),
    )


def sees_hidden(comment: Comment, viewer: User | None) -> bool:
    """A comment hidden by readers' flags still shows to its author and moderators."""
    return viewer is not None and (
        viewer.is_moderator or comment.author_id == viewer.id
    )


def _hidden_shown(viewer: User | None) -> ColumnElement[bool]:
    """sees_hidden() in SQL: which comments ``viewer`` sees although hidden."""
    if viewer is None:
        return Comment.hidden_at.is_(None)
    if viewer.is_moderator:
        return true()
    return or_(Comment.hidden_at.is_(None), Comment.author_id == viewer.id)


def _top_level_condition(
    article_id: int, viewer: User | None, guest_comment_ids: Collection[int] = ()
) -> ColumnElement[bool]:
    # A removed top-level comment is kept as a placeholder only while replies hang from it.
    return and_(
        Comment.article_id == article_id,
        Comment.parent_id.is_(None),
        _visible(viewer, guest_comment_ids),
        or_(
            and_(Comment.status.not_in(_PLACEHOLDER_STATUSES), _hidden_shown(viewer)),
            _has_approved_reply(),
        ),
    )


def review_for(session: Session, viewer: User | None) -> rules.Review:
    """The path ``viewer``'s next comment would take (a query for members only).

    The comment form says so, so that each person is told what will really
    happen to what they write.
    """
    return rules.review_for(session, viewer, load_policy(session))


def get_thread(
    session: Session,
    article: Article,
    *,
    page: int,
    per_page: int,
    viewer: User | None,
    guest_comment_ids: Collection[int] = (),
) -> Thread:
    """A page of whole trees, oldest first, in a constant number of queries.

    ``guest_comment_ids`` are a guest's own comments: shown to them while pending.
    """
    top_condition = _top_level_condition(article.id, viewer, guest_comment_ids)
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
                    _visible(viewer, guest_comment_ids),
                )
                .order_by(Comment.created_at, Comment.id)
            )
        )
    nodes = build_tree(top_level, replies, viewer=viewer)
    return Thread(
        page=Page(items=nodes, page=page, per_page=per_page, total=top_total or 0),
        comment_count=comment_count or 0,
        comments_open=comments_open(article, load_policy(session)),
    )


def page_of(
    session: Session,
    comment: Comment,
    *,
    per_page: int,
    viewer: User | None,
    guest_comment_ids: Collection[int] = (),
) -> int:
    """The discussion page that shows ``comment``'s tree to ``viewer`` (one query)."""
    root = aliased(Comment)
    root_id = comment.root_id or comment.id
    root_created = select(root.created_at).where(root.id == root_id).scalar_subquery()
    earlier = session.scalar(
        select(func.count(Comment.id)).where(
            _top_level_condition(comment.article_id, viewer, guest_comment_ids),
            or_(
                Comment.created_at < root_created,
                and_(Comment.created_at == root_created, Comment.id < root_id),
            ),
        )
    )
    return (earlier or 0) // per_page + 1


def build_tree(
    top_level: list[Comment], replies: list[Comment], *, viewer: User | None = None
) -> list[ThreadNode]:
    """Assemble nodes in O(n); placeholders without visible replies are dropped."""
    nodes = {c.id: _node(c, viewer) for c in (*top_level, *replies)}
    for comment in replies:  # oldest first, so a parent is placed before its replies
        parent = nodes.get(comment.parent_id) if comment.parent_id is not None else None
        if parent is not None:
            node = nodes[comment.id]
            node.under_lock = node.under_lock or parent.under_lock
            parent.replies.append(node)
    roots = [nodes[c.id] for c in top_level]
    return [node for node in roots if _prune(node)]


def _node(comment: Comment, viewer: User | None = None) -> ThreadNode:
    placeholder = PLACEHOLDER_TEXT.get(comment.status)
    if (
        placeholder is None
        and comment.hidden_at is not None
        and not sees_hidden(comment, viewer)
    ):
        placeholder = HIDDEN_TEXT
    return ThreadNode(
        comment=comment, placeholder=placeholder, under_lock=comment.locked
    )


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
    body_html: str | None = None,
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
        body_html=render_markdown(body, Profile.COMMENT)
        if body_html is None
        else body_html,
        body_fingerprint=spam.fingerprint(body),
        status=status,
        created_at=created_at or utcnow(),
    )
    session.add(comment)
    session.flush()
    if parent is None:
        comment.root_id = comment.id
        session.flush()
    standing.record_change(
        session, article_id=article.id, before=None, after=Standing.of(comment)
    )
    return comment


def _has_locked_ancestor(session: Session, comment: Comment) -> bool:
    """Whether ``comment`` or any comment above it is locked (one recursive query)."""
    chain = (
        select(Comment.id, Comment.parent_id, Comment.locked)
        .where(Comment.id == comment.id)
        .cte("chain", recursive=True)
    )
    above = aliased(Comment)
    chain = chain.union_all(
        select(above.id, above.parent_id, above.locked).where(
            above.id == chain.c.parent_id
        )
    )
    return bool(
        session.scalar(select(func.count()).select_from(chain).where(chain.c.locked))
    )


def replyable_parent(
    session: Session, article: Article, parent_id: int | None
) -> Comment | None:
    """The comment a reply answers: approved, in this article, under no locked ancestor."""
    if parent_id is None:
        return None
    parent = session.get(Comment, parent_id)
    if parent is None or parent.article_id != article.id:
        raise NotFound("The comment you are replying to is not in this discussion.")
    if parent.status != CommentStatus.APPROVED or parent.hidden_at is not None:
        raise Conflict("You can only reply to a published comment.")
    if _has_locked_ancestor(session, parent):
        raise Conflict("Replies to this comment are closed.")
    return parent


def preview(body: str) -> str:
    """The sanitized HTML a comment body would show, without storing anything."""
    return render_markdown(body, Profile.COMMENT)


def _ensure_open(session: Session, article: Article) -> None:
    if not comments_open(article, load_policy(session)):
        raise Conflict("Comments are closed.")


def reply_refusal(session: Session, article: Article, parent_id: int) -> str | None:
    """Why a reply to this comment would be refused, or None if it would be taken.

    The thread rules of post_comment (open article, published parent, no locked
    ancestor), for a page that offers the reply form only when it can succeed.
    """
    try:
        _ensure_open(session, article)
        replyable_parent(session, article, parent_id)
    except Conflict as exc:
        return exc.message
    return None


def post_comment(
    session: Session,
    article: Article,
    data: CommentCreate,
    *,
    actor: User | None,
    allow_guests: bool,
    allowance: spam.PostAllowance | None = None,
) -> Comment:
    """Store a comment or reply; it waits for moderation unless the policy trusts its author.

    The policy's rules (app.moderation.rules) hold link-heavy or hold-listed text
    even from trusted authors and mark spam-listed text as spam, saying why in
    ``held_reason``. A held comment is kept, never dropped. Guests post only where the site allows,
    with a name and an email (never shown). The same text twice from one author within
    a day is refused, and past ``allowance`` (the posting rate limit) a post is
    refused with 429 (app.comments.spam).
    """
    _ensure_open(session, article)
    if actor is None:
        if not allow_guests:
            raise NotAuthenticated("Please sign in to join the discussion.")
        if not data.guest_name:
            raise Invalid(
                "Please give a name to show with your comment.", field="guest_name"
            )
        if not data.guest_email:
            raise Invalid(
                "Please give your email address (it is never shown).",
                field="guest_email",
            )
    else:
        accounts_service.ensure_can_participate(actor)
    if allowance is not None:  # posting limits; moderators are exempt
        allowance.take(actor)
    spam.ensure_not_duplicate(
        session,
        data.body,
        actor=actor,
        guest_email=str(data.guest_email) if data.guest_email else None,
    )
    parent = replyable_parent(session, article, data.parent_id)
    body_html = render_markdown(data.body, Profile.COMMENT)
    status, verdict = rules.initial_status(
        session, actor, data.body, body_html, load_policy(session)
    )
    comment = store_comment(
        session,
        article,
        body=data.body,
        body_html=body_html,
        author=actor,
        parent=parent,
        status=status,
        guest_name=data.guest_name if actor is None else None,
        guest_email=str(data.guest_email)
        if actor is None and data.guest_email
        else None,
    )
    if verdict.reasons:
        rules.apply_verdict(session, comment, verdict)
    return comment


def get_comment(session: Session, comment_id: int) -> Comment:
    """A comment with its author and article. Raises NotFound."""
    comment = session.scalars(
        select(Comment)
        .options(joinedload(Comment.author), joinedload(Comment.article))
        .where(Comment.id == comment_id)
    ).one_or_none()
    if comment is None:
        raise NotFound("There is no such comment.")
    return comment


def get_visible_comment(
    session: Session,
    comment_id: int,
    *,
    viewer: User | None,
    article: Article | None = None,
    guest_comment_ids: Collection[int] = (),
) -> ThreadNode:
    """One comment, without its replies, as ``viewer`` may see it. Raises NotFound.

    Approved comments are public (while hidden, as a placeholder); any other
    status only to its author and to moderators. The article must be one the
    viewer may read and, when given, the comment's own.
    """
    comment = get_comment(session, comment_id)
    missing = NotFound("There is no such comment.")
    if article is not None and comment.article_id != article.id:
        raise missing
    if not comment.article.is_published and not (
        viewer is not None and viewer.is_admin
    ):
        raise missing
    is_moderator = viewer is not None and viewer.is_moderator
    is_author = (viewer is not None and comment.author_id == viewer.id) or (
        comment.author_id is None and comment.id in _guest_ids(guest_comment_ids)
    )
    if is_moderator or is_author:
        return ThreadNode(comment=comment, under_lock=comment.locked)
    if comment.status != CommentStatus.APPROVED:
        raise missing
    return _node(comment)
