"""Atom feeds: the newest articles (of the site or of a tag), and the newest
published comments of an article, written by feedgen.

A feed shows what every anonymous reader sees and nothing else: published
articles, and comments approved and not hidden by reports, with their published
text (an edit waiting for a moderator stays out) and their authors' shown names,
never an address. Every link in it is absolute under HAVEN_BASE_URL, never the
Host header. The faces cache a feed like a public page (app.renderings), under
a key naming the version of what it shows: the article list's version for the
article feeds, the discussion's version for a comments feed. A feed reader's
poll then costs one indexed lookup and, with the ETag of the bytes, a 304.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import paths
from app.accounts.models import User
from app.articles import service
from app.articles.models import Article, Tag
from app.comments.models import Comment, readable_by_anyone, shown_name
from app.comments.thread import Discussion
from app.config import Settings

ARTICLES_IN_FEED = 20
COMMENTS_IN_FEED = 50
MEDIA_TYPE = "application/atom+xml; charset=utf-8"
_ATOM = "application/atom+xml"
# The ``updated`` of a feed with no entries yet: fixed, so its bytes (and ETag) are.
_NOTHING_YET = datetime(2000, 1, 1, tzinfo=UTC)
# What XML 1.0 can't hold (lxml refuses it): rows written before the text rules
# (app.text) or by an import may still have it.
_NOT_XML = re.compile(
    "[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


def _xml(text: str) -> str:
    return _NOT_XML.sub("", text)


@dataclass(frozen=True)
class FeedLink:
    """A feed as pages name it: in ``<link rel="alternate">`` and in a visible link."""

    title: str
    url: str
    media_type: str = _ATOM


def articles_link(settings: Settings) -> FeedLink:
    return FeedLink(f"{settings.site_name}: new articles", paths.FEED_ARTICLES)


def tag_link(settings: Settings, tag: Tag) -> FeedLink:
    return FeedLink(
        f"{settings.site_name}: articles about {tag.name}",
        paths.fill(paths.FEED_TAG, slug=tag.slug),
    )


def discussion_link(article: Article) -> FeedLink | None:
    """The feed of an article's discussion; a draft has none."""
    if not article.is_published:
        return None
    return FeedLink(
        f"Comments on “{article.title}”",
        paths.fill(paths.FEED_COMMENTS, slug=article.slug),
    )


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    url: str
    author: str | None
    published: datetime
    updated: datetime
    content_html: str
    summary: str = ""
    # (term, label) of each tag.
    categories: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    subtitle: str
    self_url: str
    page_url: str
    site_name: str
    entries: Sequence[Entry]

    @property
    def updated(self) -> datetime:
        return max((entry.updated for entry in self.entries), default=_NOTHING_YET)

    def atom(self) -> bytes:
        """The feed as an Atom document (UTF-8), the same bytes for the same feed."""
        feed = FeedGenerator()
        feed.id(self.id)
        feed.title(_xml(self.title))
        feed.subtitle(_xml(self.subtitle))
        feed.link(href=self.self_url, rel="self", type=_ATOM)
        feed.link(href=self.page_url, rel="alternate", type="text/html")
        # Atom asks for an author of every entry: the site stands in for a
        # deleted account's.
        feed.author(name=_xml(self.site_name))
        feed.generator(_xml(self.site_name))
        feed.language("en")
        feed.updated(self.updated)
        for item in self.entries:
            entry = feed.add_entry(order="append")
            entry.id(item.id)
            entry.title(_xml(item.title))
            entry.link(href=item.url, rel="alternate", type="text/html")
            if item.author is not None:
                entry.author(name=_xml(item.author))
            entry.published(item.published)
            entry.updated(item.updated)
            if item.summary:
                entry.summary(_xml(item.summary))
            entry.content(_xml(item.content_html), type="html")
            for term, label in item.categories:
                entry.category(term=_xml(term), label=_xml(label))
        body: bytes = feed.atom_str(pretty=False)
        return body


def _tag_uri(settings: Settings, when: datetime, specific: str) -> str:
    """A lasting id (RFC 4151): slugs and titles may change, ids may not."""
    host = urlsplit(settings.base_url).hostname or "localhost"
    return f"tag:{host},{when:%Y-%m-%d}:{specific}"


def articles_feed_key(session: Session, tag_slug: str | None = None) -> str:
    """The cache key of an article feed: the article list's version names it."""
    version = service.listing_version(session)
    if tag_slug is None:
        return service.listing_key(version, "feed")
    return service.listing_key(version, "feed-tag", tag_slug)


