"""Database down: pages and API answer 503 with a clear message, /healthz says
so, and the same app serves again once the database is back, without a restart.

The outages are real. On SQLite the database's folder is moved away and put
back. On PostgreSQL the app reaches the shared server through a small TCP
proxy of the test's own, which the test shuts (dropping every connection the
app holds) and opens again on the same port; the server itself keeps running
for everyone else.
"""

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app import migrate
from app.accounts.models import Role
from app.config import Settings
from app.db import database_unreachable, make_engine, session_scope
from app.main import create_app
from tests.conftest import _create_postgres_database, xdist_worker
from tests.factories import make_article, make_comment, make_user
from tests.helpers import api_token, csrf_from, login

DOWN_MESSAGE = "Haven can't reach its database just now. Please try again in a minute."
SLUG = "living-with-spasticity"

# What a reader, a member and an API client ask for; every one reads the database.
PAGES = ["/", f"/articles/{SLUG}", "/users/sam", "/tags/symptoms", "/settings"]
API = [
    "/api/v1/articles",
    f"/api/v1/articles/{SLUG}",
    f"/api/v1/articles/{SLUG}/comments",
    "/api/v1/users/sam",
    "/api/v1/me",
    "/api/v1/me/comments",
]


def _seed(settings: Settings) -> None:
    with session_scope(settings) as session:
        member = make_user(session, username="sam")
        admin = make_user(session, role=Role.ADMIN, username="ada")
        article = make_article(
            session, title="Living with spasticity", author=admin, tags=["Symptoms"]
        )
        top = make_comment(session, article, author=member, body="Stretching helps.")
        make_comment(session, article, author=admin, parent=top, body="It does.")


def _answers(
    web: TestClient, api: TestClient, *, posts: bool
) -> list[tuple[str, httpx2.Response]]:
    """Every page and API route above, the health check, and with ``posts`` a
    form and an API post."""
    answers = [(path, web.get(path)) for path in PAGES]
    answers += [(path, api.get(path)) for path in API]
    answers.append(("/healthz", web.get("/healthz")))
    if posts:
        form = {"username": "sam", "password": "x", "csrf_token": "x"}
        answers.append(("POST /login", web.post("/login", data=form)))
        comment = {"body": "Hello"}
        path = f"/api/v1/articles/{SLUG}/comments"
        answers.append((f"POST {path}", api.post(path, json=comment)))
    return answers


def _assert_down(web: TestClient, api: TestClient) -> None:
    for where, response in _answers(web, api, posts=True):
        assert response.status_code == 503, (where, response.status_code)
        if where == "/healthz":
            assert response.json() == {"status": "unavailable", "database": "down"}
            continue
        assert response.headers["retry-after"] == "60", where
        if "/api/" in where:
            assert response.json() == {"detail": DOWN_MESSAGE}, where
        else:
            assert DOWN_MESSAGE.replace("'", "&#39;") in response.text, where
    # An unknown address is still "not found", even for a signed-in visitor
    # whom nobody can look up just now.
    assert web.get("/no-such-page").status_code == 404


def _assert_up(web: TestClient, api: TestClient) -> None:
    for where, response in _answers(web, api, posts=False):
        assert response.status_code == 200, (where, response.status_code)
    assert web.get("/healthz").json() == {"status": "ok", "database": "ok"}


@contextmanager
def _signed_in(settings: Settings) -> Iterator[tuple[TestClient, TestClient]]:
    """A browser and an API client of one app, both signed in as sam (through
    another app on the same database, so that this one has opened nothing)."""
    with TestClient(create_app(settings), follow_redirects=False) as before:
        login(before, "sam")
        cookies = dict(before.cookies)
        token = api_token(before, "sam")
    app = create_app(settings)
    with (
        TestClient(app, follow_redirects=False, cookies=cookies) as web,
        TestClient(app, follow_redirects=False) as api,
    ):
        api.headers["Authorization"] = f"Bearer {token}"
        yield web, api


