"""JSON API for the discussion (/api/v1/articles/{slug}/comments, /api/v1/comments)."""

from fastapi import APIRouter, Request

from app.accounts.deps import OptionalUser
from app.articles import service as articles_service
from app.comments import service
from app.comments.schemas import ThreadRead
from app.db import SessionDep
from app.pagination import PageNumber

router = APIRouter(tags=["comments"])


@router.get("/articles/{slug}/comments", name="api.comments.thread")
def comment_thread(
    request: Request,
    slug: str,
    session: SessionDep,
    user: OptionalUser,
    page: PageNumber = 1,
) -> ThreadRead:
    article = articles_service.get_article(session, slug, viewer=user)
    thread = service.get_thread(
        session,
        article,
        page=page,
        per_page=request.app.state.settings.comments_per_page,
        viewer=user,
    )
    return ThreadRead.from_thread(thread)