def articles_feed(
    session: Session, settings: Settings, *, tag_slug: str | None = None
) -> Feed:
    """The newest published articles (of the tag, if given), newest first.

    An unknown tag raises NotFound; drafts never appear.
    """
    tag = service.get_tag(session, tag_slug) if tag_slug is not None else None
    listed = service.list_published(session, page=1, per_page=ARTICLES_IN_FEED, tag=tag)
    entries = [_article_entry(settings, item.article) for item in listed.items]
    if tag is None:
        link = articles_link(settings)
        page = settings.absolute_url("/")
        subtitle = settings.site_tagline
    else:
        link = tag_link(settings, tag)
        page = settings.absolute_url(tag.url)
        subtitle = f"New articles about {tag.name}"
    self_url = settings.absolute_url(link.url)
    return Feed(
        id=self_url,
        title=link.title,
        subtitle=subtitle,
        self_url=self_url,
        page_url=page,
        site_name=settings.site_name,
        entries=entries,
    )


def _article_entry(settings: Settings, article: Article) -> Entry:
    published = article.published_at or article.created_at
    return Entry(
        id=_tag_uri(settings, published, f"article/{article.id}"),
        title=article.title,
        url=settings.absolute_url(paths.fill(paths.ARTICLE, slug=article.slug)),
        author=article.author.display_name if article.author is not None else None,
        published=published,
        updated=max(published, article.updated_at),
        content_html=article.body_html,
        summary=article.summary,
        categories=tuple((tag.slug, tag.name) for tag in article.tags),
    )


_COMMENT_COLUMNS = (
    Comment.id,
    Comment.parent_id,
    Comment.guest_name,
    Comment.body_html,
    Comment.content_note,
    Comment.editor_note,
    Comment.editor_note_url,
    Comment.created_at,
    Comment.edited_at,
    User.display_name,
)


def comments_feed(session: Session, settings: Settings, discussion: Discussion) -> Feed:
    """A published article's newest published comments, newest first, each
    linking to its lasting address (which finds its page and anchor).

    Pending, refused, removed, deleted, report-hidden and members-only
    comments never appear.
    """
    title, published = session.execute(
        select(Article.title, Article.published_at).where(
            Article.id == discussion.article_id
        )
    ).one()
    rows = session.execute(
        select(*_COMMENT_COLUMNS)
        .outerjoin(User, User.id == Comment.author_id)
        .join(Article, Article.id == Comment.article_id)
        .where(
            Comment.article_id == discussion.article_id,
            Comment.published(),
            readable_by_anyone(),
        )
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(COMMENTS_IN_FEED)
    )
    entries = []
    for row in rows:
        name = shown_name(row.display_name, row.guest_name)
        entries.append(
            Entry(
                id=_tag_uri(settings, row.created_at, f"comment/{row.id}"),
                title=f"{'Reply' if row.parent_id else 'Comment'} by {name}",
                url=settings.absolute_url(paths.fill(paths.COMMENT, comment_id=row.id)),
                author=name,
                published=row.created_at,
                updated=row.edited_at or row.created_at,
                content_html=_comment_html(
                    row.body_html,
                    content_note=row.content_note,
                    editor_note=row.editor_note,
                    editor_note_url=row.editor_note_url,
                ),
            )
        )
    self_path = paths.fill(paths.FEED_COMMENTS, slug=discussion.slug)
    return Feed(
        id=_tag_uri(
            settings, published or _NOTHING_YET, f"article/{discussion.article_id}"
        )
        + "/comments",
        title=f"Comments on “{title}”",
        subtitle=f"The newest published comments on “{title}”",
        self_url=settings.absolute_url(self_path),
        page_url=settings.absolute_url(discussion.url + "#comments"),
        site_name=settings.site_name,
        entries=entries,
    )


def _comment_html(
    body_html: str,
    *,
    content_note: str | None,
    editor_note: str | None,
    editor_note_url: str | None,
) -> str:
    """The published text as readers see it: behind its content note (named
    first, as the page does), with a moderator's note after it."""
    parts = []
    if content_note:
        parts.append(f"<p><strong>Content note: {escape(content_note)}</strong></p>")
    parts.append(body_html)
    if editor_note:
        note = escape(editor_note)
        if editor_note_url:
            note += f' (<a href="{escape(editor_note_url)}">source</a>)'
        parts.append(f"<p><em>Editor&rsquo;s note:</em> {note}</p>")
    return "".join(parts)
