"""JSON API for moderators: the queue, decisions, closing and locking, the log."""

from typing import Annotated

from fastapi import APIRouter, Body

from app import paths
from app.accounts.deps import ModeratorUser
from app.articles import service as articles_service
from app.articles.models import Article
from app.comments import service as comments_service
from app.comments.deps import CommentId
from app.comments.models import Comment, QueueStatus
from app.comments.schemas import EditorNoteRead
from app.db import SessionDep
from app.errors import error_responses
from app.moderation import annotations, highlights, insights, service, visibility
from app.moderation.deps import QueueCursor
from app.moderation.models import Decision
from app.moderation.queue import QueueItem, QueuePage
from app.moderation.schemas import (
    BulkIn,
    BulkRead,
    CommentNotesRead,
    CommentStateRead,
    ContentNoteIn,
    DecisionIn,
    DiscussionRead,
    EditorNoteIn,
    HighlightsRead,
    InsightsRead,
    LogRead,
    QueueArticleRead,
    QueueAuthorRead,
    QueueFlagRead,
    QueueItemRead,
    QueueRead,
    ReasonIn,
    SkippedRead,
    VisibilityIn,
    VisibilityRead,
)
from app.pagination import PageNumber

router = APIRouter(tags=["moderation"], responses=error_responses(403, 404, 409, 413))

# The body is optional: `{}`, `{"reason": "..."}` or nothing at all.
OptionalReason = Annotated[ReasonIn | None, Body()]


def _reason(data: ReasonIn | None) -> str | None:
    return data.reason if data else None


def _queue_item_read(item: QueueItem) -> QueueItemRead:
    comment = item.comment
    return QueueItemRead(
        id=comment.id,
        status=comment.status,
        body_html=comment.body_html,
        created_at=comment.created_at,
        parent_id=comment.parent_id,
        parent_excerpt=item.parent_excerpt,
        link_count=item.link_count,
        held_reason=comment.held_reason,
        urgent=comment.urgent,
        article=QueueArticleRead(
            slug=comment.article_slug, title=comment.article_title
        ),
        content_note=comment.content_note,
        editor_note=EditorNoteRead(
            text=comment.editor_note, url=comment.editor_note_url
        )
        if comment.editor_note is not None
        else None,
        author=QueueAuthorRead(
            display_name=comment.author_name,
            username=comment.author_username,
            badge=comment.author_badge,
            approved=item.history.approved,
            rejected=item.history.rejected,
        ),
        hidden_at=comment.hidden_at,
        flags=[QueueFlagRead.model_validate(flag) for flag in item.flags],
        reported_html=item.reported_html,
        decisions=item.actions.decisions,
    )


def _queue_read(page: QueuePage, counts: dict[QueueStatus, int]) -> QueueRead:
    return QueueRead(
        status=page.status,
        items=[_queue_item_read(item) for item in page.items],
        total=page.total,
        counts=counts,
        newer_after=page.newer_after,
        older_before=page.older_before,
    )


@router.get("/moderation/queue", name="api.moderation.queue")
def moderation_queue(
    session: SessionDep,
    moderator: ModeratorUser,
    status: QueueStatus = QueueStatus.PENDING,
    after: QueueCursor = None,
    before: QueueCursor = None,
) -> QueueRead:
    page = service.queue(
        session, status=status, after=after, before=before, actor=moderator
    )
    return _queue_read(page, service.status_counts(session))


# Before the decisions' route: its {decision} would match these paths too.
@router.post(
    paths.MODERATION_EDITOR_NOTE,
    name="api.moderation.editor_note",
)
def moderation_editor_note(
    comment_id: CommentId,
    data: EditorNoteIn,
    session: SessionDep,
    moderator: ModeratorUser,
) -> CommentNotesRead:
    """Add or replace the editor's note under a published comment."""
    comment = comments_service.get_comment(session, comment_id)
    annotations.set_editor_note(session, comment, data, actor=moderator)
    return CommentNotesRead.of(comment)


