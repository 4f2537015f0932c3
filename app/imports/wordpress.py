"""`haven import wordpress`: a WordPress export (WXR) becomes articles,
authors, tags and threaded comments.

Posts become articles (published stay published, the rest are drafts), their
categories and tags become tags, and their comments keep their threading,
names, dates and statuses. The post's HTML and each comment's go through
Haven's sanitizer and are kept as Markdown (``body``, what an edit opens), shown
as Haven renders that Markdown (``body_html``).
"""

from pathlib import Path
from xml.etree.ElementTree import Element

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.articles import service as articles_service
from app.articles.models import Article, ArticleStatus
from app.comments.models import CommentStatus
from app.db import utcnow
from app.imports.source import (
    ImportedComment,
    ImportReport,
    ImportRun,
    Progress,
    SourceIds,
    as_markdown,
    children,
    parse_date,
    records,
    safe_html,
    set_closed,
    text,
    unique_slug,
)
from app.markup import Profile, render_markdown, shorten
from app.search import index as search_index

# wp:comment_approved -> Haven's status; other values are skipped.
STATUSES = {
    "1": CommentStatus.APPROVED,
    "approve": CommentStatus.APPROVED,
    "approved": CommentStatus.APPROVED,
    "0": CommentStatus.PENDING,
    "hold": CommentStatus.PENDING,
    "spam": CommentStatus.SPAM,
    "trash": CommentStatus.REMOVED,
}
_UNKNOWN_STATUS = {
    "post-trashed": "its post is in WordPress's trash",
    "": "no wp:comment_approved",
}
# Post statuses readers see; every other one (draft, pending, future,
# private) stays a draft. Trashed posts are skipped.
PUBLISHED = "publish"
# Categories every WordPress post has unless given another: not a real tag.
_DEFAULT_CATEGORY = "uncategorized"
_RECORDS = ("wp:base_site_url", "wp:base_blog_url", "wp:author", "item")


def import_wordpress(
    session: Session, path: Path, *, progress: Progress | None = None
) -> ImportReport:
    """Import a WXR file in one savepoint: everything or, when the file is
    malformed (ImportFailed names the line), nothing. Importing it again
    updates what changed and never duplicates (source ids are kept)."""
    with session.begin_nested():
        return _Import(session, path, progress).run()


