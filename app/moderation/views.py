"""HTML pages for moderators: the queue, decisions, closing and locking, the log.

Every action is a small POST form that redirects back (post-redirect-get) with a
flash message, so the queue works without JavaScript.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from app import paths
from app.accounts.deps import CsrfForm, ModeratorUser, OptionalUser, repeated_field
from app.articles import service as articles_service
from app.comments import service as comments_service
from app.comments.deps import CommentId
from app.comments.models import Comment, QueueStatus
from app.db import SessionDep
from app.errors import Conflict, Invalid
from app.moderation import annotations, canned, highlights, service, visibility
from app.moderation.decisions import view_decisions
from app.moderation.deps import QueueCursor
from app.moderation.models import Decision
from app.moderation.policy import load_policy
from app.moderation.schemas import (
    BulkIn,
    ContentNoteIn,
    DecisionIn,
    EditorNoteIn,
    ReasonIn,
    VisibilityIn,
)
from app.pagination import PageNumber
from app.web import FormFields, field_errors, flash, render, safe_next

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
    if request.method == "GET" and user is not None and user.moderates:
        request.state.moderation_counts = service.status_counts(session)
        request.state.moderation_waiting = service.attention_count(session)


def _back(form: FormFields, default: str) -> RedirectResponse:
    return RedirectResponse(safe_next(form.get("next"), default), status_code=303)


def _parse(
    request: Request, model: type[Model], data: dict[str, object]
) -> Model | None:
    """The form's fields as ``model``, or None after flashing what is wrong."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        flash(request, " ".join(field_errors(exc).values()), "error")
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
    except (Conflict, Invalid) as exc:
        flash(request, exc.message, "error")
    else:
        flash(request, done)
    return back


def _on_comment(
    request: Request,
    session: SessionDep,
    back: Response,
    comment_id: int,
    change: Callable[[Comment], object],
    done: Callable[[Comment], str],
) -> Response:
    """Make one moderation change to a comment (404 if there is none), then
    flash what happened, or why not, and go back."""
    comment = comments_service.get_comment(session, comment_id)
    return _attempt(request, back, lambda: change(comment), done(comment))


# The queue's views, in tab order, with their names: the queue and the log share them.
TABS = {
    "statuses": list(QueueStatus),
    "labels": {
        QueueStatus.PENDING: "Pending",
        QueueStatus.SPAM: "Spam",
        QueueStatus.REJECTED: "Rejected",
        QueueStatus.FLAGGED: "Flagged",
        QueueStatus.MEDICAL: "Medical claims",
    },
}


@dataclass(frozen=True)
class ViewText:
    """What a view of the queue says above its items, and when it has none."""

    empty_title: str
    empty_text: str
    hint: str | None = None


VIEW_TEXTS = {
    QueueStatus.PENDING: ViewText(
        "All caught up",
        "No comment is waiting for a decision. New ones appear here, oldest first.",
    ),
    QueueStatus.SPAM: ViewText("Nothing here", "No comment is marked spam."),
    QueueStatus.REJECTED: ViewText("Nothing here", "No comment is marked rejected."),
    QueueStatus.FLAGGED: ViewText(
        "No reports",
        "No published comment is waiting for a moderator after a reader's report.",
        "Published comments that readers reported, the most-reported first. Keep "
        "one to dismiss its reports (and show it again if it was hidden), or "
        "remove it.",
    ),
    QueueStatus.MEDICAL: ViewText(
        "No medical claims reported",
        "No published comment is reported as a misleading medical claim.",
        "Comments readers reported as misleading medical claims, even a single "
        "report. Rather than removing one, you can add an editor's note under it, "
        "with a link to the evidence: readers see both.",
    ),
}


@router.get("/moderation", name="moderation.queue")
def queue_page(
    request: Request,
    session: SessionDep,
    moderator: ModeratorUser,
    status: QueueStatus = QueueStatus.PENDING,
    after: QueueCursor = None,
    before: QueueCursor = None,
    select: Literal["all"] | None = None,
) -> Response:
    """A view of the queue; ``select=all`` shows it with every item on the page
    ticked for a bulk action (which works without JavaScript)."""
    page = service.queue(
        session, status=status, after=after, before=before, actor=moderator
    )
    here = f"{request.app.url_path_for('moderation.queue')}?status={status}"
    this_page = (
        here
        + (f"&after={after}" if after else "")
        + (f"&before={before}" if before else "")
    )
    return render(
        request,
        "moderation/queue.html",
        {
            "status": status,
            **TABS,
            "queue": page,
            # Where the forms return to (this page) and the neighbouring pages.
            "here": this_page,
            "all_selected": select is not None,
            "select_all_url": f"{this_page}&select=all#bulk",
            "clear_selection_url": f"{this_page}#bulk",
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
            "view": VIEW_TEXTS[status],
            "content_notes": load_policy(session).content_notes,
        },
    )


# Before the decisions' route: its {decision} would match these paths too.
@router.post(paths.MODERATION_EDITOR_NOTE, name="moderation.editor_note")
def editor_note(
    request: Request,
    comment_id: CommentId,
    form: CsrfForm,
    session: SessionDep,
    moderator: ModeratorUser,
) -> Response:
    """Add or replace the editor's note under a comment (from the queue's
    medical view or the comment's moderator tools)."""
    back = _back(form, f"{request.app.url_path_for('moderation.queue')}?status=medical")
    data = _parse(
        request, EditorNoteIn, {"text": form.get("text"), "url": form.get("url")}
    )
    if data is None:
        return back
    return _on_comment(
        request,
        session,
        back,
        comment_id,
        lambda comment: annotations.set_editor_note(
            session, comment, data, actor=moderator
        ),
        lambda comment: (
            f"Editor's note added under the comment by {comment.author_name}."
        ),
    )


