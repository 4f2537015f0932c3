"""The outbox and its worker: rows written with their cause, sent once, retried."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.accounts.models import User
from app.comments.models import CommentStatus
from app.config import Settings
from app.db import utcnow
from app.moderation import service as moderation_service
from app.moderation.models import Decision
from app.notifications.models import MailKind, Outbox, OutboxStatus, Suppression
from app.notifications.service import queue_mail
from app.notifications.transport import ConsoleTransport, SmtpTransport
from app.notifications.worker import Worker, claim, retry_delay
from tests.factories import make_article, make_comment, make_user
from tests.mailserver import Inbox
from tests.notifications.conftest import MakeWorker, SendMail

pytestmark = pytest.mark.smtp


def _waiting(session: Session) -> int:
    return (
        session.scalar(
            select(func.count(Outbox.id)).where(Outbox.status == OutboxStatus.WAITING)
        )
        or 0
    )


def test_a_rolled_back_decision_sends_nothing(
    session: Session, moderator: User, inbox: Inbox, send_mail: SendMail
) -> None:
    author = make_user(session)
    comment = make_comment(
        session, make_article(session), author=author, status=CommentStatus.PENDING
    )
    nested = session.begin_nested()
    moderation_service.decide(session, comment, Decision.APPROVE, actor=moderator)
    assert _waiting(session) == 1  # written with the decision...
    nested.rollback()
    assert _waiting(session) == 0  # ...and gone with it

    send_mail()

    assert inbox.to(author.email) == []
    assert session.scalars(select(Outbox.kind)).all() == [MailKind.DIGEST]


def test_each_row_is_sent_once_and_marked_sent(
    session: Session, inbox: Inbox, send_mail: SendMail
) -> None:
    member = make_user(session)
    queue_mail(session, MailKind.PASSWORD_RESET, user_id=member.id)

    first, second = send_mail(), send_mail()

    assert (first.sent, second.sent) == (1, 0)
    inbox.only(member.email)
    row = session.scalars(select(Outbox)).one()
    assert row.status == OutboxStatus.SENT
    assert row.sent_at is not None
    assert row.to_address == member.email
    assert row.subject == "Reset your Haven password"
    assert row.attempts == 1
    assert row.body is None  # the reset link is not kept where the database is read


def test_a_failed_send_is_retried_with_growing_pauses_then_given_up(
    session: Session, make_worker: MakeWorker, inbox: Inbox
) -> None:
    member = make_user(session)
    queue_mail(session, MailKind.PASSWORD_RESET, user_id=member.id)
    # Nothing listens on this port: every try fails.
    worker = make_worker(SmtpTransport(host="127.0.0.1", port=9), max_attempts=3)
    now = utcnow()
    first = worker.run_once(now)
    session.expire_all()
    row = session.scalars(select(Outbox)).one()
    assert first.retried == 1
    assert row.status == OutboxStatus.WAITING
    assert row.last_error
    assert row.next_attempt_at > now + retry_delay(1) - timedelta(seconds=5)

    assert worker.run_once(now).handled == 0  # not due yet
    worker.run_once(now + timedelta(hours=1))
    third = worker.run_once(now + timedelta(hours=2))
    session.expire_all()
    assert third.failed == 1
    row = session.scalars(select(Outbox)).one()
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 3)
    assert inbox.messages == []


def test_a_refused_address_fails_at_once_and_gets_nothing_more(
    session: Session, moderator: User, inbox: Inbox, send_mail: SendMail
) -> None:
    member = make_user(session)
    inbox.refuse.add(member.email)
    queue_mail(session, MailKind.PASSWORD_RESET, user_id=member.id)

    report = send_mail()

    assert report.failed == 1
    row = session.scalars(select(Outbox)).one()
    assert row.status == OutboxStatus.FAILED
    assert "550" in (row.last_error or "")
    assert session.get(Suppression, member.email_key) is not None

    # Even when the server would take it now, nothing more goes to that address.
    inbox.refuse.clear()
    comment = make_comment(
        session, make_article(session), author=member, status=CommentStatus.PENDING
    )
    moderation_service.decide(session, comment, Decision.APPROVE, actor=moderator)
    later = send_mail()
    assert (later.sent, later.skipped) == (0, 1)
    assert inbox.messages == []


def test_the_console_transport_prints_the_mail(
    session: Session, make_worker: MakeWorker, capsys: pytest.CaptureFixture[str]
) -> None:
    member = make_user(session)
    queue_mail(session, MailKind.PASSWORD_RESET, user_id=member.id)
    make_worker(ConsoleTransport()).run_once()

    printed = capsys.readouterr().out
    assert f"To: {member.email}" in printed
    assert "Subject: Reset your Haven password" in printed
    assert "http://testserver/reset-password/" in printed


def test_two_workers_never_send_one_row_twice(
    committed_database: Engine, mail_settings: Settings, inbox: Inbox
) -> None:
    sessions = sessionmaker(bind=committed_database, expire_on_commit=False)
    with sessions() as session:
        members = [make_user(session) for _ in range(30)]
        for member in members:
            queue_mail(session, MailKind.PASSWORD_RESET, user_id=member.id)
        session.commit()
    transport = SmtpTransport.from_url(mail_settings.smtp_url)
    workers = [Worker(mail_settings, sessions, transport) for _ in range(2)]
    start = threading.Barrier(2)
    reports = []

    def run(worker: Worker) -> None:
        start.wait()
        reports.append(worker.run_once())

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sum(report.sent for report in reports) == 30
    assert sorted(m["To"] for m in inbox.messages) == sorted(m.email for m in members)
    with sessions() as session:
        statuses = session.scalars(select(Outbox.status)).all()
        assert set(statuses) == {OutboxStatus.SENT}


def test_claiming_skips_rows_another_worker_holds(
    committed_database: Engine, backend: str
) -> None:
    sessions = sessionmaker(bind=committed_database, expire_on_commit=False)
    with sessions() as session:
        member = make_user(session)
        for _ in range(3):
            queue_mail(session, MailKind.PASSWORD_RESET, user_id=member.id)
        session.commit()
    now = utcnow()
    with sessions() as first:
        taken = claim(first, now, limit=2)
        if backend == "postgresql":
            # Still inside the first claim's transaction: its rows are locked.
            with sessions() as second:
                assert claim(second, now, limit=5) == [max(taken) + 1]
                second.rollback()
        first.commit()
    with sessions() as later:
        assert len(taken) == 2
        # The row the second worker let go is still there for the next round.
        assert claim(later, now, limit=5) == [max(taken) + 1]


def test_handled_rows_are_kept_a_month_then_pruned(
    session: Session, make_worker: MakeWorker, inbox: Inbox
) -> None:
    member = make_user(session)
    for _ in range(2):
        queue_mail(session, MailKind.PASSWORD_RESET, user_id=member.id)
    worker = make_worker()
    now = utcnow()
    assert worker.run_once(now).sent == 2
    queue_mail(session, MailKind.PASSWORD_RESET, user_id=member.id)  # still waiting
    session.commit()

    worker.run_once(now + timedelta(days=29))
    session.expire_all()
    assert session.scalar(select(func.count(Outbox.id))) == 3
    worker.run_once(now + timedelta(days=31))
    session.expire_all()
    # The two old ones are gone; the third was sent on day 29 and stays.
    rows = session.scalars(select(Outbox)).all()
    assert [row.status for row in rows] == [OutboxStatus.SENT]
    assert len(inbox.messages) == 3
