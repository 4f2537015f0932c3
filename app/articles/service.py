"""Articles: lists, search, tags, single articles and writing them."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from slugify import slugify
from sqlalchemy import ColumnElement, Select, false, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from app import counters, paths
from app.accounts.models import User
from app.articles.models import Article, ArticleStatus, Tag, Visibility, article_tag
from app.articles.schemas import ArticleCreate, ArticleUpdate
from app.comments import standing
from app.db import utcnow
from app.errors import Conflict, NotFound, PermissionDenied
from app.markup import Profile, render_markdown
from app.moderation import service as moderation_service
from app.moderation.models import ActionKind
from app.moderation.policy import load_policy
from app.pagination import Page, offset_for
from app.search import index as search_index
from app.search import service as search_service


@dataclass(frozen=True)
class ArticleListItem:
    article: Article
    comment_count: int

    @property
    def url(self) -> str:
        return paths.fill(paths.ARTICLE, slug=self.article.slug)


def _can_see_drafts(viewer: User | None) -> bool:
    return viewer is not None and viewer.is_admin


def readable_by(viewer: User | None) -> list[ColumnElement[bool]]:
    """The conditions on Article that keep to what ``viewer`` may read (as
    get_article does): published articles, and every article for admins."""
    return (
        [] if _can_see_drafts(viewer) else [Article.status == ArticleStatus.PUBLISHED]
    )


def _with_author_and_tags(statement: Select[Article]) -> Select[Article]:
    return statement.options(joinedload(Article.author), selectinload(Article.tags))


def _published_filter(statement: Select[Article]) -> Select[Article]:
    return statement.where(Article.status == ArticleStatus.PUBLISHED)


def listing_version(session: Session) -> int:
    """The version of what article lists show (bumped by every change to it)."""
    return counters.read(session, [counters.LISTING_VERSION])[counters.LISTING_VERSION]


def listing_key(version: int, kind: str, *parts: str | int) -> str:
    """The cache key of a public article list: what it shows can't change under it."""
    return ":".join((kind, str(version), *map(str, parts)))


def list_published(
    session: Session,
    *,
    page: int,
    per_page: int,
    tag: Tag | None = None,
    query: str | None = None,
) -> Page[ArticleListItem]:
    """Published articles, newest first, each with its published comment count
    (stored with the article, so a page costs the same however many comments).

    ``query`` keeps those whose own text holds all its words, by the search's
    rule (app.search): whole words and their forms, not any part of a word.
    """
    conditions = [Article.status == ArticleStatus.PUBLISHED]
    if tag is not None:
        conditions.append(
            Article.id.in_(
                select(article_tag.c.article_id).where(article_tag.c.tag_id == tag.id)
            )
        )
    if query:
        words = search_service.SearchQuery.parse(query)
        conditions.append(
            Article.id.in_(search_service.matching_articles(session, words))
            if not words.is_empty
            else false()
        )
    total = session.scalar(select(func.count(Article.id)).where(*conditions)) or 0
    articles = session.scalars(
        _with_author_and_tags(select(Article))
        .where(*conditions)
        .order_by(Article.published_at.desc(), Article.id.desc())
        .offset(offset_for(page, per_page))
        .limit(per_page)
    ).unique()
    items = [ArticleListItem(article, article.approved_count) for article in articles]
    return Page(items=items, page=page, per_page=per_page, total=total)


def get_article(
    session: Session, slug: str, *, viewer: User | None, bare: bool = False
) -> Article:
    """A published article by slug; drafts only for admins. Raises NotFound.

    ``bare``: without its author and tags (for posting to its discussion).
    """
    statement = select(Article).where(Article.slug == slug)
    if not bare:
        statement = _with_author_and_tags(statement)
    if not _can_see_drafts(viewer):
        statement = _published_filter(statement)
    article = session.scalars(statement).unique().one_or_none()
    if article is None:
        raise NotFound("No article at this address.")
    return article


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


def _slug_for(wanted: str | None, title: str) -> str:
    return slugify(wanted or title, max_length=120) or "article"


def _slug_taken(slug: str) -> Conflict:
    return Conflict(
        f"The address “{slug}” is already used by another article.", field="slug"
    )


def _ensure_slug_free(
    session: Session, slug: str, *, exclude: Article | None = None
) -> None:
    statement = select(Article.id).where(Article.slug == slug)
    if exclude is not None:
        statement = statement.where(Article.id != exclude.id)
    if session.scalars(statement).first() is not None:
        raise _slug_taken(slug)


@contextmanager
def _slug_guard(session: Session, slug: str) -> Iterator[None]:
    # Two writers can both pass the check; the unique index decides, as a 409.
    try:
        with session.begin_nested():
            yield
    except IntegrityError as exc:
        raise _slug_taken(slug) from exc


