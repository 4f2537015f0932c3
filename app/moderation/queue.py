"""The moderation queue: its views, a page at a time, at the same cost however long.

A view lists comments oldest first (the flagged view: most reported first).
Pages are keyset pages: "newer" continues after the last comment shown and
"older" goes back before the first, so no page counts or skips the comments
before it, and a decision taken meanwhile moves nothing under the moderator.
Each kind of comment a view lists is read in order through its own index and
the lanes are merged; the totals are the stored counters (app.comments.standing).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from app import paths
from app.accounts.models import User
from app.articles.models import Article
from app.comments.models import (
    Comment,
    CommentStatus,
    Flag,
    FlagReason,
    QueueStatus,
    shown_name,
)
from app.comments.standing import queue_counts
from app.db import AnySelect
from app.markup import count_links, excerpt
from app.moderation import flag_queries
from app.moderation.decisions import queue_decisions
from app.moderation.models import Decision

QUEUE_PAGE_SIZE = 50


@dataclass(frozen=True)
class AuthorHistory:
    approved: int = 0
    rejected: int = 0


@dataclass(frozen=True)
class QueueActions:
    """The decisions an item offers now, each with the address that takes it."""

    approve: str | None = None
    reject: str | None = None
    spam: str | None = None
    # The reported views: keep the comment (dismissing its reports), or remove
    # it; in the medical view, or answer it with an editor's note.
    dismiss: str | None = None
    remove: str | None = None
    editor_note: str | None = None
    # Put a content note on it (pending and reported comments).
    content_note: str | None = None

    @property
    def one_by_one(self) -> bool:
        """Reports are answered one by one: no bulk selection."""
        return self.dismiss is not None

    @property
    def decisions(self) -> list[Decision]:
        offered = {
            Decision.APPROVE: self.approve,
            Decision.REJECT: self.reject,
            Decision.SPAM: self.spam,
            Decision.REMOVE: self.remove,
        }
        return [decision for decision, url in offered.items() if url]


@dataclass(frozen=True)
class QueueComment:
    """What the queue shows of a comment, as plain values read in one query."""

    id: int
    status: CommentStatus
    body_html: str
    # A published comment's edit waiting for approval (None when none waits).
    pending_body_html: str | None
    parent_id: int | None
    created_at: datetime
    hidden_at: datetime | None
    held_reason: str | None
    decision_reason: str | None
    author_name: str
    # None for a guest.
    author_id: int | None
    # The badge an admin gave the author ("MS nurse", ...).
    author_badge: str | None
    author_username: str | None
    article_slug: str
    article_title: str
    # Crisis language was found in it (app.moderation.crisis), not yet handled.
    urgent: bool = False
    content_note: str | None = None
    # The editor's note readers see under it, and its link (None: none).
    editor_note: str | None = None
    editor_note_url: str | None = None


@dataclass(frozen=True)
class QueueItem:
    """A comment waiting for a decision, with what a moderator needs to judge it."""

    comment: QueueComment
    parent_excerpt: str | None
    history: AuthorHistory
    link_count: int
    actions: QueueActions
    article_url: str
    # The author's moderation record (None for a guest).
    record_url: str | None
    # Readers' open flags, oldest first (in the "flagged" view only).
    flags: list[Flag] = field(default_factory=list)
    # "Handled" for an urgent item: a moderator has looked after its author.
    handled_url: str | None = None
    # The comment as first reported, when it has been edited since (None: not
    # edited, or reported before reports kept a snapshot).
    reported_html: str | None = None


@dataclass(frozen=True)
class QueuePage:
    """One page of a view, and where the pages around it start."""

    status: QueueStatus
    items: list[QueueItem]
    # How many comments the whole view lists (a stored counter).
    total: int
    # The cursors of the neighbouring pages: the last comment shown, when newer
    # ones follow, and the first shown, when older ones come before.
    newer_after: int | None
    older_before: int | None


def _lanes(status: QueueStatus) -> list[ColumnElement[bool]]:
    """The kinds of comment a view lists, each read in order through an index."""
    if status is QueueStatus.PENDING:
        return [
            # New comments (ix_comment_status_created_at_id) ...
            Comment.status == CommentStatus.PENDING,
            # ... and published ones whose edit waits (ix_comment_pending_edit:
            # only a published comment keeps a waiting edit).
            Comment.pending_body.is_not(None),
        ]
    return [Comment.status == CommentStatus(status)]


_EDGE = bindparam("edge", type_=Integer)
_EDGE_KEY = tuple_(
    select(Comment.created_at).where(Comment.id == _EDGE).scalar_subquery(), _EDGE
)
_KEY = tuple_(Comment.created_at, Comment.id)


@cache
def _page_statement(status: QueueStatus, direction: str) -> Select[int]:
    """The ids of a page (one more, to see whether another follows) in a
    direction: "first", "after" or "before" the edge comment."""
    backwards = direction == "before"
    order = (
        (Comment.created_at.desc(), Comment.id.desc())
        if backwards
        else (
            Comment.created_at,
            Comment.id,
        )
    )
    lanes = []
    for lane in _lanes(status):
        conditions = [lane]
        if direction == "after":
            conditions.append(_KEY > _EDGE_KEY)
        elif direction == "before":
            conditions.append(_KEY < _EDGE_KEY)
        lanes.append(
            select(Comment.id, Comment.created_at)
            .where(*conditions)
            .order_by(*order)
            .limit(bindparam("limit", type_=Integer))
            .subquery()
        )
    merged = union_all(*(select(lane) for lane in lanes)).subquery()
    key = (merged.c.created_at, merged.c.id)
    return (
        select(merged.c.id)
        .order_by(*(column.desc() for column in key) if backwards else key)
        .limit(bindparam("limit", type_=Integer))
    )


# Pending comments with crisis language not yet handled: a handful, found
# through their own partial index.
_URGENT = (
    select(Comment.id)
    .where(Comment.status == CommentStatus.PENDING, Comment.urgent_at.is_not(None))
    .order_by(Comment.urgent_at, Comment.id)
    .limit(bindparam("limit", type_=Integer))
)


def _ids(
    session: Session, status: QueueStatus, direction: str, edge: int, limit: int
) -> list[int]:
    return list(
        session.scalars(
            _page_statement(status, direction), {"edge": edge, "limit": limit}
        )
    )


# The reported views, and the reason of the reports each lists (None: any).
_REPORTED = {
    QueueStatus.FLAGGED: None,
    QueueStatus.MEDICAL: FlagReason.MEDICAL_CLAIM,
}


def _reported_ids(session: Session, reason: FlagReason | None) -> list[int]:
    """Every published comment with open reports (of ``reason``), most
    reported first, then the one reported longest ago. Reports are answered
    quickly, so this list stays short whatever the size of the site; it is
    paged in memory."""
    open_reports: list[ColumnElement[bool]] = [flag_queries.OPEN]
    if reason is not None:
        open_reports.append(Flag.reason == reason)
    reports = (
        select(
            Flag.comment_id,
            func.count(Flag.id).label("reports"),
            func.min(Flag.created_at).label("first"),
        )
        .where(*open_reports)
        .group_by(Flag.comment_id)
        .subquery()
    )
    return list(
        session.scalars(
            select(Comment.id)
            .join(reports, reports.c.comment_id == Comment.id)
            .where(Comment.status == CommentStatus.APPROVED)
            .order_by(reports.c.reports.desc(), reports.c.first, Comment.id)
        )
    )


def read_queue(
    session: Session,
    *,
    status: QueueStatus,
    after: int | None = None,
    before: int | None = None,
    per_page: int = QUEUE_PAGE_SIZE,
) -> QueuePage:
    """A page of one view: the first, or the one after or before a comment (the
    cursor of a neighbouring page). Five queries however long the view (six
    on the first page of pending comments, which starts with the urgent ones)."""
    reported = status in _REPORTED
    if reported:
        ids, newer, older = _page_in_memory(
            _reported_ids(session, _REPORTED[status]), after, before, per_page
        )
    else:
        ids, newer, older = _page_by_keyset(session, status, after, before, per_page)
        if status is QueueStatus.PENDING and after is None and before is None:
            # Urgent comments first, oldest first, then the rest in order.
            urgent = list(session.scalars(_URGENT, {"limit": per_page}))
            ids = urgent + [i for i in ids if i not in set(urgent)]
    return QueuePage(
        status=status,
        items=_items(
            session, ids, flagged=reported, medical=status is QueueStatus.MEDICAL
        ),
        total=queue_counts(session)[status],
        newer_after=ids[-1] if ids and newer else None,
        older_before=ids[0] if ids and older else None,
    )


def _page_by_keyset(
    session: Session,
    status: QueueStatus,
    after: int | None,
    before: int | None,
    per_page: int,
) -> tuple[list[int], bool, bool]:
    """The page's ids, and whether newer and older comments lie beyond it."""
    if before is not None:
        ids = _ids(session, status, "before", before, per_page + 1)
        older = len(ids) > per_page
        return list(reversed(ids[:per_page])), True, older
    if after is None:
        ids = _ids(session, status, "first", 0, per_page + 1)
        return ids[:per_page], len(ids) > per_page, False
    ids = _ids(session, status, "after", after, per_page + 1)
    newer = len(ids) > per_page
    ids = ids[:per_page]
    # Older ones lie before this page if anything in the view precedes its first.
    older = bool(ids) and bool(_ids(session, status, "before", ids[0], 1))
    return ids, newer, older


