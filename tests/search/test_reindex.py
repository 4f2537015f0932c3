"""`haven search reindex`, and the demo's content being found after `haven demo`."""

import os
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session

from app import demo
from app.comments.models import Comment, CommentStatus
from app.demo_content import ARTICLES, DISCUSSION
from app.search import index as search_index
from app.search import service
from app.search.service import SearchQuery
from tests.factories import make_article, make_comment
from tests.realserver import haven


def hits(session: Session, q: str) -> int:
    return service.search(session, SearchQuery.parse(q), page=1, per_page=10).total


def test_reindex_repairs_what_was_written_behind_the_services_back(
    session: Session,
) -> None:
    article = make_article(session, title="Cooling", body="Vests and fans.")
    kept = make_comment(session, article, body="Quinine for cramps.")
    make_comment(session, article, body="Magnesium for cramps.")
    waiting = make_comment(
        session, article, body="Tonic water.", status=CommentStatus.PENDING
    )
    # As a bulk loader might: one approved, one taken down, without the services.
    session.execute(
        update(Comment)
        .where(Comment.id == waiting.id)
        .values(status=CommentStatus.APPROVED)
    )
    session.execute(
        update(Comment)
        .where(Comment.id == kept.id)
        .values(status=CommentStatus.REMOVED)
    )
    session.expire_all()
    assert hits(session, "tonic") == 0

    articles, comments = search_index.reindex(session, batch=1)

    assert search_index.indexed_documents(session) == search_index.expected_documents(
        session
    )
    assert (hits(session, "tonic"), hits(session, "quinine")) == (1, 0)
    assert hits(session, "magnesium") == 1
    assert articles >= 1
    assert comments >= 2


def test_the_demo_is_found_once_loaded(session: Session) -> None:
    demo.load_demo(session)

    assert hits(session, "baclofen side effects") >= 1
    # A word only the published discussion uses.
    found = service.search(
        session, SearchQuery.parse("spasms at night"), page=1, per_page=20
    )
    assert any(hit.kind == "comment" for hit in found.items)
    assert search_index.indexed_documents(session) == search_index.expected_documents(
        session
    )


def test_cli_reindex_shows_progress_and_counts(
    tmp_path: Path, project_root: Path
) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.db'}",
        "HAVEN_DATA_DIR": str(tmp_path / "data"),
        "PYTHONPATH": str(project_root),
    }
    assert haven("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    assert haven("demo", cwd=tmp_path, env=env).returncode == 0

    rebuilt = haven("search", "reindex", cwd=tmp_path, env=env)

    assert rebuilt.returncode == 0, rebuilt.stderr
    published = len(DISCUSSION)
    assert f"{published} of {published} comments indexed" in rebuilt.stdout
    assert (
        f"Search index rebuilt: {len(ARTICLES)} articles, {published} comments."
        in rebuilt.stdout
    )
