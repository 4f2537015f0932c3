"""HTML pages for moderators: the queue, decisions, closing and locking, the log.

Every action is a small POST form that redirects back (post-redirect-get) with a
flash message, so the queue works without JavaScript.
"""

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from app import paths
from app.accounts.deps import ModeratorUser, OptionalUser
from app.articles import service as articles_service
from app.comments import service as comments_service
from app.comments.api import CommentId
from app.comments.standing import QueueStatus
from app.db import SessionDep
from app.errors import Conflict
from app.moderation import canned, service
from app.moderation.api import QueueCursor
from app.moderation.decisions import Decision, view_decisions
from app.moderation.schemas import BulkIn, DecisionIn, ReasonIn
from app.pagination import PageNumber
from app.web import CsrfForm, FormFields, field_errors, flash, render, safe_next

router = APIRouter()
Model = TypeVar("Model", bound=BaseModel)

BULK_LABELS = {
    Decision.APPROVE: "Approve",
    Decision.REJECT: "Reject",
    Decision.SPAM: "Mark as spam",
}
DONE = {
    Decision.APPROVE: "approved",
    Decision.REJECT: "rejected",
    Decision.SPAM: "marked as spam",
    Decision.REMOVE: "removed",
}


def moderation_nav(request: Request, session: SessionDep, user: OptionalUser) -> None:
    """Queue counts for the moderators' navigation, on every page they view."""
    if request.method == "GET" and user is not None and user.is_moderator:
        request.state.moderation_counts = service.status_counts(session)


def _back(form: FormFields, default: str) -> RedirectResponse:
    return RedirectResponse(safe_next(form.get("next"), default), status_code=303)


def _parse(
    request: Request, model: type[Model], data: dict[str, object]
) -> Model | None:
    """The form's fields as ``model``, or None after flashing what is wrong."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        flash(request, next(iter(field_errors(exc).values())), "error")
        return None


def chosen_reason(form: FormFields) -> str | None:
    """The reason typed, or else the canned reason picked (a select named ``canned``)."""
    return (form.get("reason") or "").strip() or form.get("canned") or None


def _reason(request: Request, form: FormFields) -> ReasonIn | None:
    return _parse(request, ReasonIn, {"reason": form.get("reason")})


def _attempt(
    request: Request, back: Response, change: Callable[[], object], done: str
) -> Response:
    """Make one moderation change; flash what happened (or why not) and go back."""
    try:
        change()
    except Conflict as exc:
        flash(request, exc.message, "error")
    else:
        flash(request, done)
    return back


# The queue's views, in tab order, with their names: the queue and the log share them.
TABS = {
    "statuses": list(QueueStatus),
    "labels": {
        QueueStatus.PENDING: "Pending",
        QueueStatus.SPAM: "Spam",
        QueueStatus.REJECTED: "Rejected",
        QueueStatus.FLAGGED: "Flagged",
    },
}


@router.get("/moderation", name="moderation.queue")
def queue_page(
    request: Request,
    session: SessionDep,
    moderator: ModeratorUser,
    status: QueueStatus = QueueStatus.PENDING,
    after: QueueCursor = None,
    before: QueueCursor = None,
) -> Response:
    page = service.queue(
        session, status=status, after=after, before=before, actor=moderator
    )
    here = f"{request.url_for('moderation.queue').path}?status={status}"
    return render(
        request,
        "moderation/queue.html",
        {
            "status": status,
            **TABS,
            "queue": page,
            # Where the forms return to (this page) and the neighbouring pages.
            "here": here
            + (f"&after={after}" if after else "")
            + (f"&before={before}" if before else ""),
            "newer_url": f"{here}&after={page.newer_after}"
            if page.newer_after
            else None,
            "older_url": f"{here}&before={page.older_before}"
            if page.older_before
            else None,
            "bulk_decisions": [
                (decision, BULK_LABELS[decision]) for decision in view_decisions(status)
            ],
            "canned_reasons": canned.list_canned_reasons(session, actor=moderator),
        },
    )


@router.post(paths.MODERATION_DECIDE, name="moderation.decide")
def decide(
    request: Request,
    comment_id: CommentId,
    decision: Decision,
    form: CsrfForm,
    session: SessionDep,
    moderator: ModeratorUser,
) -> Response:
    back = _back(form, str(request.url_for("moderation.queue")))
    data = _parse(
        request,
        DecisionIn,
        {"reason": chosen_reason(form), "seen": form.get("seen") or None},
    )
    if data is None:
        return back
    comment = comments_service.get_comment(session, comment_id)
    return _attempt(
        request,
        back,
        lambda: service.decide(
            session,
            comment,
            decision,
            actor=moderator,
            reason=data.reason,
            seen=data.seen,
        ),
        f"Comment by {comment.author_name} {DONE[decision]}.",
    )


@router.post(paths.MODERATION_HANDLED, name="moderation.handled")
def mark_handled(
    request: Request,
    comment_id: CommentId,
    form: CsrfForm,
    session: SessionDep,
    moderator: ModeratorUser,
) -> Response:
    """An urgent comment's author has been looked after (it still awaits a decision)."""
    back = _back(form, str(request.url_for("moderation.queue")))
    comment = comments_service.get_comment(session, comment_id)
    return _attempt(
        request,
        back,
        lambda: service.mark_handled(session, comment, actor=moderator),
        f"Comment by {comment.author_name} marked as handled; it still awaits "
        "your decision.",
    )


