"""`make run` on a first and a later start (#18): `haven db upgrade` says whether
it created the database, `haven demo` names each sign-in's role, and both say
how to recover a lost demo sign-in. In-process, on a fresh SQLite file each.
"""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from app import migrate
from app.accounts import service as accounts_service
from app.accounts.models import Role
from app.cli import cli
from app.config import Settings, get_settings
from app.db import session_scope
from app.security import verify_password

NEW_PASSWORD = "plum tractor lighthouse"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Where `haven` keeps a site that doesn't exist yet."""
    path = tmp_path / "first" / "haven.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("HAVEN_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()  # it is cached: forget the previous environment
    yield path
    get_settings.cache_clear()


def haven(*args: str, stdin: str | None = None) -> Result:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    assert result.exit_code == 0, result.output
    return result


def _password_works(username: str, password: str) -> bool:
    with session_scope(get_settings()) as session:
        user = accounts_service.get_user(session, username)
        valid, _rehashed = verify_password(password, user.password_hash)
        return valid


def test_upgrade_says_it_created_the_database_then_that_it_found_it(
    database: Path,
) -> None:
    head = ScriptDirectory.from_config(migrate.alembic_config(get_settings()))
    current = head.get_current_head()
    assert current is not None
    previous = head.get_revision(current).down_revision
    assert isinstance(previous, str)

    first = haven("db", "upgrade", previous)
    again = haven("db", "upgrade", previous)
    upgraded = haven("db", "upgrade")

    assert first.output == f"Created a new database: {database} (schema {previous}).\n"
    assert again.output == (
        f"Using the existing database: {database} (already at schema {previous}).\n"
    )
    assert upgraded.output == (
        f"Upgraded the existing database: {database} "
        f"(schema {previous} -> {current}).\n"
    )


def test_demo_names_each_sign_in_s_role_and_how_to_reset_it(database: Path) -> None:
    haven("db", "upgrade")

    loaded = haven("demo", "--if-empty").output

    sign_ins = re.findall(r"^  (\w+): (\w+) / (\S+)$", loaded, re.MULTILINE)
    assert [(role, username) for role, username, _ in sign_ins] == [
        ("admin", "nurse_ruth"),
        ("moderator", "moderator"),
    ]
    for _, username, password in sign_ins:
        assert _password_works(username, password)
    assert "haven users set-password USERNAME" in loaded


def test_a_second_start_names_the_staff_and_the_command_that_resets_a_password(
    database: Path,
) -> None:
    haven("db", "upgrade")
    haven("demo", "--if-empty")

    again = haven("demo", "--if-empty").output
    command = re.search(r"^  (haven users set-password \w+)$", again, re.MULTILINE)

    assert "demo content not loaded" in again
    assert "Staff who can sign in: admin nurse_ruth, moderator moderator." in again
    assert command is not None
    # The printed command is the one that works.
    reset = haven(*command[1].split()[1:], "--password-stdin", stdin=NEW_PASSWORD)
    assert "Password set for nurse_ruth" in reset.output
    assert _password_works("nurse_ruth", NEW_PASSWORD)


def test_a_site_with_articles_but_no_staff_says_how_to_make_one(
    database: Path,
) -> None:
    haven("db", "upgrade")
    haven("demo")
    with session_scope(get_settings()) as session:
        for username in ("nurse_ruth", "moderator"):
            user = accounts_service.get_user(session, username)
            accounts_service.set_role(session, user, Role.MEMBER, actor=None)

    again = haven("demo", "--if-empty").output

    assert "No staff accounts yet" in again
    assert "haven users create USERNAME --email EMAIL --role admin" in again


def test_the_test_database_reports_its_revision(
    settings: Settings, engine: Engine
) -> None:
    """On SQLite and PostgreSQL alike: the suite's own database, which the
    ``engine`` fixture migrated."""
    head = ScriptDirectory.from_config(migrate.alembic_config(settings))

    assert migrate.current_revision(settings) == head.get_current_head()


def test_a_postgresql_location_hides_its_password() -> None:
    settings = Settings(
        env="test",
        database_url="postgresql+psycopg://haven:s3cret@db.internal:5432/haven",
        secret_key="location-test-secret",
    )

    assert migrate.location(settings) == (
        "postgresql+psycopg://haven:***@db.internal:5432/haven"
    )
