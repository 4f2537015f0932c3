"""HTML pages for a member's comment drafts: the list, discarding one, and the
address haven.js saves a draft to while its member types.

The autosave is a form post like any other (session cookie and CSRF token);
the JSON API's twin (app.comments.draft_api) takes bearer tokens only.
"""

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from app import paths
from app.accounts.deps import CsrfForm, CurrentUser
from app.articles import service as articles_service
from app.comments import drafts
from app.comments.schemas import DraftWrite
from app.db import SessionDep
from app.errors import Invalid, describe_validation
from app.pagination import PageNumber
from app.web import flash, render

router = APIRouter()


@router.get(paths.DRAFTS, name="comments.drafts")
def draft_list(
    request: Request, session: SessionDep, user: CurrentUser, page: PageNumber = 1
) -> Response:
    """What you started writing and have not posted, most recent first."""
    listed = drafts.list_drafts(session, actor=user, page=page)
    return render(request, "comments/drafts.html", {"drafts": listed})


@router.post(paths.DRAFT, name="comments.draft_save", status_code=204)
def draft_save(
    slug: str, form: CsrfForm, session: SessionDep, user: CurrentUser
) -> Response:
    """The browser's autosave: 204 once kept (a blank body discards the draft)."""
    article = articles_service.get_article(session, slug, viewer=user, bare=True)
    try:
        data = DraftWrite.model_validate(
            {
                "body": form.get("body", ""),
                "parent_id": form.get("parent_id", "").strip() or None,
            }
        )
    except ValidationError as exc:
        raise Invalid(describe_validation(exc.errors())) from None
    drafts.save_draft(session, article, data, actor=user)
    return Response(status_code=204)


@router.post(paths.DRAFT_DISCARD, name="comments.draft_discard")
def draft_discard(
    request: Request, slug: str, form: CsrfForm, session: SessionDep, user: CurrentUser
) -> Response:
    del form  # only its CSRF token matters
    article = articles_service.get_article(session, slug, viewer=user, bare=True)
    drafts.delete_draft(session, article, actor=user)
    flash(request, f"Your draft under “{article.title}” is discarded.")
    return RedirectResponse(
        request.app.url_path_for("comments.drafts"), status_code=303
    )
