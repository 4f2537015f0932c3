"""`haven import wordpress|disqus FILE`, run in-process on a database of its
own (a fresh SQLite file, or a PostgreSQL database beside the test one): the
command commits, so it can't share the rolled-back test database."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from app.cli import cli
from app.config import get_settings
from app.db import session_scope
from tests.conftest import fresh_database_url
from tests.factories import make_article
from tests.imports import DATA, stored


@pytest.fixture
def haven(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str, database_url: str
) -> Iterator[CliRunner]:
    """A runner whose `haven` sees a freshly migrated database of its own."""
    url = fresh_database_url(backend, database_url, tmp_path, "cli")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("HAVEN_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    runner = CliRunner()
    upgraded = runner.invoke(cli, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    yield runner
    get_settings.cache_clear()


def _run(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(cli, ["import", *args])


def _counts() -> dict[str, int]:
    with session_scope(get_settings()) as session:
        return stored(session)


def test_wordpress_prints_progress_and_the_report(haven: CliRunner) -> None:
    result = _run(haven, "wordpress", str(DATA / "wordpress.xml"))

    assert result.exit_code == 0, result.output
    assert "Reading wordpress.xml" in result.stderr
    assert "Imported from wordpress:https://blog.example.org:" in result.stdout
    assert "  posts: 3 imported, 3 skipped" in result.stdout
    assert "  tags: 3 imported" in result.stdout
    assert "  comments: 9 imported, 2 skipped" in result.stdout
    assert "1 comment: a pingback, not a comment" in result.stdout
    assert "1 post: a page, not a post" in result.stdout
    assert "private.example" not in result.output

    again = _run(haven, "wordpress", str(DATA / "wordpress.xml"))

    assert again.exit_code == 0, again.output
    assert "  comments: 9 unchanged, 2 skipped" in again.stdout


def test_a_malformed_file_fails_cleanly_and_commits_nothing(haven: CliRunner) -> None:
    before = _counts()

    result = _run(haven, "wordpress", str(DATA / "wordpress-malformed.xml"))

    assert result.exit_code == 1
    assert "Error: wordpress-malformed.xml line 37, column 34: mismatched tag" in (
        result.stderr
    )
    assert "Traceback" not in result.output
    assert _counts() == before


def test_a_missing_file_is_a_clear_error(haven: CliRunner, tmp_path: Path) -> None:
    result = _run(haven, "disqus", str(tmp_path / "nowhere.xml"))

    assert result.exit_code == 1
    assert "nowhere.xml: no such file." in result.stderr
    assert "Traceback" not in result.output


def test_disqus_lists_the_threads_it_could_not_match(haven: CliRunner) -> None:
    with session_scope(get_settings()) as session:
        make_article(session, title="Living with spasticity")

    result = _run(haven, "disqus", str(DATA / "disqus.xml"))

    assert result.exit_code == 0, result.output
    assert "Imported from disqus:msnotes:" in result.stdout
    assert "  comments: 7 imported, 3 skipped" in result.stdout
    assert "Threads that match no article (link, title, posts):" in result.stdout
    assert "  https://old.example.org/p?id=5 | Heat and MS | 1" in result.stdout
    assert "private.example" not in result.output