@router.post(paths.MODERATION_EDITOR_NOTE_DELETE, name="moderation.editor_note_delete")
def editor_note_delete(
    request: Request,
    comment_id: CommentId,
    form: CsrfForm,
    session: SessionDep,
    moderator: ModeratorUser,
) -> Response:
    back = _back(form, str(request.app.url_path_for("moderation.queue")))
    return _on_comment(
        request,
        session,
        back,
        comment_id,
        lambda comment: annotations.remove_editor_note(
            session, comment, actor=moderator
        ),
        lambda comment: (
            f"Editor's note removed from the comment by {comment.author_name}."
        ),
    )


@router.post(paths.MODERATION_CONTENT_NOTE, name="moderation.content_note")
def content_note(
    request: Request,
    comment_id: CommentId,
    form: CsrfForm,
    session: SessionDep,
    moderator: ModeratorUser,
) -> Response:
    """Put a content note on a comment, change it or take it off."""
    back = _back(form, str(request.app.url_path_for("moderation.queue")))
    data = _parse(
        request, ContentNoteIn, {"content_note": form.get("content_note") or None}
    )
    if data is None:
        return back
    return _on_comment(
        request,
        session,
        back,
        comment_id,
        lambda comment: annotations.set_content_note(
            session, comment, data.content_note, actor=moderator
        ),
        lambda comment: (
            f"Content note of the comment by {comment.author_name} updated."
        ),
    )


@router.post(paths.MODERATION_VISIBILITY, name="moderation.visibility")
def comment_visibility(
    request: Request,
    comment_id: CommentId,
    form: CsrfForm,
    session: SessionDep,
    moderator: ModeratorUser,
) -> Response:
    """Make a comment members only, or public again."""
    back = _back(form, str(request.app.url_path_for("moderation.queue")))
    data = _parse(request, VisibilityIn, {"visibility": form.get("visibility", "")})
    if data is None:
        return back
    return _on_comment(
        request,
        session,
        back,
        comment_id,
        lambda comment: visibility.set_visibility(
            session, comment, data.visibility, actor=moderator
        ),
        lambda comment: (
            f"The comment by {comment.author_name} is now "
            + ("members only." if data.visibility == "members" else "public.")
        ),
    )


def _highlight_route(change: highlights.Highlight) -> Callable[..., Response]:
    """The twin of the API's pin, unpin, feature or unfeature: back to the
    comment, wherever the change put it (its permalink finds its page)."""

    def route(
        request: Request,
        comment_id: CommentId,
        form: CsrfForm,
        session: SessionDep,
        moderator: ModeratorUser,
    ) -> Response:
        back = _back(form, paths.fill(paths.COMMENT, comment_id=comment_id))
        return _on_comment(
            request,
            session,
            back,
            comment_id,
            lambda comment: highlights.apply(session, comment, change, actor=moderator),
            lambda _comment: change.done,
        )

    return route


for _change, _path in (
    (highlights.Highlight.PIN, paths.MODERATION_PIN),
    (highlights.Highlight.UNPIN, paths.MODERATION_UNPIN),
    (highlights.Highlight.FEATURE, paths.MODERATION_FEATURE),
    (highlights.Highlight.UNFEATURE, paths.MODERATION_UNFEATURE),
):
    router.post(_path, name=f"moderation.{_change}")(_highlight_route(_change))


@router.post(paths.MODERATION_DECIDE, name="moderation.decide")
def decide(
    request: Request,
    comment_id: CommentId,
    decision: Decision,
    form: CsrfForm,
    session: SessionDep,
    moderator: ModeratorUser,
) -> Response:
    back = _back(form, str(request.app.url_path_for("moderation.queue")))
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
    back = _back(form, str(request.app.url_path_for("moderation.queue")))
    return _on_comment(
        request,
        session,
        back,
        comment_id,
        lambda comment: service.mark_handled(session, comment, actor=moderator),
        lambda comment: (
            f"Comment by {comment.author_name} marked as handled; it "
            "still awaits your decision."
        ),
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
    back = _back(form, f"{request.app.url_path_for('moderation.queue')}?status=flagged")
    data = _reason(request, form)
    if data is None:
        return back
    return _on_comment(
        request,
        session,
        back,
        comment_id,
        lambda comment: service.dismiss_flags(
            session, comment, actor=moderator, reason=data.reason
        ),
        lambda comment: (
            f"Comment by {comment.author_name} kept; its reports are dismissed."
        ),
    )


# Every ticked box of a bulk form, CSRF-checked.
SelectedIds = Annotated[list[str], Depends(repeated_field("ids"))]


@router.post("/moderation/bulk", name="moderation.bulk")
def bulk(
    request: Request,
    form: CsrfForm,
    ids: SelectedIds,
    session: SessionDep,
    moderator: ModeratorUser,
) -> Response:
    back = _back(form, str(request.app.url_path_for("moderation.queue")))
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
        f"{request.app.url_path_for('articles.detail', slug=article.slug)}#comments",
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
        f"{request.app.url_path_for('articles.detail', slug=comment.article.slug)}"
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