def _page_in_memory(
    ordered: list[int], after: int | None, before: int | None, per_page: int
) -> tuple[list[int], bool, bool]:
    start = 0
    if after is not None and after in ordered:
        start = ordered.index(after) + 1
    elif before is not None and before in ordered:
        start = max(0, ordered.index(before) - per_page)
    ids = ordered[start : start + per_page]
    return ids, start + per_page < len(ordered), start > 0


def _items_statement() -> AnySelect:
    """The comments of a page with their author, article and the text each
    answers, as plain rows (the queue builds no ORM objects), built once."""
    parent = aliased(Comment)
    return (
        select(
            Comment.id,
            Comment.status,
            Comment.body_html,
            Comment.pending_body_html,
            Comment.parent_id,
            Comment.created_at,
            Comment.hidden_at,
            Comment.held_reason,
            Comment.decision_reason,
            Comment.urgent_at,
            Comment.content_note,
            Comment.editor_note,
            Comment.editor_note_url,
            Comment.guest_name,
            Comment.author_id,
            User.username.label("author_username"),
            User.display_name.label("author_display_name"),
            User.badge.label("author_badge"),
            Article.slug.label("article_slug"),
            Article.title.label("article_title"),
            parent.body.label("parent_body"),
        )
        .join(Article, Article.id == Comment.article_id)
        .outerjoin(User, User.id == Comment.author_id)
        .outerjoin(parent, parent.id == Comment.parent_id)
        .where(Comment.id.in_(bindparam("ids", expanding=True)))
    )


