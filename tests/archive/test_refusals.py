"""`haven import haven` refuses what it can't restore faithfully, says why,
exits non-zero and writes nothing."""

import json
from pathlib import Path

import pytest

from app.config import get_settings
from app.db import session_scope
from tests.archive.conftest import Use, haven
from tests.factories import make_article
from tests.imports import stored

EMPTY = {
    "format": "haven-export",
    "version": 1,
    "exported_at": "2026-12-06T01:00:00+00:00",
    "users": [
        {
            "id": 1,
            "username": "ann",
            "display_name": "Ann",
            "role": "member",
            "bio": "",
            "bio_html": "",
            "badge": None,
            "created_at": "2026-01-01T00:00:00+00:00",
            "deleted_at": None,
        }
    ],
    "tags": [{"id": 1, "slug": "ms", "name": "MS"}],
    "articles": [],
    "comments": [],
    "revisions": [],
}


def _counts() -> dict[str, int]:
    with session_scope(get_settings()) as session:
        return stored(session)


def test_a_site_with_articles_is_refused(site: Use, tmp_path: Path) -> None:
    site("busy")
    with session_scope(get_settings()) as session:
        make_article(session, title="Already here")
    before = _counts()
    file = tmp_path / "site.json"
    file.write_text(json.dumps(EMPTY))

    result = haven("import", "haven", str(file))

    assert result.exit_code == 1
    assert "only into an empty site" in result.stderr
    assert "Nothing was imported." in result.stderr
    assert _counts() == before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "is not a readable Haven export"),
        (
            json.dumps(EMPTY | {"version": 2}),
            "is a version 2 Haven export; this Haven reads version 1",
        ),
        (
            json.dumps(EMPTY | {"format": "wordpress"}),
            "is not a readable Haven export (format",
        ),
        (
            json.dumps(EMPTY | {"tags": [{"id": "x"}]}),
            "is not a readable Haven export (tags.0",
        ),
    ],
    ids=["malformed", "wrong-version", "wrong-format", "bad-row"],
)
def test_a_file_haven_cant_read_is_refused(
    site: Use, tmp_path: Path, text: str, message: str
) -> None:
    site("empty")
    before = _counts()
    file = tmp_path / "site.json"
    file.write_text(text)

    result = haven("import", "haven", str(file))

    assert result.exit_code == 1
    assert message in result.stderr
    assert "Nothing was imported." in result.stderr
    assert _counts() == before


def test_a_missing_file_is_named(site: Use, tmp_path: Path) -> None:
    site("empty")

    result = haven("import", "haven", str(tmp_path / "nowhere.json"))

    assert result.exit_code == 1
    assert "nowhere.json: no such file." in result.stderr


def test_the_valid_file_is_restored(site: Use, tmp_path: Path) -> None:
    """The refusals' file is good: only what each case changes is wrong."""
    site("empty")
    file = tmp_path / "site.json"
    file.write_text(json.dumps(EMPTY))

    result = haven("import", "haven", str(file))

    assert result.exit_code == 0, result.output
    assert _counts()["tag"] == 1