@router.delete(
    paths.MODERATION_EDITOR_NOTE,
    name="api.moderation.editor_note_delete",
)
def moderation_editor_note_delete(
    comment_id: CommentId, session: SessionDep, moderator: ModeratorUser
) -> CommentNotesRead:
    comment = comments_service.get_comment(session, comment_id)
    annotations.remove_editor_note(session, comment, actor=moderator)
    return CommentNotesRead.of(comment)


@router.put(
    paths.MODERATION_CONTENT_NOTE,
    name="api.moderation.content_note",
)
def moderation_content_note(
    comment_id: CommentId,
    data: ContentNoteIn,
    session: SessionDep,
    moderator: ModeratorUser,
) -> CommentNotesRead:
    """Put a content note from the site's list on a comment (null: take it off)."""
    comment = comments_service.get_comment(session, comment_id)
    annotations.set_content_note(session, comment, data.content_note, actor=moderator)
    return CommentNotesRead.of(comment)


@router.post(paths.MODERATION_VISIBILITY, name="api.moderation.visibility")
def moderation_visibility(
    comment_id: CommentId,
    data: VisibilityIn,
    session: SessionDep,
    moderator: ModeratorUser,
) -> VisibilityRead:
    """Make a comment members only (``{"visibility": "members"}``) or public again."""
    comment = comments_service.get_comment(session, comment_id)
    visibility.set_visibility(session, comment, data.visibility, actor=moderator)
    return VisibilityRead.of(comment)


def _highlight(
    session: SessionDep, comment_id: int, moderator: ModeratorUser, action: str
) -> HighlightsRead:
    comment = comments_service.get_comment(session, comment_id)
    highlights.apply(session, comment, highlights.Highlight(action), actor=moderator)
    return HighlightsRead.of(comment)


@router.post(paths.MODERATION_PIN, name="api.moderation.pin")
def moderation_pin(
    comment_id: CommentId, session: SessionDep, moderator: ModeratorUser
) -> HighlightsRead:
    """Pin a published top-level comment first on its discussion's page 1."""
    return _highlight(session, comment_id, moderator, "pin")


@router.post(paths.MODERATION_UNPIN, name="api.moderation.unpin")
def moderation_unpin(
    comment_id: CommentId, session: SessionDep, moderator: ModeratorUser
) -> HighlightsRead:
    return _highlight(session, comment_id, moderator, "unpin")


@router.post(paths.MODERATION_FEATURE, name="api.moderation.feature")
def moderation_feature(
    comment_id: CommentId, session: SessionDep, moderator: ModeratorUser
) -> HighlightsRead:
    return _highlight(session, comment_id, moderator, "feature")


@router.post(paths.MODERATION_UNFEATURE, name="api.moderation.unfeature")
def moderation_unfeature(
    comment_id: CommentId, session: SessionDep, moderator: ModeratorUser
) -> HighlightsRead:
    return _highlight(session, comment_id, moderator, "unfeature")


@router.post(
    "/moderation/comments/{comment_id}/{decision}",
    name="api.moderation.decide",
    response_model=CommentStateRead,
)
def moderation_decide(
    comment_id: CommentId,
    decision: Decision,
    session: SessionDep,
    moderator: ModeratorUser,
    data: Annotated[DecisionIn | None, Body()] = None,
) -> Comment:
    comment = comments_service.get_comment(session, comment_id)
    return service.decide(
        session,
        comment,
        decision,
        actor=moderator,
        reason=_reason(data),
        seen=data.seen if data else None,
    )


@router.post(
    "/moderation/urgent/{comment_id}/handled",
    name="api.moderation.handled",
    response_model=CommentStateRead,
)
def moderation_handled(
    comment_id: CommentId,
    session: SessionDep,
    moderator: ModeratorUser,
    data: OptionalReason = None,
) -> Comment:
    """An urgent comment's author has been looked after: it leaves the top of the queue."""
    comment = comments_service.get_comment(session, comment_id)
    return service.mark_handled(session, comment, actor=moderator, reason=_reason(data))


