"""JSON API for a member's comment drafts (/api/v1/me/drafts)."""

from fastapi import APIRouter
from fastapi.responses import Response

from app.accounts.deps import CurrentUser
from app.articles import service as articles_service
from app.comments import drafts
from app.comments.schemas import DraftPageRead, DraftRead, DraftWrite
from app.config import SettingsDep
from app.db import SessionDep
from app.errors import error_responses
from app.pagination import PageNumber

router = APIRouter(tags=["drafts"], responses=error_responses(404, 413))

DRAFT = "/me/drafts/{article_slug}"


@router.get("/me/drafts", name="api.comments.drafts")
def draft_list(
    session: SessionDep, user: CurrentUser, settings: SettingsDep, page: PageNumber = 1
) -> DraftPageRead:
    """The caller's drafts, most recently saved first."""
    return DraftPageRead.from_page(
        drafts.list_drafts(session, actor=user, page=page),
        settings.absolute_url,
    )


@router.get(DRAFT, name="api.comments.draft")
def draft_detail(
    article_slug: str, session: SessionDep, user: CurrentUser
) -> DraftRead:
    """The caller's draft under an article; 404 when there is none."""
    article = articles_service.get_article(
        session, article_slug, viewer=user, bare=True
    )
    return DraftRead.of(drafts.get_draft(session, article, actor=user))


@router.put(
    DRAFT,
    name="api.comments.draft_save",
    response_model=DraftRead,
    responses={204: {"description": "A blank body: the draft is discarded."}},
)
def draft_save(
    article_slug: str, data: DraftWrite, session: SessionDep, user: CurrentUser
) -> DraftRead | Response:
    """Keep the caller's draft under an article, replacing the one before.

    A ``parent_id`` that names no comment of the article is dropped (the draft
    is then a new comment); a blank body discards the draft (204).
    """
    article = articles_service.get_article(
        session, article_slug, viewer=user, bare=True
    )
    draft = drafts.save_draft(session, article, data, actor=user)
    return DraftRead.of(draft) if draft is not None else Response(status_code=204)


@router.delete(DRAFT, name="api.comments.draft_delete", status_code=204)
def draft_delete(article_slug: str, session: SessionDep, user: CurrentUser) -> Response:
    """Discard the caller's draft under an article (204 whether there was one or not)."""
    article = articles_service.get_article(
        session, article_slug, viewer=user, bare=True
    )
    drafts.delete_draft(session, article, actor=user)
    return Response(status_code=204)
