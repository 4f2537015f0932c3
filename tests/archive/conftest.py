"""Two sites of their own per test (fresh SQLite files, or PostgreSQL
databases beside the test one): `haven export`, `import` and `backup`
commit, so they can't share the rolled-back test database."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from app.cli import cli
from app.config import get_settings
from tests.conftest import fresh_database_url

Use = Callable[[str], str]


@pytest.fixture
def site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str, database_url: str
) -> Iterator[Use]:
    """``site(name)`` points `haven` at a freshly migrated database of that
    name and returns its URL."""
    monkeypatch.setenv("HAVEN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HAVEN_SECRET_KEY", "archive-test-secret-key")
    monkeypatch.setenv("HAVEN_BASE_URL", "http://testserver")

    def use(name: str) -> str:
        url = fresh_database_url(backend, database_url, tmp_path, name)
        monkeypatch.setenv("DATABASE_URL", url)
        get_settings.cache_clear()
        upgraded = CliRunner().invoke(cli, ["db", "upgrade"])
        assert upgraded.exit_code == 0, upgraded.output
        return url

    yield use
    get_settings.cache_clear()


def switch(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """Point `haven` at an existing database."""
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()


def haven(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))