@router.post(paths.MODERATION_DISMISS, name="moderation.dismiss_flags")
def dismiss_flags(
    request: Request,
    comment_id: CommentId,
    form: CsrfForm,
    session: SessionDep,
    moderator: ModeratorUser,
) -> Response:
    """Keep a reported comment: its reports are answered and it shows again."""
    back = _back(form, f"{request.url_for('moderation.queue')}?status=flagged")
    data = _reason(request, form)
    if data is None:
        return back
    comment = comments_service.get_comment(session, comment_id)
    return _attempt(
        request,
        back,
        lambda: service.dismiss_flags(
            session, comment, actor=moderator, reason=data.reason
        ),
        f"Comment by {comment.author_name} kept; its reports are dismissed.",
    )


async def get_selected_ids(request: Request, form: CsrfForm) -> list[str]:
    """Every ticked box of a bulk form (a form field that repeats), CSRF-checked."""
    del form  # resolved first: it checks the token and parses the body
    return [
        value
        for value in (await request.form()).getlist("ids")
        if isinstance(value, str)
    ]


SelectedIds = Annotated[list[str], Depends(get_selected_ids)]


@router.post("/moderation/bulk", name="moderation.bulk")
def bulk(
    request: Request,
    form: CsrfForm,
    ids: SelectedIds,
    session: SessionDep,
    moderator: ModeratorUser,
) -> Response:
    back = _back(form, str(request.url_for("moderation.queue")))
    fields = {name: form.get(name) or None for name in ("action", "seen")}
    fields["reason"] = chosen_reason(form)
    if not ids:
        flash(request, "Select at least one comment first.", "error")
        return back
    data = _parse(request, BulkIn, {"ids": ids, **fields})
    if data is None:
        return back
    result = service.decide_many(
        session,
        data.ids,
        data.action,
        actor=moderator,
        reason=data.reason,
        seen=data.seen,
    )
    if result.decided:
        count = len(result.decided)
        noun = "comment" if count == 1 else "comments"
        flash(request, f"{count} {noun} {DONE[data.action]}.")
    if result.skipped:
        count = len(result.skipped)
        flash(
            request,
            f"{count} skipped: {'; '.join(sorted(set(result.skipped.values())))}",
            "error",
        )
    return back


@router.get("/moderation/log", name="moderation.log")
def log_page(
    request: Request,
    session: SessionDep,
    moderator: ModeratorUser,
    page: PageNumber = 1,
) -> Response:
    entries = service.audit_log(
        session, page=page, per_page=service.LOG_PAGE_SIZE, actor=moderator
    )
    return render(request, "moderation/log.html", {"log": entries, **TABS})


def _discussion(
    request: Request,
    slug: str,
    form: FormFields,
    session: SessionDep,
    moderator: ModeratorUser,
    *,
    close: bool,
) -> Response:
    article = articles_service.get_article(session, slug, viewer=moderator)
    back = _back(
        form,
        f"{request.url_for('articles.detail', slug=article.slug)}#comments",
    )
    data = _reason(request, form)
    if data is None:
        return back
    change = service.close_thread if close else service.reopen_thread
    return _attempt(
        request,
        back,
        lambda: change(session, article, actor=moderator, reason=data.reason),
        "Discussion closed." if close else "Discussion reopened.",
    )


@router.post("/articles/{slug}/close", name="moderation.close")
def close(
    request: Request,
    slug: str,
    form: CsrfForm,
    session: SessionDep,
    moderator: ModeratorUser,
) -> Response:
    return _discussion(request, slug, form, session, moderator, close=True)


@router.post("/articles/{slug}/reopen", name="moderation.reopen")
def reopen(
    request: Request,
    slug: str,
    form: CsrfForm,
    session: SessionDep,
    moderator: ModeratorUser,
) -> Response:
    return _discussion(request, slug, form, session, moderator, close=False)


def _lock(
    request: Request,
    comment_id: int,
    form: FormFields,
    session: SessionDep,
    moderator: ModeratorUser,
    *,
    locked: bool,
) -> Response:
    comment = comments_service.get_comment(session, comment_id)
    back = _back(
        form,
        f"{request.url_for('articles.detail', slug=comment.article.slug)}"
        f"#comment-{comment.id}",
    )
    data = _reason(request, form)
    if data is None:
        return back
    return _attempt(
        request,
        back,
        lambda: service.set_locked(
            session, comment, locked, actor=moderator, reason=data.reason
        ),
        "Replies to this comment are now closed."
        if locked
        else "Replies to this comment are open again.",
    )


@router.post(paths.COMMENT_LOCK, name="moderation.lock")
def lock(
    request: Request,
    comment_id: CommentId,
    form: CsrfForm,
    session: SessionDep,
    moderator: ModeratorUser,
) -> Response:
    return _lock(request, comment_id, form, session, moderator, locked=True)


@router.post(paths.COMMENT_UNLOCK, name="moderation.unlock")
def unlock(
    request: Request,
    comment_id: CommentId,
    form: CsrfForm,
    session: SessionDep,
    moderator: ModeratorUser,
) -> Response:
    return _lock(request, comment_id, form, session, moderator, locked=False)
