"""Where a comment stands, and the one place its changes are counted.

A comment's standing is its status, whether readers' reports hide it, whether an
edit of it waits for a moderator and whether it has open reports. From the
standing follow the views of the moderation queue that list it, whether it
counts among its article's published comments, and what a reader sees of it.

Every service that changes a standing calls ``record_change()`` in its own
transaction, with the standing before and after. That keeps the stored queue
counters and each article's published-comment count exact, and bumps the
article's discussion version whenever a reader would see the change, which is
what the cache of public thread pages is keyed by (app.comments.thread). Other
changes that readers see (a locked sub-thread, a closed discussion, an edited
article, a renamed author) call ``bump_discussions()`` or ``bump_author()``.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ScalarSelect, func, inspect, or_, select, update
from sqlalchemy.orm import Session, aliased

from app import counters
from app.articles.models import Article
from app.comments.models import Comment, CommentStatus, Flag, FlagReason, QueueStatus
from app.search import index as search_index


def queue_counter(view: QueueStatus) -> str:
    return f"queue.{view}"


# How many comments need a moderator's look (the navigation's badge): waiting,
# reported or hidden, each comment once however many views list it.
ATTENTION = "queue.attention"


# What a reader sees of a comment in each status: itself, or a placeholder.
_SHOWN = (CommentStatus.APPROVED, CommentStatus.REMOVED, CommentStatus.DELETED)


@dataclass(frozen=True)
class Standing:
    status: CommentStatus
    hidden: bool = False
    edit_waiting: bool = False
    reported: bool = False
    # One of its open reports says it is a misleading medical claim.
    medical: bool = False

    @classmethod
    def of(
        cls, comment: Comment, *, reported: bool = False, medical: bool = False
    ) -> "Standing":
        return cls(
            status=CommentStatus(comment.status),
            hidden=comment.hidden_at is not None,
            edit_waiting=comment.pending_body is not None,
            reported=reported,
            medical=medical,
        )

    @property
    def published(self) -> bool:
        """Counted among the article's comments: approved and not hidden."""
        return self.status == CommentStatus.APPROVED and not self.hidden

    @property
    def views(self) -> frozenset[QueueStatus]:
        """The views of the moderation queue that list this comment."""
        views: set[QueueStatus] = set()
        if self.status == CommentStatus.PENDING or (
            self.status == CommentStatus.APPROVED and self.edit_waiting
        ):
            views.add(QueueStatus.PENDING)
        if self.status == CommentStatus.SPAM:
            views.add(QueueStatus.SPAM)
        if self.status == CommentStatus.REJECTED:
            views.add(QueueStatus.REJECTED)
        if self.status == CommentStatus.APPROVED and self.reported:
            views.add(QueueStatus.FLAGGED)
        if self.status == CommentStatus.APPROVED and self.medical:
            views.add(QueueStatus.MEDICAL)
        return frozenset(views)

    @property
    def needs_look(self) -> bool:
        """Counted in the moderators' badge: waiting, reported or hidden."""
        waiting = bool(self.views & {QueueStatus.PENDING, QueueStatus.FLAGGED})
        return waiting or (self.status == CommentStatus.APPROVED and self.hidden)

    def shows_root(self, replies: int) -> bool:
        """Whether a top-level comment with ``replies`` published replies shows in
        its discussion (Article.root_count counts those that do): published, or
        a placeholder while published replies hang from it."""
        return self.published or (self.face is not None and replies > 0)

    @property
    def face(self) -> tuple[CommentStatus, bool] | None:
        """What an anonymous reader sees of it (None: nothing at all)."""
        if self.status not in _SHOWN:
            return None
        return (self.status, self.hidden and self.status == CommentStatus.APPROVED)


def record_change(
    session: Session,
    comment: Comment,
    *,
    before: Standing | None,
    after: Standing,
    content_changed: bool = False,
) -> None:
    """Count a comment's move from ``before`` (None: it is new) to ``after``.

    The queue counters, the article's published and top-level counts and its
    tree's reply count change by the difference, and the search index with
    them (a published comment is found by its text); the discussion version is
    bumped when a reader would see it, including a new text
    (``content_changed``) on a comment readers see.
    """
    if after.status != CommentStatus.APPROVED:
        _clear_highlights(comment)
    old_views = before.views if before else frozenset()
    deltas = {queue_counter(v): -1 for v in old_views - after.views}
    deltas |= {queue_counter(v): 1 for v in after.views - old_views}
    deltas[ATTENTION] = int(after.needs_look) - int(bool(before and before.needs_look))
    counters.add(session, deltas)
    search_index.comment_changed(
        session,
        comment,
        was_published=bool(before and before.published),
        published=after.published,
        content_changed=content_changed,
    )
    old_face = before.face if before else None
    seen = old_face != after.face or (content_changed and after.face is not None)
    if not seen:
        return
    published = int(after.published) - int(bool(before and before.published))
    if comment.parent_id is None:
        replies = comment.reply_count or 0
        roots = int(after.shows_root(replies)) - int(
            bool(before and before.shows_root(replies))
        )
    else:
        roots = _count_reply(session, comment, published)
    bump_discussions(
        session, [comment.article_id], published_delta=published, roots_delta=roots
    )


