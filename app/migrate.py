"""Alembic driven from code, so `haven db upgrade` works from any directory."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection
from sqlalchemy.engine import make_url

from app.config import MIGRATIONS_DIR, Settings


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


def downgrade(
    settings: Settings, connection: Connection | None = None, revision: str = "base"
) -> None:
    command.downgrade(alembic_config(settings, connection), revision)


def _ensure_sqlite_dir(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