def test_sqlite_out_of_reach_is_503_then_served_again_without_restart(
    settings: Settings, tmp_path: Path
) -> None:
    volume = tmp_path / "volume"
    site = settings.model_copy(
        update={"database_url": f"sqlite:///{volume / 'haven.db'}"}
    )
    migrate.upgrade(site)
    _seed(site)
    with _signed_in(site) as (web, api):
        # A pooled SQLite connection keeps its open file wherever the folder
        # goes, so this outage starts before the app holds one: the volume
        # is not mounted when the site starts.
        away = volume.rename(tmp_path / "unmounted")
        _assert_down(web, api)
        _assert_down(web, api)

        away.rename(volume)
        _assert_up(web, api)


class TcpProxy:
    """Forwards 127.0.0.1:<port> to ``target``; ``close`` cuts every connection."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._listener: socket.socket | None = None
        self._lock = threading.Lock()

    def open(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._start(self._accept, listener)

    def close(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
            if self._listener is not None:
                sockets.append(self._listener)
                self._listener = None
        for sock in sockets:
            # A socket may be shut already, by the other end.
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        threads, self._threads = self._threads, []
        for thread in threads:
            thread.join(timeout=5)

    def _start(self, target: object, *args: socket.socket) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        self._threads.append(thread)
        thread.start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._sockets += [client, upstream]
            self._start(self._pump, client, upstream)
            self._start(self._pump, upstream, client)

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass  # the proxy was closed under us: that is the outage
        with suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


@pytest.fixture
def outage_database(settings: Settings) -> Iterator[str]:
    """A scratch PostgreSQL database whose writes really commit."""
    if settings.is_sqlite:
        pytest.skip("the PostgreSQL outage needs --db postgresql")
    url = make_url(settings.database_url).set(
        database=f"haven_outage_{xdist_worker() or 'main'}"
    )
    rendered = url.render_as_string(hide_password=False)
    admin = make_engine(settings.database_url).execution_options(
        isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {url.database} WITH (FORCE)"))
    _create_postgres_database(rendered)
    migrate.upgrade(settings.model_copy(update={"database_url": rendered}))
    yield rendered
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {url.database} WITH (FORCE)"))
    admin.dispose()


def test_postgresql_cut_off_is_503_then_served_again_without_restart(
    settings: Settings, outage_database: str
) -> None:
    direct = make_url(outage_database)
    _seed(settings.model_copy(update={"database_url": outage_database}))
    proxy = TcpProxy((direct.host or "127.0.0.1", direct.port or 5432))
    proxy.open()
    through_proxy = direct.set(host="127.0.0.1", port=proxy.port)
    site = settings.model_copy(
        update={"database_url": through_proxy.render_as_string(hide_password=False)}
    )
    try:
        with _signed_in(site) as (web, api):
            _assert_up(web, api)  # the pool now holds live connections

            proxy.close()
            _assert_down(web, api)
            _assert_down(web, api)  # and again: nothing half-broken was kept

            proxy.open()  # on the same port
            _assert_up(web, api)
            page = web.get(f"/articles/{SLUG}")
            assert csrf_from(page.text)
    finally:
        proxy.close()


@pytest.mark.parametrize("sql", ["SELEC 1", "SELECT * FROM no_such_table"])
def test_a_mistake_in_sql_is_not_taken_for_an_outage(
    session: Session, sql: str
) -> None:
    """Only a database out of reach is a 503; our own SQL bugs stay 500s."""
    with pytest.raises(DBAPIError) as caught, session.begin_nested():
        session.execute(text(sql))
    assert not database_unreachable(caught.value)


def test_a_broken_statement_is_still_a_server_error(
    settings: Settings, tmp_path: Path
) -> None:
    site = settings.model_copy(
        update={"database_url": f"sqlite:///{tmp_path / 'haven.db'}"}
    )
    migrate.upgrade(site)
    engine = make_engine(site.database_url)
    with engine.begin() as connection:  # a table gone: a bug of ours, not an outage
        connection.execute(text("DROP TABLE article_tag"))
    engine.dispose()
    with TestClient(create_app(site), raise_server_exceptions=False) as client:
        assert client.get("/").status_code == 500
        assert client.get("/healthz").status_code == 200