class _Import(ImportRun):
    kind = "wordpress"
    label = "WordPress"
    named_by = "site address"

    def __init__(self, session: Session, path: Path, progress: Progress | None):
        super().__init__(session, path, progress)
        self.authors: dict[str, int] = {}  # login and WordPress user id -> user id

    def run(self) -> ImportReport:
        for record in records(self.path, _RECORDS, self.progress):
            if record.tag in ("wp:base_site_url", "wp:base_blog_url"):
                self.name = self.name or (record.text or "").strip().rstrip("/")
            elif record.tag == "wp:author":
                self._author(record)
            else:
                self._item(record)
        return self.finish()

    def _author(self, record: Element) -> None:
        _, people, _ = self.started()
        login = text(record, "wp:author_login")
        wp_id = text(record, "wp:author_id")
        if not login:
            self.report.skip("author", "no login")
            return
        user_id = people.author(
            login,
            login=login,
            email=text(record, "wp:author_email"),
            display_name=text(record, "wp:author_display_name") or login,
        )
        self.authors[login] = user_id
        if wp_id:
            self.authors[f"#{wp_id}"] = user_id

    def _author_of(self, login: str) -> int | None:
        if not login:
            return None
        if login not in self.authors:
            _, people, _ = self.started()
            self.authors[login] = people.author(
                login, login=login, email="", display_name=login
            )
        return self.authors[login]

    def _item(self, item: Element) -> None:
        ids, _, comments = self.started()
        post_type = text(item, "wp:post_type", "post")
        post_id = text(item, "wp:post_id")
        if post_type != "post":
            an = "an" if post_type[:1] in ("a", "e", "i", "o", "u") else "a"
            self.report.skip("post", f"{an} {post_type}, not a post")
            return
        status = text(item, "wp:status")
        if not post_id:
            self.report.skip("post", "no wp:post_id")
            return
        if status == "trash":
            self.report.skip("post", "in WordPress's trash")
            return
        article = self._article(item, ids, post_id, published=status == PUBLISHED)
        for element in children(item, "wp:comment"):
            comment = self._comment(element, article)
            if comment is not None:
                comments.add(comment)
        # Replies stay inside their post: place them now, keeping memory flat.
        comments.place()

    def _article(
        self, item: Element, ids: SourceIds, post_id: str, *, published: bool
    ) -> int:
        known = ids.get("article", post_id)
        # An article the caller holds stays in the session; the rest leave it.
        held = (
            known is not None
            and self.session.identity_key(Article, known) in self.session.identity_map
        )
        article = (
            self.session.scalars(
                select(Article)
                .where(Article.id == known)
                .options(selectinload(Article.tags))
            ).one_or_none()
            if known is not None
            else None
        )
        title = (text(item, "title") or "Untitled")[:200]
        body = as_markdown(text(item, "content:encoded"), Profile.ARTICLE)
        summary = shorten(
            search_index.plain_text(
                safe_html(text(item, "excerpt:encoded"), Profile.COMMENT)
            ),
            300,
        )
        when = parse_date(text(item, "wp:post_date_gmt")) or parse_date(
            text(item, "wp:post_date")
        )
        tag_names = [
            (c.text or "").strip()
            for c in children(item, "category")
            if c.get("domain") in ("category", "post_tag")
            and c.get("nicename") != _DEFAULT_CATEGORY
            and (c.text or "").strip()
        ]
        values: dict[str, object] = {
            "title": title,
            "summary": summary,
            "body": body,
            "status": ArticleStatus.PUBLISHED if published else ArticleStatus.DRAFT,
            "author_id": self._author_of(text(item, "dc:creator")),
        }
        tags = articles_service.tags_by_name(self.session, tag_names)
        self.report.count("tag", "imported", sum(tag.id is None for tag in tags))
        if article is None:
            article = Article(
                slug=unique_slug(self.session, text(item, "wp:post_name"), title),
                body_html=render_markdown(body, Profile.ARTICLE),
                created_at=when or utcnow(),
                published_at=(when or utcnow()) if published else None,
                tags=tags,
                **values,
            )
            self.session.add(article)
            outcome = "imported"
        else:
            changed = {k: v for k, v in values.items() if getattr(article, k) != v}
            if "body" in changed:
                article.body_html = render_markdown(body, Profile.ARTICLE)
            for key, value in changed.items():
                setattr(article, key, value)
            if published and article.published_at is None:
                article.published_at = when or utcnow()
                changed["published_at"] = when
            if {t.slug for t in article.tags} != {t.slug for t in tags}:
                article.tags = tags
                changed["tags"] = tags
            outcome = "updated" if changed else "unchanged"
        self.session.flush()
        article_id = article.id
        if not held:
            self.session.expunge(article)
        closed = text(item, "wp:comment_status") == "closed"
        if set_closed(self.session, article_id, closed=closed):
            outcome = "updated" if outcome == "unchanged" else outcome
        self.report.count("post", outcome)
        if outcome == "imported":
            ids.remember("article", {post_id: article_id})
        return article_id

    def _comment(self, element: Element, article_id: int) -> ImportedComment | None:
        comment_id = text(element, "wp:comment_id")
        kind = text(element, "wp:comment_type") or "comment"
        approved = text(element, "wp:comment_approved")
        if not comment_id:
            self.report.skip("comment", "no wp:comment_id")
            return None
        if kind != "comment":
            self.report.skip("comment", f"a {kind}, not a comment")
            return None
        status = STATUSES.get(approved)
        if status is None:
            self.report.skip(
                "comment", _UNKNOWN_STATUS.get(approved, f"status {approved!r}")
            )
            return None
        created = parse_date(text(element, "wp:comment_date_gmt")) or parse_date(
            text(element, "wp:comment_date")
        )
        if created is None:
            self.report.skip("comment", "no date")
            return None
        email = text(element, "wp:comment_author_email")[:254]
        member = self.authors.get(f"#{text(element, 'wp:comment_user_id')}")
        if member is None and email:
            member = self.started()[1].member_by_email(email)
        parent = text(element, "wp:comment_parent")
        return ImportedComment(
            source_id=comment_id,
            article_id=article_id,
            parent_source_id=parent if parent not in ("", "0") else None,
            author_id=member,
            guest_name=None
            if member
            else (text(element, "wp:comment_author") or "Guest")[:60],
            guest_email=None if member else (email or None),
            body=text(element, "wp:comment_content"),
            status=status,
            created_at=created,
        )
