"""Shared by the import tests: the fixture files, and counting what is stored."""

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.articles.models import Article, Tag
from app.comments import standing
from app.comments.models import Comment
from app.imports.models import ImportSource
from app.search import index as search_index
from app.search import service as search_service
from app.search.models import SearchDocument

DATA = Path(__file__).resolve().parents[1] / "data" / "imports"


def stored(session: Session) -> dict[str, int]:
    """How many rows of each imported kind the database holds."""
    models = {
        "user": User,
        "article": Article,
        "tag": Tag,
        "comment": Comment,
        "import_source": ImportSource,
        "search_document": SearchDocument,
    }
    return {
        name: session.scalar(select(func.count()).select_from(model)) or 0
        for name, model in models.items()
    }


def hits(session: Session, q: str) -> int:
    return search_service.search(
        session, search_service.SearchQuery.parse(q), page=1, per_page=10
    ).total


def assert_derived_state_exact(session: Session) -> None:
    """The stored counters and the search index are what the rows say."""
    session.expire_all()
    assert standing.queue_counts(session) == standing.counted(session)
    counts = {
        article.id: (article.approved_count, article.root_count)
        for article in session.scalars(select(Article))
    }
    assert counts == standing.published_counted(session)
    replies = dict(
        session.execute(
            select(Comment.id, Comment.reply_count).where(Comment.parent_id.is_(None))
        ).all()
    )
    assert replies == standing.replies_counted(session)
    assert search_index.indexed_documents(session) == search_index.expected_documents(
        session
    )
