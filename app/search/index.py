"""Keeping the search index in step with what readers may see.

Two calls cover every change: ``article_changed`` from the article service
(create, edit, publish, unpublish) and ``comment_changed`` from
app.comments.standing.record_change, through which every change of a comment's
standing (posted, approved, rejected, spam, removed, deleted, hidden by
reports, shown again) and every new published text passes. So the index
changes in the transaction that changes the text, and a new way to change a
comment can't forget it without also forgetting its counts. The search itself
checks the live rows again (app.search.service), so a stale row could only
miss, never show what readers may not see.
"""

from collections.abc import Callable, Iterator
from html import unescape
from html.parser import HTMLParser

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from app.articles.models import Article, ArticleStatus
from app.comments.models import Comment
from app.search.models import SearchDocument

_BLOCKS = frozenset(
    {"p", "br", "li", "ul", "ol", "blockquote", "pre", "h2", "h3", "h4", "h5", "h6"}
)


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        del attrs
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html: str) -> str:
    """The words of sanitized HTML, one space between them, entities decoded."""
    parser = _TextOf()
    parser.feed(html)
    parser.close()
    return " ".join(unescape("".join(parser.parts)).split())


def article_document(article: Article) -> dict[str, object]:
    body = f"{article.summary}\n{plain_text(article.body_html)}"
    return {
        "article_id": article.id,
        "comment_id": None,
        "title": article.title,
        "body": " ".join(body.split()),
    }


def comment_document(
    comment_id: int, article_id: int, body_html: str
) -> dict[str, object]:
    return {
        "article_id": article_id,
        "comment_id": comment_id,
        "title": "",
        "body": plain_text(body_html),
    }


def article_changed(session: Session, article: Article) -> None:
    """A published article's text is found as it now reads; a draft's is not."""
    session.flush()  # a new article needs its id
    session.execute(
        delete(SearchDocument).where(
            SearchDocument.article_id == article.id,
            SearchDocument.comment_id.is_(None),
        )
    )
    if article.status == ArticleStatus.PUBLISHED:
        session.execute(insert(SearchDocument).values(article_document(article)))


def comment_changed(
    session: Session,
    comment: Comment,
    *,
    was_published: bool,
    published: bool,
    content_changed: bool,
) -> None:
    """A comment readers see (approved, not hidden) is found by its published
    text; once it is not, its text leaves the index."""
    if published and (not was_published or content_changed):
        _drop_comment(session, comment.id)
        session.execute(
            insert(SearchDocument).values(
                comment_document(comment.id, comment.article_id, comment.body_html)
            )
        )
    elif was_published and not published:
        _drop_comment(session, comment.id)


def _drop_comment(session: Session, comment_id: int) -> None:
    session.execute(
        delete(SearchDocument).where(SearchDocument.comment_id == comment_id)
    )


def reindex(
    session: Session,
    *,
    batch: int = 1000,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, int]:
    """Rebuild the whole index from the live rows: published articles, and
    approved comments not hidden by reports; how many of each went in.

    For operators, after a bulk load or an import that bypassed the services.
    ``progress`` hears (comments done, comments in all) after each batch.
    """
    session.execute(delete(SearchDocument))
    articles, comments = 0, 0
    total = (
        session.scalar(select(func.count(Comment.id)).where(Comment.published())) or 0
    )
    for documents in _documents(session, batch):
        session.execute(insert(SearchDocument), documents)
        if documents[0]["comment_id"] is None:
            articles += len(documents)
            continue
        comments += len(documents)
        if progress is not None:
            progress(comments, total)
    return articles, comments


def _documents(session: Session, batch: int) -> Iterator[list[dict[str, object]]]:
    """What the index should hold, in batches: the published articles, then
    the published comments (those of drafts too: the search checks the article)."""
    articles = [
        article_document(article)
        for article in session.scalars(
            select(Article).where(Article.status == ArticleStatus.PUBLISHED)
        )
    ]
    if articles:
        yield articles
    last_id = 0
    while rows := session.execute(
        select(Comment.id, Comment.article_id, Comment.body_html)
        .where(Comment.published(), Comment.id > last_id)
        .order_by(Comment.id)
        .limit(batch)
    ).all():
        yield [comment_document(row.id, row.article_id, row.body_html) for row in rows]
        last_id = rows[-1].id


Document = tuple[int, int | None, str, str]


def expected_documents(session: Session) -> set[Document]:
    """The index as a rebuild would make it (to check the services kept it)."""
    return {
        (d["article_id"], d["comment_id"], d["title"], d["body"])  # type: ignore[misc]
        for documents in _documents(session, 1000)
        for d in documents
    }


def indexed_documents(session: Session) -> set[Document]:
    """The index as it is."""
    rows = session.execute(
        select(
            SearchDocument.article_id,
            SearchDocument.comment_id,
            SearchDocument.title,
            SearchDocument.body,
        )
    )
    return {(row.article_id, row.comment_id, row.title, row.body) for row in rows}