_ITEMS = _items_statement()


def _reported_version(flags: Sequence[Flag], body_html: str) -> str | None:
    """The comment as its earliest report saw it, when that differs from what
    it says now; None when unchanged or when no report kept a snapshot."""
    for flag in flags:
        if flag.snapshot_html is not None:
            return flag.snapshot_html if flag.snapshot_html != body_html else None
    return None


def _items(
    session: Session, ids: Sequence[int], *, flagged: bool, medical: bool = False
) -> list[QueueItem]:
    """The comments of a page, in its order, with what a moderator needs."""
    if not ids:
        return []
    rows = {row.id: row for row in session.execute(_ITEMS, {"ids": list(ids)})}
    histories = _histories(
        session, {row.author_id for row in rows.values() if row.author_id}
    )
    flags = flag_queries.open_flags(session, list(ids)) if flagged else {}
    items = []
    for comment_id in ids:
        row = rows[comment_id]
        comment = QueueComment(
            id=row.id,
            status=CommentStatus(row.status),
            body_html=row.body_html,
            pending_body_html=row.pending_body_html,
            parent_id=row.parent_id,
            created_at=row.created_at,
            hidden_at=row.hidden_at,
            held_reason=row.held_reason,
            decision_reason=row.decision_reason,
            author_name=shown_name(row.author_display_name, row.guest_name),
            author_id=row.author_id,
            author_badge=row.author_badge,
            author_username=row.author_username,
            article_slug=row.article_slug,
            article_title=row.article_title,
            urgent=row.urgent_at is not None and row.status == CommentStatus.PENDING,
            content_note=row.content_note,
            editor_note=row.editor_note,
            editor_note_url=row.editor_note_url,
        )
        items.append(
            QueueItem(
                comment=comment,
                parent_excerpt=excerpt(row.parent_body, 200)
                if row.parent_body is not None
                else None,
                history=histories.get(row.author_id or 0, AuthorHistory()),
                link_count=count_links(row.body_html),
                actions=_actions(comment, flagged=flagged, medical=medical),
                article_url=paths.fill(paths.ARTICLE, slug=row.article_slug),
                record_url=paths.fill(paths.MEMBER_RECORD, username=row.author_username)
                if row.author_username is not None
                else None,
                flags=flags.get(comment_id, []),
                reported_html=_reported_version(
                    flags.get(comment_id, []), row.body_html
                ),
                handled_url=paths.fill(paths.MODERATION_HANDLED, comment_id=row.id)
                if comment.urgent
                else None,
            )
        )
    return items


