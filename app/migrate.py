"""Alembic driven from code, so `haven db upgrade` works from any directory."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.engine import make_url

from app.config import MIGRATIONS_DIR, Settings
from app.db import make_engine


def alembic_config(settings: Settings, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", settings.database_url.replace("%", "%%"))
    config.attributes["configure_logging"] = False
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(
    settings: Settings, connection: Connection | None = None, revision: str = "head"
) -> None:
    """Bring the database schema to ``revision`` (the latest by default)."""
    if settings.is_sqlite:
        _ensure_sqlite_dir(settings.database_url)
    command.upgrade(alembic_config(settings, connection), revision)


def current_revision(settings: Settings) -> str | None:
    """The revision the database is at; None when Haven's schema isn't there yet
    (a new SQLite file, or an empty PostgreSQL database)."""
    if settings.is_sqlite:
        _ensure_sqlite_dir(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def location(settings: Settings) -> str:
    """Where the database is, for an operator: a file's full path, or the URL
    without its password."""
    url = make_url(settings.database_url)
    if settings.is_sqlite and url.database and url.database != ":memory:":
        return str(Path(url.database).expanduser().resolve())
    return url.render_as_string(hide_password=True)


def downgrade(
    settings: Settings, connection: Connection | None = None, revision: str = "base"
) -> None:
    command.downgrade(alembic_config(settings, connection), revision)


def _ensure_sqlite_dir(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
