"""`haven import disqus`: a Disqus export's comments join Haven's articles.

Each Disqus thread is matched to an article by its link (the address's last
segment is the article's slug, which also covers the article's own address
here) or by its identifier when that is a slug; threads that match none are
listed in the report and their posts skipped. Posts keep their threading,
names, dates and statuses, and their HTML goes through Haven's sanitizer.
"""

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.articles.models import Article
from app.comments.models import CommentStatus
from app.imports.source import (
    ImportedComment,
    ImportReport,
    ImportRun,
    Progress,
    children,
    flag,
    parse_date,
    records,
    set_closed,
    text,
)

_RECORDS = ("category", "thread", "post")
_PAGE_SUFFIXES = (".html", ".htm", ".php")


@dataclass
class _Thread:
    article_id: int | None
    link: str
    title: str
    deleted: bool
    posts: int = 0


def import_disqus(
    session: Session, path: Path, *, progress: Progress | None = None
) -> ImportReport:
    """Import a Disqus export in one savepoint: everything or, when the file
    is malformed (ImportFailed names the line), nothing. Importing it again
    updates what changed and never duplicates (source ids are kept)."""
    with session.begin_nested():
        return _Import(session, path, progress).run()


def slug_candidates(link: str, identifier: str) -> list[str]:
    """The slugs a thread may be about: its address's last segment (without a
    page suffix), then its identifier."""
    path = unquote(urlsplit(link).path).rstrip("/")
    last = path.rsplit("/", 1)[-1]
    for suffix in _PAGE_SUFFIXES:
        last = last.removesuffix(suffix)
    return [s for s in (last, identifier.strip()) if s]


class _Import(ImportRun):
    kind = "disqus"
    label = "Disqus"
    named_by = "forum name"

    def __init__(self, session: Session, path: Path, progress: Progress | None):
        super().__init__(session, path, progress)
        self.threads: dict[str, _Thread] = {}

    def run(self) -> ImportReport:
        for record in records(self.path, _RECORDS, self.progress):
            self.name = self.name or text(record, "forum")
            if record.tag == "thread":
                self._thread(record)
            elif record.tag == "post":
                self._post(record)
        # A reply may come before its parent anywhere in the file: placed last.
        report = self.finish()
        for thread in self.threads.values():
            if thread.article_id is None and (thread.posts or not thread.deleted):
                report.unmatched.append((thread.link, thread.title, thread.posts))
        return report

    def _thread(self, record: Element) -> None:
        dsq_id = record.get("dsq:id", "")
        if not dsq_id:
            self.report.skip("thread", "no dsq:id")
            return
        link = text(record, "link")
        article_id = self._match(slug_candidates(link, text(record, "id")))
        self.threads[dsq_id] = _Thread(
            article_id=article_id,
            link=link,
            title=text(record, "title"),
            deleted=flag(record, "isDeleted"),
        )
        if article_id is None:
            self.report.skip("thread", "no article matches its link or identifier")
            return
        self.report.count("thread", "matched")
        set_closed(
            self.session,
            article_id,
            closed=flag(record, "isClosed"),
        )

    def _match(self, slugs: list[str]) -> int | None:
        for slug in slugs:
            article_id = self.session.scalar(
                select(Article.id).where(Article.slug == slug)
            )
            if article_id is not None:
                return article_id
        return None

    def _post(self, record: Element) -> None:
        _, people, comments = self.started()
        dsq_id = record.get("dsq:id", "")
        thread_ref = next(children(record, "thread"), None)
        thread = self.threads.get(
            thread_ref.get("dsq:id", "") if thread_ref is not None else ""
        )
        if not dsq_id:
            self.report.skip("comment", "no dsq:id")
            return
        if thread is None:
            self.report.skip("comment", "its thread is not in the file")
            return
        thread.posts += 1
        if thread.article_id is None:
            self.report.skip("comment", "its thread matches no article")
            return
        created = parse_date(text(record, "createdAt"))
        if created is None:
            self.report.skip("comment", "no date")
            return
        author = next(children(record, "author"), None)
        email = text(author, "email")[:254] if author is not None else ""
        name = text(author, "name") if author is not None else ""
        member = people.member_by_email(email) if email else None
        parent = next(children(record, "parent"), None)
        comments.add(
            ImportedComment(
                source_id=dsq_id,
                article_id=thread.article_id,
                parent_source_id=parent.get("dsq:id") if parent is not None else None,
                author_id=member,
                guest_name=None if member else (name or "Guest")[:60],
                guest_email=None if member else (email or None),
                body=text(record, "message"),
                status=_status(record),
                created_at=created,
            )
        )


def _status(post: Element) -> CommentStatus:
    if flag(post, "isSpam"):
        return CommentStatus.SPAM
    if flag(post, "isDeleted"):
        return CommentStatus.REMOVED
    if text(post, "isApproved").lower() == "false":
        return CommentStatus.PENDING
    return CommentStatus.APPROVED
