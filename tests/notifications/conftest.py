"""Mail tests: a real SMTP server (aiosmtpd) on a free local port, and the worker.

The worker runs on the test's own connection (its sessions join the test's
transaction through savepoints), so what the test and the app wrote is what it
sends, and everything is still rolled back afterwards. Tests that need two
workers on separate connections use ``committed_database`` instead.
"""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app import migrate
from app.config import Settings
from app.db import make_engine
from app.notifications.transport import SmtpTransport, Transport
from app.notifications.worker import Report, Worker
from tests.conftest import _create_postgres_database, _reset_postgres, xdist_worker
from tests.mailserver import Inbox, smtp_server

__all__ = ["smtp_server"]  # a fixture, shared with the browser tests


@pytest.fixture
def inbox(smtp_server: tuple[int, Inbox]) -> Inbox:
    _, inbox = smtp_server
    inbox.messages.clear()
    inbox.refuse.clear()
    return inbox


@pytest.fixture
def mail_settings(settings: Settings, smtp_server: tuple[int, Inbox]) -> Settings:
    port, _ = smtp_server
    return settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{port}"})


MakeWorker = Callable[..., Worker]
SendMail = Callable[..., Report]


@pytest.fixture
def make_worker(session: Session, mail_settings: Settings) -> MakeWorker:
    """A worker on the test's own connection (its sessions join the test's
    transaction), sending to the test SMTP server unless given a transport."""

    def make(transport: Transport | None = None, **options: Any) -> Worker:
        session.commit()  # what the test set up counts as committed
        connection = session.connection()
        return Worker(
            mail_settings,
            lambda: Session(
                bind=connection,
                join_transaction_mode="create_savepoint",
                expire_on_commit=False,
            ),
            transport or SmtpTransport.from_url(mail_settings.smtp_url),
            **options,
        )

    return make


@pytest.fixture
def send_mail(session: Session, make_worker: MakeWorker) -> SendMail:
    """Run the worker once, on the test's connection; returns its report."""

    def run(**options: Any) -> Report:
        report = make_worker(**options).run_once()
        session.expire_all()
        return report

    return run


@pytest.fixture
def committed_database(
    backend: str, settings: Settings, tmp_path: Any
) -> Iterator[Engine]:
    """A migrated database of its own, where work really commits (for tests of
    several workers on separate connections)."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'committed.db'}"
    else:
        url = (
            settings.database_url.rsplit("/", 1)[0]
            + f"/mail_{xdist_worker() or 'main'}"
        )
        _create_postgres_database(url)
    engine = make_engine(url)
    if backend != "sqlite":
        _reset_postgres(engine)
    with engine.begin() as connection:
        migrate.upgrade(settings.model_copy(update={"database_url": url}), connection)
    yield engine
    if backend != "sqlite":
        with engine.connect() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
            connection.commit()
    engine.dispose()
