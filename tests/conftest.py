"""Test fixtures: a migrated database per run, a rolled-back transaction per test.

`pytest` runs on SQLite; `pytest --db postgresql` on PostgreSQL at TEST_DATABASE_URL
(default: the local server's `test` database). With CI=true a missing PostgreSQL
fails the run instead of skipping it.
"""

import os
import socket
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, make_url, text
from sqlalchemy.orm import Session

from app import schema
from app.accounts.models import Role, User
from app.config import Settings
from app.db import get_session, make_engine
from app.main import create_app
from app.security import password_context
from tests.factories import make_user
from tests.helpers import api_token, login

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="database backend for the suite",
    )


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def postgres_url() -> str:
    return os.environ.get("TEST_DATABASE_URL") or DEFAULT_POSTGRES_URL


def postgres_available(url: str) -> bool:
    parsed = make_url(url)
    try:
        with socket.create_connection(
            (parsed.host or "127.0.0.1", parsed.port or 5432), 2
        ):
            return True
    except OSError:
        return False


def _reset_postgres(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
        connection.commit()


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    """Cheap argon2 parameters for speed; the scheme and code path stay the same."""
    saved = password_context.to_dict()
    password_context.update(
        argon2__memory_cost=1024, argon2__rounds=1, argon2__parallelism=1
    )
    yield
    password_context.load(saved)


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.config.getoption("--db")
    return name


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'haven-test.db'}"
    url = postgres_url()
    if not postgres_available(url):
        message = f"PostgreSQL is not reachable at {make_url(url).render_as_string()}"
        if in_ci():
            pytest.fail(message + " (required when CI=true)", pytrace=False)
        pytest.skip(message)
    return url


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        env="test",
        database_url=database_url,
        data_dir=tmp_path_factory.mktemp("data"),
        secret_key="test-secret-key-not-for-production",
        base_url="http://testserver",
        # Tests post many comments at once; tests/comments/test_spam.py turns these on.
        post_rate_limit="",
        form_min_seconds=0,
    )


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.database_url)
    if not settings.is_sqlite:
        _reset_postgres(engine)
    # The schema under test is the migrated one, never create_all().
    with engine.begin() as connection:
        schema.upgrade(settings, connection)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test, commits included."""
    with engine.connect() as connection:
        outer = connection.begin()
        session = Session(
            bind=connection,
            join_transaction_mode="create_savepoint",
            expire_on_commit=False,
        )
        yield session
        session.close()
        outer.rollback()


AppFactory = Callable[..., FastAPI]


@pytest.fixture
def app_factory(settings: Settings, session: Session) -> AppFactory:
    def factory(**overrides: Any) -> FastAPI:
        app = create_app(
            settings.model_copy(update=overrides) if overrides else settings
        )

        def test_session() -> Iterator[Session]:
            # What the test set up counts as committed: a failing request must
            # roll back only its own work, as it would in production.
            session.commit()
            try:
                yield session
            except Exception:
                session.rollback()
                raise
            session.commit()

        app.dependency_overrides[get_session] = test_session
        return app

    return factory


@pytest.fixture
def client(app_factory: AppFactory) -> Iterator[TestClient]:
    with TestClient(app_factory(), follow_redirects=False) as test_client:
        yield test_client


class QueryLog:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __len__(self) -> int:
        return len(self.statements)


QueryCounter = Callable[[], AbstractContextManager[QueryLog]]


@pytest.fixture
def count_queries(engine: Engine) -> QueryCounter:
    """Record the SQL statements run inside a `with count_queries() as log:` block."""

    @contextmanager
    def counter() -> Iterator[QueryLog]:
        log = QueryLog()

        def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if (
                not statement.lstrip()
                .upper()
                .startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO"))
            ):
                log.statements.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            yield log
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return counter


@pytest.fixture
def project_root() -> Path:
    return Path(__file__).resolve().parents[1]


# A moderator, signed in through the pages or holding an API token.
@pytest.fixture
def moderator(session: Session) -> User:
    return make_user(session, role=Role.MODERATOR, display_name="Mo")


@pytest.fixture
def mod_client(app_factory: AppFactory, moderator: User) -> Iterator[TestClient]:
    with TestClient(app_factory(), follow_redirects=False) as client:
        login(client, moderator.username)
        yield client


@pytest.fixture
def mod_api(app_factory: AppFactory, moderator: User) -> Iterator[TestClient]:
    with TestClient(app_factory(), follow_redirects=False) as client:
        token = api_token(client, moderator.username)
        client.headers["Authorization"] = f"Bearer {token}"
        yield client
