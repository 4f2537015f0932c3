"""Articles: lists, search, tags, single articles and writing them."""

from dataclasses import dataclass
from datetime import datetime

from slugify import slugify
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.accounts.models import User
from app.articles.models import Article, ArticleStatus, Tag, article_tag
from app.articles.schemas import ArticleCreate
from app.comments.models import Comment, CommentStatus
from app.db import utcnow
from app.errors import Conflict, NotFound, PermissionDenied
from app.markup import Profile, render_markdown
from app.pagination import Page, offset_for


@dataclass(frozen=True)
class ArticleListItem:
    article: Article
    comment_count: int


def _can_see_drafts(viewer: User | None) -> bool:
    return viewer is not None and viewer.is_admin


def _with_author_and_tags(statement: Select[Article]) -> Select[Article]:
    return statement.options(joinedload(Article.author), selectinload(Article.tags))


def _published_filter(statement: Select[Article]) -> Select[Article]:
    return statement.where(Article.status == ArticleStatus.PUBLISHED)


def approved_count_subquery() -> Select[int, int]:
    """Approved comments per article, for lists that show a count beside each."""
    return (
        select(Comment.article_id, func.count(Comment.id).label("n"))
        .where(Comment.status == CommentStatus.APPROVED, Comment.hidden_at.is_(None))
        .group_by(Comment.article_id)
    )


def list_published(
    session: Session,
    *,
    page: int,
    per_page: int,
    tag: Tag | None = None,
    query: str | None = None,
) -> Page[ArticleListItem]:
    """Published articles, newest first, each with its approved comment count."""
    conditions = [Article.status == ArticleStatus.PUBLISHED]
    if tag is not None:
        conditions.append(
            Article.id.in_(
                select(article_tag.c.article_id).where(article_tag.c.tag_id == tag.id)
            )
        )
    if query:
        pattern = f"%{_escape_like(query.strip())}%"
        conditions.append(
            or_(
                Article.title.ilike(pattern, escape="\\"),
                Article.summary.ilike(pattern, escape="\\"),
                Article.body.ilike(pattern, escape="\\"),
            )
        )
    total = session.scalar(select(func.count(Article.id)).where(*conditions)) or 0
    counts = approved_count_subquery().subquery()
    rows = session.execute(
        _with_author_and_tags(select(Article))
        .add_columns(func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.article_id == Article.id)
        .where(*conditions)
        .order_by(Article.published_at.desc(), Article.id.desc())
        .offset(offset_for(page, per_page))
        .limit(per_page)
    ).unique()
    items = [ArticleListItem(article, count) for article, count in rows]
    return Page(items=items, page=page, per_page=per_page, total=total)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def get_article(session: Session, slug: str, *, viewer: User | None) -> Article:
    """A published article by slug; drafts only for admins. Raises NotFound."""
    statement = _with_author_and_tags(select(Article).where(Article.slug == slug))
    if not _can_see_drafts(viewer):
        statement = _published_filter(statement)
    article = session.scalars(statement).unique().one_or_none()
    if article is None:
        raise NotFound("No article at this address.")
    return article


def approved_comment_count(session: Session, article: Article) -> int:
    """The number of approved, visible comments under an article."""
    return (
        session.scalar(
            select(func.count(Comment.id)).where(
                Comment.article_id == article.id,
                Comment.status == CommentStatus.APPROVED,
                Comment.hidden_at.is_(None),
            )
        )
        or 0
    )


def get_tag(session: Session, slug: str) -> Tag:
    """A tag by slug. Raises NotFound."""
    tag = session.scalars(select(Tag).where(Tag.slug == slug)).one_or_none()
    if tag is None:
        raise NotFound("No tag by that name.")
    return tag


def list_tags(session: Session) -> list[tuple[Tag, int]]:
    """Tags in use by published articles, with how many each, by name."""
    rows = session.execute(
        select(Tag, func.count(Article.id))
        .join(article_tag, article_tag.c.tag_id == Tag.id)
        .join(Article, Article.id == article_tag.c.article_id)
        .where(Article.status == ArticleStatus.PUBLISHED)
        .group_by(Tag.id)
        .order_by(Tag.name)
    )
    return [(tag, count) for tag, count in rows]


def _unique_slug(session: Session, wanted: str) -> str:
    if (
        session.scalars(select(Article.id).where(Article.slug == wanted)).first()
        is None
    ):
        return wanted
    raise Conflict(f"The address “{wanted}” is already used by another article.")


def _tags_by_name(session: Session, names: list[str]) -> list[Tag]:
    wanted = {slugify(name): name.strip() for name in names if slugify(name)}
    existing = {
        tag.slug: tag
        for tag in session.scalars(select(Tag).where(Tag.slug.in_(wanted)))
    }
    for slug, name in wanted.items():
        if slug not in existing:
            existing[slug] = Tag(slug=slug, name=name[:60])
            session.add(existing[slug])
    return [existing[slug] for slug in wanted]


def create_article(
    session: Session,
    data: ArticleCreate,
    *,
    actor: User,
    published_at: datetime | None = None,
) -> Article:
    """Write an article as ``actor`` (admins only); the slug comes from the title unless given."""
    if not actor.is_admin:
        raise PermissionDenied("Only administrators write articles.")
    slug = _unique_slug(
        session, slugify(data.slug or data.title, max_length=120) or "article"
    )
    published = data.status == ArticleStatus.PUBLISHED
    article = Article(
        slug=slug,
        title=data.title.strip(),
        summary=data.summary.strip(),
        body=data.body,
        body_html=render_markdown(data.body, Profile.ARTICLE),
        author=actor,
        status=data.status,
        published_at=(published_at or utcnow()) if published else None,
        tags=_tags_by_name(session, data.tags),
    )
    session.add(article)
    session.flush()
    return article
