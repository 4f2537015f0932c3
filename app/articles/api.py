"""JSON API for articles (/api/v1/articles)."""

from fastapi import APIRouter, Request

from app.accounts.deps import OptionalUser
from app.articles import service
from app.articles.schemas import ArticlePageRead, ArticleRead, ArticleSummaryRead
from app.comments import service as comments_service
from app.db import SessionDep
from app.pagination import PageNumber

router = APIRouter(prefix="/articles", tags=["articles"])


@router.get("", name="api.articles.list")
def article_list(
    request: Request,
    session: SessionDep,
    page: PageNumber = 1,
    tag: str | None = None,
    q: str | None = None,
) -> ArticlePageRead:
    found_tag = service.get_tag(session, tag) if tag else None
    result = service.list_published(
        session,
        page=page,
        per_page=request.app.state.settings.articles_per_page,
        tag=found_tag,
        query=(q or "").strip()[:200] or None,
    )
    items = [
        ArticleSummaryRead.model_validate(item.article).model_copy(
            update={"comment_count": item.comment_count}
        )
        for item in result.items
    ]
    return ArticlePageRead(
        items=items, page=result.page, pages=result.pages, total=result.total
    )


@router.get("/{slug}", name="api.articles.detail")
def article_detail(slug: str, session: SessionDep, user: OptionalUser) -> ArticleRead:
    article = service.get_article(session, slug, viewer=user)
    summary = ArticleSummaryRead.model_validate(article)
    return ArticleRead(
        **summary.model_dump(exclude={"comment_count"}),
        comment_count=service.approved_comment_count(session, article),
        body_html=article.body_html,
        comments_open=comments_service.comments_open(article),
    )