def _actions(
    comment: QueueComment, *, flagged: bool, medical: bool = False
) -> QueueActions:
    """What an item offers: in the reported views keep or remove (and in the
    medical view an editor's note), elsewhere the decisions its status allows
    (app.moderation.decisions)."""

    def url(decision: Decision) -> str:
        return paths.fill(
            paths.MODERATION_DECIDE, comment_id=comment.id, decision=decision
        )

    note_url = paths.fill(paths.MODERATION_CONTENT_NOTE, comment_id=comment.id)
    if flagged:
        return QueueActions(
            content_note=note_url,
            dismiss=paths.fill(paths.MODERATION_DISMISS, comment_id=comment.id),
            remove=url(Decision.REMOVE),
            editor_note=paths.fill(paths.MODERATION_EDITOR_NOTE, comment_id=comment.id)
            if medical
            else None,
        )
    offered = queue_decisions(
        comment.status, edit_waits=comment.pending_body_html is not None
    )
    return QueueActions(
        content_note=note_url if comment.status == CommentStatus.PENDING else None,
        approve=url(Decision.APPROVE) if Decision.APPROVE in offered else None,
        reject=url(Decision.REJECT) if Decision.REJECT in offered else None,
        spam=url(Decision.SPAM) if Decision.SPAM in offered else None,
    )


def _histories(session: Session, author_ids: set[int]) -> dict[int, AuthorHistory]:
    """Each author's approved and refused comments (ix_comment_author_status_decided
    answers from the index alone)."""
    if not author_ids:
        return {}
    refused = Comment.status.in_((CommentStatus.REJECTED, CommentStatus.SPAM))
    rows = session.execute(
        select(
            Comment.author_id,
            func.sum(case((Comment.status == CommentStatus.APPROVED, 1), else_=0)),
            func.sum(case((refused, 1), else_=0)),
        )
        .where(Comment.author_id.in_(author_ids))
        .group_by(Comment.author_id)
    )
    return {
        author_id: AuthorHistory(int(approved or 0), int(rejected or 0))
        for author_id, approved, rejected in rows
    }


def in_view(status: QueueStatus) -> ColumnElement[bool]:
    """The comments one view lists, as one condition (for a moderator's record)."""
    if status in _REPORTED:
        return and_(
            Comment.status == CommentStatus.APPROVED,
            flag_queries.has_open_flags(_REPORTED[status]),
        )
    return or_(*_lanes(status))
