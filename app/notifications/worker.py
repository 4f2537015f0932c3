"""Sending the outbox: `haven worker`, or a thread of the app in development.

A worker claims due rows by moving their ``next_attempt_at`` one lease ahead
(found with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two workers pass each
other's rows by; SQLite's one writer makes the conditional update enough),
commits, writes and sends each, then marks it sent only if it still waits. Two
workers never send one row twice; a worker that dies mid-send leaves its rows to
be taken again when the lease ends. A failure is retried with growing pauses,
at most ``max_attempts`` times; a permanent refusal (SMTP 5xx) marks the row
failed at once and the address as refusing mail.
"""

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, or_, select, update
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.comments import standing
from app.comments.models import QueueStatus
from app.config import Settings
from app.db import WRITE_INTENT, make_sessionmaker, utcnow
from app.notifications.compose import Composer, Letter, Skip
from app.notifications.models import MailKind, Outbox, OutboxStatus, Suppression
from app.notifications.service import email_key, queue_mail
from app.notifications.transport import Permanent, Transport

logger = logging.getLogger("haven.mail")

LEASE = timedelta(minutes=5)
BATCH = 20
DIGEST_EVERY = timedelta(hours=1)
# After the first failure: 1, 4, 16, 64 minutes, then about 4 hours.
FIRST_RETRY = timedelta(minutes=1)


# Handled rows are kept this long (what was sent, and why not), then deleted.
KEEP_HANDLED = timedelta(days=30)
PRUNE_BATCH = 500


def retry_delay(attempts: int) -> timedelta:
    return FIRST_RETRY * int(4 ** max(0, attempts - 1))


@dataclass
class Report:
    sent: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return self.sent + self.skipped + self.retried + self.failed