def _clear_highlights(comment: Comment) -> None:
    """A comment no longer published (deleted by its author, taken down, its
    author's account deleted) is no longer pinned or featured: every such
    change passes here."""
    if comment.pinned_at is not None:
        comment.pinned_at = None
    if comment.featured_at is not None:
        comment.featured_at = None


def _count_reply(session: Session, reply: Comment, published: int) -> int:
    """Add a reply's change to its tree's reply count; the change in the
    article's shown top-level comments it makes (a placeholder shows while
    published replies hang from it)."""
    if not published:
        return 0
    root = session.execute(
        update(Comment)
        .where(Comment.id == reply.root_id)
        .values(reply_count=Comment.reply_count + published)
        .returning(Comment.status, Comment.hidden_at, Comment.reply_count)
        .execution_options(synchronize_session=False)
    ).one()
    standing = Standing(root.status, hidden=root.hidden_at is not None)
    after = root.reply_count
    return int(standing.shows_root(after)) - int(standing.shows_root(after - published))


def bump_discussions(
    session: Session,
    article_ids: Iterable[int],
    *,
    published_delta: int = 0,
    roots_delta: int = 0,
) -> None:
    """Readers of these articles see something new: bump their versions (and the
    article list's, which shows their counts and titles)."""
    ids = list(set(article_ids))
    if not ids:
        return
    session.execute(
        update(Article)
        .where(Article.id.in_(ids))
        .values(
            discussion_version=Article.discussion_version + 1,
            approved_count=Article.approved_count + published_delta,
            root_count=Article.root_count + roots_delta,
            # The version is not an edit of the article.
            updated_at=Article.updated_at,
        )
        # Articles already loaded in this session see their new counts.
        .execution_options(synchronize_session="evaluate")
    )
    counters.bump(session, counters.LISTING_VERSION)


def bump_author(session: Session, user_id: int) -> None:
    """A person's name, role or bio changed: every discussion that shows them."""
    shown = select(Comment.article_id).where(
        Comment.author_id == user_id, Comment.status == CommentStatus.APPROVED
    )
    ids = session.scalars(
        select(Article.id).where(
            or_(Article.author_id == user_id, Article.id.in_(shown))
        )
    )
    bump_discussions(session, ids)


def open_reports(session: Session, comment: Comment) -> tuple[bool, bool]:
    """Whether a published comment has open reports (the flagged view lists
    it), and whether one calls it a medical claim (so does the medical view)."""
    if comment.status != CommentStatus.APPROVED:
        return False, False
    reports, medical = session.execute(
        select(
            func.count(Flag.id),
            func.count(Flag.id).filter(Flag.reason == FlagReason.MEDICAL_CLAIM),
        ).where(Flag.comment_id == comment.id, Flag.resolved_at.is_(None))
    ).one()
    return reports > 0, medical > 0


# Only the columns: the relationships a caller loaded stay as they are.
_COLUMNS = [attribute.key for attribute in inspect(Comment).column_attrs]


def lock(session: Session, comment: Comment) -> Standing:
    """Re-read a comment under a row lock (PostgreSQL) and say where it stands.

    A change that starts from this standing can't be overtaken by another
    transaction changing the same comment, so the counts stay exact.
    """
    session.refresh(comment, _COLUMNS, with_for_update=True)
    reported, medical = open_reports(session, comment)
    return Standing.of(comment, reported=reported, medical=medical)


def queue_counts(session: Session) -> dict[QueueStatus, int]:
    """How many comments each view of the queue lists (one primary-key read)."""
    names = {view: queue_counter(view) for view in QueueStatus}
    # The badge's count comes along, for the navigation on the same page.
    stored = counters.read(session, [*names.values(), ATTENTION])
    return {view: max(0, stored[name]) for view, name in names.items()}


