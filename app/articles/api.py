"""JSON API for articles (/api/v1/articles)."""

from fastapi import APIRouter
from sqlalchemy.orm import Session

from app.accounts.deps import AdminUser
from app.articles import service
from app.articles.deps import VisibleArticle
from app.articles.models import Article
from app.articles.schemas import (
    ArticleCreate,
    ArticlePageRead,
    ArticleRead,
    ArticleSummaryRead,
    ArticleUpdate,
)
from app.comments import service as comments_service
from app.config import SettingsDep
from app.db import SessionDep
from app.errors import error_responses
from app.moderation.policy import load_policy
from app.pagination import PageNumber

router = APIRouter(
    prefix="/articles",
    tags=["articles"],
    responses=error_responses(403, 404, 409, 413),
)


@router.get("", name="api.articles.list")
def article_list(
    session: SessionDep,
    settings: SettingsDep,
    page: PageNumber = 1,
    tag: str | None = None,
    q: str | None = None,
) -> ArticlePageRead:
    found_tag = service.get_tag(session, tag) if tag else None
    result = service.list_published(
        session,
        page=page,
        per_page=settings.articles_per_page,
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


def _read(session: Session, article: Article) -> ArticleRead:
    summary = ArticleSummaryRead.model_validate(article)
    return ArticleRead(
        **summary.model_dump(exclude={"comment_count"}),
        comment_count=article.approved_count,
        body_html=article.body_html,
        comments_open=comments_service.comments_open(article, load_policy(session)),
        comments_visibility=article.comments_visibility,
    )


@router.post("", name="api.articles.create", status_code=201)
def article_create(
    data: ArticleCreate, session: SessionDep, user: AdminUser
) -> ArticleRead:
    article = service.create_article(session, data, actor=user)
    return _read(session, article)


@router.get("/{slug}", name="api.articles.detail")  # noqa: FAST003 (read by its dependency)
def article_detail(article: VisibleArticle, session: SessionDep) -> ArticleRead:
    return _read(session, article)


@router.patch("/{slug}", name="api.articles.update")
def article_update(
    slug: str, data: ArticleUpdate, session: SessionDep, user: AdminUser
) -> ArticleRead:
    article = service.get_article_for_edit(session, slug, actor=user)
    return _read(session, service.update_article(session, article, data, actor=user))
