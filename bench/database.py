"""A scratch database for the one-off benches (search, insights): emptied,
migrated, and, after the bulk load, given the statistics a live site has."""

from sqlalchemy import text
from sqlalchemy.orm import Session

from app import migrate
from app.accounts import service as accounts_service
from app.accounts.models import Role, User
from app.config import Settings
from app.db import make_engine


def fresh(settings: Settings) -> None:
    """Migrate an empty database. A PostgreSQL one must be **dedicated** to the
    bench: its public schema is dropped and re-created first."""
    if not settings.is_sqlite:
        engine = make_engine(settings.database_url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    migrate.upgrade(settings)


def analyze(settings: Settings) -> None:
    """What autovacuum does soon after a bulk load on PostgreSQL: statistics,
    the visibility map (index-only scans) and GIN pending lists merged; on
    SQLite, the statistics its planner reads."""
    engine = make_engine(settings.database_url).execution_options(
        isolation_level="AUTOCOMMIT"
    )
    with engine.connect() as connection:
        connection.execute(text("ANALYZE" if settings.is_sqlite else "VACUUM ANALYZE"))
    engine.dispose()


def admin(session: Session) -> User:
    """The scratch site's admin, who writes the articles."""
    return accounts_service.create_user(
        session,
        username="bench_admin",
        email="bench_admin@bench.invalid",
        password="bench-password-1234",  # noqa: S106 (a throwaway site)
        role=Role.ADMIN,
    )
