"""HTML pages for reading articles."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.accounts.deps import OptionalUser
from app.articles import service
from app.comments import service as comments_service
from app.db import SessionDep
from app.pagination import PageNumber
from app.web import render

router = APIRouter()


@router.get("/", name="articles.index")
def article_index(
    request: Request,
    session: SessionDep,
    page: PageNumber = 1,
    q: str | None = None,
) -> Response:
    settings = request.app.state.settings
    query = (q or "").strip()[:200] or None
    articles = service.list_published(
        session, page=page, per_page=settings.articles_per_page, query=query
    )
    return render(
        request,
        "articles/index.html",
        {"articles": articles, "query": query, "tags": service.list_tags(session)},
    )


@router.get("/tags/{slug}", name="articles.tag")
def article_tag(
    request: Request, slug: str, session: SessionDep, page: PageNumber = 1
) -> Response:
    tag = service.get_tag(session, slug)
    articles = service.list_published(
        session,
        page=page,
        per_page=request.app.state.settings.articles_per_page,
        tag=tag,
    )
    return render(request, "articles/tag.html", {"tag": tag, "articles": articles})


@router.get("/articles/{slug}", name="articles.detail")
def article_detail(
    request: Request,
    slug: str,
    session: SessionDep,
    user: OptionalUser,
    page: PageNumber = 1,
) -> Response:
    article = service.get_article(session, slug, viewer=user)
    thread = comments_service.get_thread(
        session,
        article,
        page=page,
        per_page=request.app.state.settings.comments_per_page,
        viewer=user,
    )
    return render(
        request,
        "articles/detail.html",
        {
            "article": article,
            "thread": thread,
            "max_indent": comments_service.MAX_INDENT_DEPTH,
        },
    )