@router.post(
    "/moderation/flags/{comment_id}/dismiss",
    name="api.moderation.dismiss_flags",
    response_model=CommentStateRead,
)
def moderation_dismiss_flags(
    comment_id: CommentId,
    session: SessionDep,
    moderator: ModeratorUser,
    data: OptionalReason = None,
) -> Comment:
    """Keep a reported comment: dismiss its open flags (it shows again if hidden)."""
    comment = comments_service.get_comment(session, comment_id)
    return service.dismiss_flags(
        session, comment, actor=moderator, reason=_reason(data)
    )


@router.post("/moderation/bulk", name="api.moderation.bulk")
def moderation_bulk(
    data: BulkIn, session: SessionDep, moderator: ModeratorUser
) -> BulkRead:
    result = service.decide_many(
        session,
        data.ids,
        data.action,
        actor=moderator,
        reason=data.reason,
        seen=data.seen,
    )
    return BulkRead(
        decided=result.decided,
        skipped=[SkippedRead(id=i, reason=why) for i, why in result.skipped.items()],
    )


@router.get("/moderation/log", name="api.moderation.log")
def moderation_log(
    session: SessionDep, moderator: ModeratorUser, page: PageNumber = 1
) -> LogRead:
    entries = service.audit_log(
        session, page=page, per_page=service.LOG_PAGE_SIZE, actor=moderator
    )
    return LogRead.from_page(entries)


@router.get("/moderation/stats", name="api.moderation.stats")
def moderation_stats(
    session: SessionDep, moderator: ModeratorUser, days: int = 30
) -> InsightsRead:
    """Daily figures, reports by reason and the busiest discussions."""
    figures = insights.stats(session, days=days, actor=moderator)
    return InsightsRead.model_validate(figures)


@router.post(
    "/articles/{slug}/close",
    name="api.moderation.close",
    response_model=DiscussionRead,
)
def article_close(
    slug: str,
    session: SessionDep,
    moderator: ModeratorUser,
    data: OptionalReason = None,
) -> Article:
    article = articles_service.get_article(session, slug, viewer=moderator)
    return service.close_thread(session, article, actor=moderator, reason=_reason(data))


@router.post(
    "/articles/{slug}/reopen",
    name="api.moderation.reopen",
    response_model=DiscussionRead,
)
def article_reopen(
    slug: str,
    session: SessionDep,
    moderator: ModeratorUser,
    data: OptionalReason = None,
) -> Article:
    article = articles_service.get_article(session, slug, viewer=moderator)
    return service.reopen_thread(
        session, article, actor=moderator, reason=_reason(data)
    )


def _set_locked(
    session: SessionDep,
    comment_id: int,
    locked: bool,
    moderator: ModeratorUser,
    data: ReasonIn | None,
) -> Comment:
    comment = comments_service.get_comment(session, comment_id)
    return service.set_locked(
        session, comment, locked, actor=moderator, reason=_reason(data)
    )


@router.post(
    "/comments/{comment_id}/lock",
    name="api.moderation.lock",
    response_model=CommentStateRead,
)
def comment_lock(
    comment_id: CommentId,
    session: SessionDep,
    moderator: ModeratorUser,
    data: OptionalReason = None,
) -> Comment:
    return _set_locked(session, comment_id, True, moderator, data)


@router.post(
    "/comments/{comment_id}/unlock",
    name="api.moderation.unlock",
    response_model=CommentStateRead,
)
def comment_unlock(
    comment_id: CommentId,
    session: SessionDep,
    moderator: ModeratorUser,
    data: OptionalReason = None,
) -> Comment:
    return _set_locked(session, comment_id, False, moderator, data)
