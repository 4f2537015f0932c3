"""Test fixtures: a migrated database per run, a rolled-back transaction per test.

`pytest` runs on SQLite; `pytest --db postgresql` on PostgreSQL at TEST_DATABASE_URL
(default: the local server's `test` database). With CI=true a missing PostgreSQL
fails the run instead of skipping it.

Under pytest-xdist (`-n 2`) every worker has a database of its own: SQLite files
live in the worker's own basetemp, and on PostgreSQL worker gw0 uses `test_gw0`
(the configured name plus the worker id), created on first use.
"""

import os
import socket
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.templating import Jinja2Templates
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, make_url, text
from sqlalchemy.orm import Session

from app import migrate
from app.accounts.models import Role, User
from app.articles.models import Article
from app.config import Settings
from app.db import get_session, make_engine
from app.main import create_app
from app.security import password_context
from tests.factories import make_admin, make_article, make_user
from tests.helpers import api_token, login

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="database backend for the suite",
    )


# The fixtures every test that reaches a database depends on.
DATABASE_FIXTURES = frozenset({"database_url", "backend"})


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """On PostgreSQL, leave out the tests that never reach a database.

    Markup, word lists, crisis phrases, source checks and the CLI runs on a
    SQLite file of their own run the same code on either backend: the SQLite
    pass has run them, and a second run proves nothing new. They are
    deselected, not skipped, so a whole run still fails if one of them does.
    """
    if config.getoption("--db") == "sqlite":
        return
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        uses_database = DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        (kept if uses_database else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


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


def require_postgres(url: str) -> str:
    """The URL of a PostgreSQL that answers; without one the test skips, or
    fails under CI."""
    if not postgres_available(url):
        message = f"PostgreSQL is not reachable at {make_url(url).render_as_string()}"
        if in_ci():
            pytest.fail(message + " (required when CI=true)", pytrace=False)
        pytest.skip(message)
    return url


def xdist_worker() -> str | None:
    """The pytest-xdist worker id (gw0, gw1, ...), or None when not distributed."""
    return os.environ.get("PYTEST_XDIST_WORKER")


def worker_postgres_url(url: str, worker: str) -> str:
    """The configured database's name plus the worker id: `test` becomes `test_gw0`."""
    parsed = make_url(url)
    own = parsed.set(database=f"{parsed.database or 'test'}_{worker}")
    return own.render_as_string(hide_password=False)


def _create_postgres_database(url: str) -> None:
    """CREATE DATABASE unless it exists, through the server's `postgres` database."""
    parsed = make_url(url)
    maintenance = parsed.set(database="postgres").render_as_string(hide_password=False)
    admin = make_engine(maintenance).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": parsed.database},
            )
            if not exists:
                quoted = connection.dialect.identifier_preparer.quote(
                    parsed.database or ""
                )
                connection.execute(text(f"CREATE DATABASE {quoted}"))
    finally:
        admin.dispose()


def _reset_postgres(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
        connection.commit()


def fresh_database_url(backend: str, database_url: str, folder: Path, name: str) -> str:
    """An empty database of its own for a command that commits: a SQLite file
    in ``folder``, or a PostgreSQL database named after the test one."""
    if backend == "sqlite":
        return f"sqlite:///{folder / f'{name}.db'}"
    parsed = make_url(database_url)
    url = parsed.set(database=f"{parsed.database}_{name}").render_as_string(
        hide_password=False
    )
    _create_postgres_database(url)
    engine = make_engine(url)
    _reset_postgres(engine)
    engine.dispose()
    return url


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
    url = require_postgres(postgres_url())
    worker = xdist_worker()
    own = url if worker is None else worker_postgres_url(url, worker)
    # A single-process run on a new TEST_DATABASE_URL needs its database too.
    _create_postgres_database(own)
    return own


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
        migrate.upgrade(settings, connection)
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


@pytest.fixture(scope="session")
def shared_templates(settings: Settings) -> Jinja2Templates:
    """The Jinja environment of one app, for every test's app to share.

    It holds only filters and globals that are the same for every app, and its
    compiled templates: compiling them again for each test's new app cost about
    0.1 s a test.
    """
    app = create_app(settings)
    app.state.engine.dispose()
    shared: Jinja2Templates = app.state.templates
    return shared


@pytest.fixture
def app_factory(
    settings: Settings, session: Session, shared_templates: Jinja2Templates
) -> Iterator[AppFactory]:
    made: list[FastAPI] = []

    def factory(**overrides: Any) -> FastAPI:
        app = create_app(
            settings.model_copy(update=overrides) if overrides else settings
        )
        made.append(app)
        if "env" not in overrides:  # env decides whether templates auto-reload
            app.state.templates = shared_templates

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

    yield factory
    # An app's own engine (the front cache and the error pages use it) closes
    # when its TestClient's `with` ends; one used without `with` would leave its
    # connections to the garbage collector, and the warning to a later test.
    for app in made:
        app.state.engine.dispose()


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


# The people and the article most tests need (a test module may define its own
# with other names or content).
@pytest.fixture
def member(session: Session) -> User:
    return make_user(session, username="bert", display_name="Bert")


@pytest.fixture
def member_client(app_factory: AppFactory, member: User) -> Iterator[TestClient]:
    with TestClient(app_factory(), follow_redirects=False) as client:
        login(client, member.username)
        yield client


@pytest.fixture
def admin(session: Session) -> User:
    return make_admin(session)


@pytest.fixture
def admin_client(app_factory: AppFactory, admin: User) -> Iterator[TestClient]:
    with TestClient(app_factory(), follow_redirects=False) as client:
        login(client, admin.username)
        yield client


@pytest.fixture
def article(session: Session) -> Article:
    return make_article(session)