def attention_count(session: Session) -> int:
    """How many comments need a moderator's look (stored; see ``ATTENTION``)."""
    return max(0, counters.read(session, [ATTENTION])[ATTENTION])


def _needs_look() -> Any:
    """Standing.needs_look in SQL."""
    reported = select(Flag.comment_id).where(Flag.resolved_at.is_(None))
    published_but = or_(
        Comment.pending_body.is_not(None),
        Comment.hidden_at.is_not(None),
        Comment.id.in_(reported),
    )
    return or_(
        Comment.status == CommentStatus.PENDING,
        (Comment.status == CommentStatus.APPROVED) & published_but,
    )


def attention_counted(session: Session) -> int:
    """How many comments need a moderator's look, counted from the comments."""
    return session.scalar(select(func.count(Comment.id)).where(_needs_look())) or 0


def counted(session: Session) -> dict[QueueStatus, int]:
    """What each view of the queue lists, counted from the comments themselves."""
    reported = select(Flag.comment_id).where(Flag.resolved_at.is_(None))
    medical = reported.where(Flag.reason == FlagReason.MEDICAL_CLAIM)
    waiting = Comment.status == CommentStatus.PENDING
    edit_waiting = (Comment.status == CommentStatus.APPROVED) & (
        Comment.pending_body.is_not(None)
    )
    conditions = {
        QueueStatus.PENDING: or_(waiting, edit_waiting),
        QueueStatus.SPAM: Comment.status == CommentStatus.SPAM,
        QueueStatus.REJECTED: Comment.status == CommentStatus.REJECTED,
        QueueStatus.FLAGGED: (Comment.status == CommentStatus.APPROVED)
        & Comment.id.in_(reported),
        QueueStatus.MEDICAL: (Comment.status == CommentStatus.APPROVED)
        & Comment.id.in_(medical),
    }
    return {
        view: session.scalar(select(func.count(Comment.id)).where(condition)) or 0
        for view, condition in conditions.items()
    }


def _published_count() -> ScalarSelect[int]:
    return (
        select(func.count(Comment.id))
        .where(
            Comment.article_id == Article.id,
            Comment.status == CommentStatus.APPROVED,
            Comment.hidden_at.is_(None),
        )
        .scalar_subquery()
    )


def _reply_count(root: Any = Comment) -> ScalarSelect[int]:
    reply = aliased(Comment)
    return (
        select(func.count(reply.id))
        .where(
            reply.root_id == root.id,
            reply.parent_id.is_not(None),
            reply.status == CommentStatus.APPROVED,
            reply.hidden_at.is_(None),
        )
        .scalar_subquery()
    )


def _root_count() -> ScalarSelect[int]:
    """Standing.shows_root() in SQL, counted per article."""
    root = aliased(Comment)
    return (
        select(func.count(root.id))
        .where(
            root.article_id == Article.id,
            root.parent_id.is_(None),
            or_(
                (root.status == CommentStatus.APPROVED) & root.hidden_at.is_(None),
                root.status.in_(_SHOWN) & (_reply_count(root) > 0),
            ),
        )
        .scalar_subquery()
    )


def published_counted(session: Session) -> dict[int, tuple[int, int]]:
    """Each article's published and top-level comments, counted from the comments."""
    rows = session.execute(select(Article.id, _published_count(), _root_count()))
    return {article_id: (published, roots) for article_id, published, roots in rows}


def replies_counted(session: Session) -> dict[int, int]:
    """Each top-level comment's published replies, counted from the comments."""
    rows = session.execute(
        select(Comment.id, _reply_count()).where(Comment.parent_id.is_(None))
    )
    return dict(rows.all())


def recount(session: Session) -> dict[QueueStatus, int]:
    """Rebuild every stored count from the comments themselves.

    For operators and bulk loaders that wrote comments without the services; in
    normal use the counts never drift (a test compares them with real COUNTs).
    """
    counts = counted(session)
    counters.store(
        session,
        {queue_counter(v): n for v, n in counts.items()}
        | {ATTENTION: attention_counted(session)},
    )
    session.execute(
        update(Article)
        .values(
            approved_count=_published_count(),
            root_count=_root_count(),
            discussion_version=Article.discussion_version + 1,
            updated_at=Article.updated_at,
        )
        .execution_options(synchronize_session="fetch")
    )
    session.execute(
        update(Comment)
        .where(Comment.parent_id.is_(None))
        .values(reply_count=_reply_count())
        .execution_options(synchronize_session="fetch")
    )
    counters.bump(session, counters.LISTING_VERSION)
    return counts