def tags_by_name(session: Session, names: list[str]) -> list[Tag]:
    """The tags with these names, made where missing (matched by slug)."""
    wanted = {
        slugify(name, max_length=60): name.strip()
        for name in names
        if slugify(name, max_length=60)
    }
    existing = {
        tag.slug: tag
        for tag in session.scalars(select(Tag).where(Tag.slug.in_(wanted)))
    }
    for slug, name in wanted.items():
        if slug not in existing:
            existing[slug] = Tag(slug=slug, name=name[:60])
            session.add(existing[slug])
    return [existing[slug] for slug in wanted]


def _ensure_admin(actor: User | None) -> User:
    if actor is None or not actor.administers:
        raise PermissionDenied("Only administrators write articles.")
    return actor


def preview(body: str) -> str:
    """The sanitized HTML an article body would show, without saving anything."""
    return render_markdown(body, Profile.ARTICLE)


def default_comments_visibility(session: Session) -> Visibility:
    """Who reads a new article's discussion: members only where an admin made
    that the site's default (policy.members_only_by_default)."""
    if load_policy(session).members_only_by_default:
        return Visibility.MEMBERS
    return Visibility.PUBLIC


def create_article(
    session: Session,
    data: ArticleCreate,
    *,
    actor: User,
    published_at: datetime | None = None,
) -> Article:
    """Write an article as ``actor`` (admins only); the slug comes from the title unless given.

    A slug already in use is a Conflict on the ``slug`` field.
    """
    _ensure_admin(actor)
    slug = _slug_for(data.slug, data.title)
    _ensure_slug_free(session, slug)
    tags = tags_by_name(session, data.tags)
    published = data.status == ArticleStatus.PUBLISHED
    with _slug_guard(session, slug):
        article = Article(
            slug=slug,
            title=data.title.strip(),
            summary=data.summary.strip(),
            body=data.body,
            body_html=preview(data.body),
            author=actor,
            status=data.status,
            published_at=(published_at or utcnow()) if published else None,
            tags=tags,
            comments_visibility=data.comments_visibility
            or default_comments_visibility(session),
        )
        session.add(article)
    standing.bump_discussions(session, [article.id])
    search_index.article_changed(session, article)
    return article


def update_article(
    session: Session, article: Article, data: ArticleUpdate, *, actor: User | None
) -> Article:
    """Change an article (admins only); fields left as None stay as they are.

    First publication stamps ``published_at``; unpublishing makes it a draft again
    but keeps the date. A slug already in use is a Conflict on the ``slug`` field.
    """
    _ensure_admin(actor)
    title = data.title.strip() if data.title is not None else article.title
    slug = article.slug if data.slug is None else _slug_for(data.slug, title)
    if slug != article.slug:
        _ensure_slug_free(session, slug, exclude=article)
    tags = tags_by_name(session, data.tags) if data.tags is not None else None
    with _slug_guard(session, slug):
        article.title = title
        article.slug = slug
        if data.summary is not None:
            article.summary = data.summary.strip()
        if data.body is not None and data.body != article.body:
            article.body = data.body
            article.body_html = preview(data.body)
        if tags is not None:
            article.tags = tags
        if (
            data.comments_visibility is not None
            and data.comments_visibility != article.comments_visibility
        ):
            article.comments_visibility = data.comments_visibility
            moderation_service.record(
                session,
                ActionKind.DISCUSSION_VISIBILITY,
                actor=actor,
                article=article,
                reason="Members only"
                if data.comments_visibility == Visibility.MEMBERS
                else "Public",
            )
        if data.status is not None:
            article.status = data.status
            if data.status == ArticleStatus.PUBLISHED and article.published_at is None:
                article.published_at = utcnow()
    standing.bump_discussions(session, [article.id])
    search_index.article_changed(session, article)
    return article


def publish(session: Session, article: Article, *, actor: User | None) -> Article:
    """Make an article public (admins only); its first publication sets the date."""
    return update_article(
        session, article, ArticleUpdate(status=ArticleStatus.PUBLISHED), actor=actor
    )


def unpublish(session: Session, article: Article, *, actor: User | None) -> Article:
    """Take an article back to draft (admins only): readers get a 404 again."""
    return update_article(
        session, article, ArticleUpdate(status=ArticleStatus.DRAFT), actor=actor
    )


def get_article_for_edit(session: Session, slug: str, *, actor: User | None) -> Article:
    """An article by slug, drafts included, for an admin to change. Raises NotFound."""
    _ensure_admin(actor)
    return get_article(session, slug, viewer=actor)


def list_all_for_admin(session: Session, *, actor: User | None) -> list[Article]:
    """Every article, drafts and published, most recently changed first (admins only)."""
    _ensure_admin(actor)
    return list(
        session.scalars(
            _with_author_and_tags(select(Article)).order_by(
                Article.updated_at.desc(), Article.id.desc()
            )
        ).unique()
    )
