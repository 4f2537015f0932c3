"""Haven as it runs in production: `haven serve` in a process of its own.

For the hardening proofs (tests/test_crowd.py, tests/test_crash.py): the server
is the real command with real worker processes, on a fresh database that
`haven db upgrade` migrated. It runs in a process group of its own, so a test
can SIGKILL all its workers at once, as a power cut or the OOM killer would.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import Engine, make_url
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.accounts.models import Role, SessionKind
from app.articles.models import Article
from app.db import make_engine
from app.moderation import policy
from app.moderation.schemas import PolicyUpdate
from tests.conftest import (
    _create_postgres_database,
    _reset_postgres,
    postgres_url,
    require_postgres,
    xdist_worker,
)
from tests.factories import make_article, make_user

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# Starting two workers on a busy two-core machine takes a few seconds.
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(database_url: str, data_dir: Path, base_url: str) -> dict[str, str]:
    """The environment of a server the crowd may hit as hard as it likes."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("HAVEN_") and key not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(
        DATABASE_URL=database_url,
        HAVEN_ENV="test",
        HAVEN_DATA_DIR=str(data_dir),
        HAVEN_SECRET_KEY="real-server-test-secret-not-for-production",
        HAVEN_BASE_URL=base_url,
        # Fifty members posting as fast as they can: no limit may refuse them.
        HAVEN_POST_RATE_LIMIT="",
        HAVEN_LOGIN_LIMIT_ACCOUNT="",
        HAVEN_LOGIN_LIMIT_IP="",
        HAVEN_FORM_MIN_SECONDS="0",
        HAVEN_MAIL_IN_APP="false",
    )
    return env


def haven(
    *args: str, env: dict[str, str], cwd: Path = PROJECT_ROOT
) -> subprocess.CompletedProcess[str]:
    """Run a `haven` command the way an operator would."""
    command = [sys.executable, "-m", "app.cli", *args]
    return subprocess.run(
        command,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@dataclass
class Server:
    """`haven serve --workers N` in a process group of its own."""

    env: dict[str, str]
    port: int
    log: Path
    workers: int = 2
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [sys.executable, "-m", "app.cli", "serve", "--port", str(self.port)]
        command += ["--workers", str(self.workers)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=PROJECT_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: killpg reaches every worker
            )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert self.process is not None
            assert self.process.poll() is None, f"the server died:\n{self.output()}"
            try:
                # Every worker must answer: one request per worker is not
                # proof, so a handful in a row.
                if all(
                    httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200
                    for _ in range(4)
                ):
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, (
                f"the server did not start in {START_TIMEOUT:g} s:\n{self.output()}"
            )
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL the whole group: the supervisor and all its workers at once."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._wait_for_group_gone(self.process.pid)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self._wait_for_group_gone(self.process.pid)

    @staticmethod
    def _wait_for_group_gone(pgid: int) -> None:
        # The workers are reaped by init once the supervisor is gone; until
        # then they may still hold the port or the database file.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def new_site(database_url: str, folder: Path) -> Server:
    """A server, not yet started, for a fresh database `haven db upgrade` migrated."""
    port = free_port()
    env = server_env(database_url, folder / "data", f"http://127.0.0.1:{port}")
    upgraded = haven("db", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    return Server(env=env, port=port, log=folder / "server.log")


@contextmanager
def running(server: Server) -> Iterator[Server]:
    try:
        server.start()
        yield server
    finally:
        server.stop()


def own_postgres_url(suffix: str) -> str:
    """A PostgreSQL database for this proof alone, emptied: the suite's database
    holds rolled-back test data other tests count on, and a server commits."""
    url = require_postgres(postgres_url())
    parsed = make_url(url)
    name = f"{parsed.database or 'test'}_{suffix}"
    if worker := xdist_worker():
        name += f"_{worker}"
    own = parsed.set(database=name).render_as_string(hide_password=False)
    _create_postgres_database(own)
    engine = make_engine(own)
    try:
        _reset_postgres(engine)
    finally:
        engine.dispose()
    return own


@dataclass(frozen=True)
class Cast:
    """Who takes part: the article they post into, and everyone's API token."""

    slug: str
    members: list[str]  # bearer tokens
    moderators: list[str]


def seed(engine: Engine, *, members: int, moderators: int) -> Cast:
    """An article, members whose comments all wait for a moderator, moderators,
    and an API token each (as `POST /api/v1/auth/token` would issue)."""
    with Session(engine, expire_on_commit=False) as session:
        admin = make_user(session, role=Role.ADMIN)
        # No member is trusted however much of theirs is approved: every comment
        # of the crowd goes through the queue.
        policy.update_policy(session, PolicyUpdate(trust_threshold=1000), actor=admin)
        article: Article = make_article(session, title="Crowd", author=admin)

        def token(role: Role) -> str:
            user = make_user(session, role=role)
            return accounts_service.start_session(
                session, user, kind=SessionKind.API, lifetime=timedelta(days=1)
            )

        cast = Cast(
            slug=article.slug,
            members=[token(Role.MEMBER) for _ in range(members)],
            moderators=[token(Role.MODERATOR) for _ in range(moderators)],
        )
        session.commit()
    return cast