def claim(session: Session, now: datetime, limit: int = BATCH) -> list[int]:
    """Take up to ``limit`` due rows for this worker; the caller commits.

    The SELECT locks what it finds and passes over rows another worker holds
    (PostgreSQL); the UPDATE moves them a lease ahead only if they are still
    due, so on SQLite (one writer, taken at BEGIN) it is the claim itself. Two
    statements, because PostgreSQL may run a LIMIT subquery inside an UPDATE
    more than once and take more rows than asked.
    """
    due = session.scalars(
        select(Outbox.id)
        .where(Outbox.status == OutboxStatus.WAITING, Outbox.next_attempt_at <= now)
        .order_by(Outbox.next_attempt_at, Outbox.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not due:
        return []
    claimed = session.scalars(
        update(Outbox)
        .where(
            Outbox.id.in_(due),
            Outbox.status == OutboxStatus.WAITING,
            Outbox.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + LEASE, attempts=Outbox.attempts + 1)
        .returning(Outbox.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(claimed)


def prune(session: Session, now: datetime) -> int:
    """Delete up to PRUNE_BATCH rows handled more than KEEP_HANDLED ago (a
    handled row's ``next_attempt_at`` is when it was last claimed), through the
    (status, next_attempt_at) index."""
    old = (
        select(Outbox.id)
        .where(
            Outbox.status.in_(
                [OutboxStatus.SENT, OutboxStatus.SKIPPED, OutboxStatus.FAILED]
            ),
            Outbox.next_attempt_at < now - KEEP_HANDLED,
        )
        .limit(PRUNE_BATCH)
    )
    ids = session.scalars(old).all()
    if ids:
        session.execute(delete(Outbox).where(Outbox.id.in_(ids)))
    return len(ids)


def schedule_digests(session: Session, now: datetime) -> int:
    """Queue the moderators' digest: only when something waits, at most one an
    hour each. The conditional update makes two workers queue it once."""
    counts = standing.queue_counts(session)
    if counts[QueueStatus.PENDING] + counts[QueueStatus.FLAGGED] == 0:
        return 0
    last_allowed = now - DIGEST_EVERY
    due = or_(User.digest_sent_at.is_(None), User.digest_sent_at <= last_allowed)
    moderators = session.scalars(
        select(User.id).where(
            User.role == Role.MODERATOR,
            User.notify_digest.is_(True),
            User.email_verified_at.is_not(None),
            User.banned_at.is_(None),
            due,
        )
    ).all()
    queued = 0
    for user_id in moderators:
        taken = session.execute(
            update(User)
            .where(User.id == user_id, due)
            .values(digest_sent_at=now)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            queue_mail(session, MailKind.DIGEST, user_id=user_id)
            queued += 1
    return queued


class Worker:
    def __init__(
        self,
        settings: Settings,
        sessions: Callable[[], Session],
        transport: Transport,
        *,
        max_attempts: int | None = None,
    ) -> None:
        self.settings = settings
        self.sessionmaker = sessions
        self.transport = transport
        self.composer = Composer(settings)
        self.max_attempts = max_attempts or settings.mail_max_attempts

    def run_once(self, now: datetime | None = None) -> Report:
        """Queue due digests, then send every row due now, batch by batch."""
        report = Report()
        with self._writing() as session:
            prune(session, now or utcnow())
            schedule_digests(session, now or utcnow())
        while True:
            with self._writing() as session:
                ids = claim(session, now or utcnow())
            for row_id in ids:
                self._deliver(row_id, report)
            if len(ids) < BATCH:
                return report

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        """A short transaction that writes (on SQLite it takes the write lock at
        BEGIN, as requests do). No transaction stays open while mail is sent."""
        with self.sessionmaker() as session:
            session.connection(execution_options={WRITE_INTENT: True})
            yield session
            session.commit()

    def _deliver(self, row_id: int, report: Report) -> None:
        with self.sessionmaker() as session:
            row = session.get(Outbox, row_id)
            if row is None or row.status != OutboxStatus.WAITING:
                return
            attempts = row.attempts
            outcome: Letter | Skip | Exception
            try:
                outcome = self.composer.compose(session, row)
            except Exception as exc:  # a bug or a broken template: keep the row
                logger.exception("could not write mail %s", row_id)
                outcome = exc
        if isinstance(outcome, Exception):
            self._retry_or_fail(row_id, attempts, f"writing failed: {outcome}", report)
            return
        if isinstance(outcome, Skip):
            self._finish(row_id, OutboxStatus.SKIPPED, error=outcome.reason)
            report.skipped += 1
            return
        try:
            self.transport.send(self.composer.message(outcome))
        except Permanent as exc:
            self._refused(row_id, outcome, str(exc))
            report.failed += 1
            report.errors.append(str(exc))
            return
        except Exception as exc:
            logger.warning("mail %s to %s not sent: %s", row_id, outcome.to, exc)
            self._retry_or_fail(
                row_id, attempts, str(exc) or type(exc).__name__, report
            )
            return
        self._finish(row_id, OutboxStatus.SENT, letter=outcome)
        report.sent += 1

    def _finish(
        self,
        row_id: int,
        status: OutboxStatus,
        *,
        letter: Letter | None = None,
        error: str | None = None,
        refused: str | None = None,
    ) -> None:
        """Record the outcome, and what was written, if the row still waits (the
        claim made it ours); ``refused`` marks the address as refusing mail."""
        values: dict[str, object] = {"status": status, "last_error": error}
        if letter is not None:
            values |= {
                "to_address": letter.to,
                "subject": letter.subject,
                "body": None if letter.secret else letter.text,
            }
        if status is OutboxStatus.SENT:
            values["sent_at"] = utcnow()
        with self._writing() as session:
            if refused is not None and session.get(Suppression, refused) is None:
                session.add(Suppression(email_key=refused, reason=(error or "")[:500]))
            session.execute(
                update(Outbox)
                .where(Outbox.id == row_id, Outbox.status == OutboxStatus.WAITING)
                .values(values)
                .execution_options(synchronize_session=False)
            )

    def _refused(self, row_id: int, letter: Letter, why: str) -> None:
        logger.warning("mail %s to %s refused for good: %s", row_id, letter.to, why)
        self._finish(
            row_id,
            OutboxStatus.FAILED,
            letter=letter,
            error=why,
            refused=email_key(letter.to),
        )

    def _retry_or_fail(
        self, row_id: int, attempts: int, why: str, report: Report
    ) -> None:
        report.errors.append(why)
        if attempts >= self.max_attempts:
            self._finish(row_id, OutboxStatus.FAILED, error=why)
            report.failed += 1
            return
        with self._writing() as session:
            session.execute(
                update(Outbox)
                .where(Outbox.id == row_id, Outbox.status == OutboxStatus.WAITING)
                .values(
                    next_attempt_at=utcnow() + retry_delay(attempts), last_error=why
                )
                .execution_options(synchronize_session=False)
            )
        report.retried += 1

    def run_forever(self, stop: threading.Event, poll_seconds: float) -> None:
        """Send what is due every ``poll_seconds`` until ``stop`` is set."""
        while not stop.is_set():
            try:
                report = self.run_once()
                if report.handled:
                    logger.info(
                        "mail: %d sent, %d skipped, %d to retry, %d failed",
                        report.sent,
                        report.skipped,
                        report.retried,
                        report.failed,
                    )
            except Exception:
                logger.exception("the mail worker's round failed; trying again")
            stop.wait(poll_seconds)


def start_in_app(
    settings: Settings, engine: Engine, transport: Transport
) -> "InAppWorker":
    worker = InAppWorker(
        Worker(settings, make_sessionmaker(engine), transport),
        settings.mail_poll_seconds,
    )
    worker.start()
    return worker


class InAppWorker:
    """The worker as a thread of the web app (development, or a one-process site)."""

    def __init__(self, worker: Worker, poll_seconds: float) -> None:
        self.worker = worker
        self.stop_event = threading.Event()
        self.thread = threading.Thread(
            target=worker.run_forever,
            args=(self.stop_event, poll_seconds),
            name="haven-mail",
            daemon=True,
        )

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=10)
