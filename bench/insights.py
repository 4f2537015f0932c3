"""Time the moderators' insights (issue #19) over a site of many comments.

    python -m bench.insights [--comments 200000] [--database-url URL] [--plans] [--reuse]

Without ``--database-url`` a fresh SQLite file in a temporary folder is used; a
PostgreSQL URL must name a **dedicated** database: its schema is dropped and
re-created. Comments are bulk-inserted over the last 400 days (85 % published
at once, 12 % held then decided, with their audit-log rows, 3 % still waiting)
with reports on 2 % of them; then ``insights.stats`` is timed for 30 and 365
days, best of three, and ``--plans`` prints each query's plan.
"""

# ruff: noqa: T201, S311 (a console tool on seeded data)

import argparse
import random
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, text
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.articles import service as articles_service
from app.articles.models import ArticleStatus
from app.articles.schemas import ArticleCreate
from app.comments.models import Comment, CommentStatus, Flag, FlagReason
from app.config import Settings
from app.db import session_scope, utcnow
from app.moderation import insights
from app.moderation.models import ActionKind, ModerationAction
from bench import database
from bench.seed import _fast_hashing

BATCH = 100_000
DAYS = 400
ARTICLES = 200
DECIDED = {
    CommentStatus.APPROVED: ActionKind.APPROVE,
    CommentStatus.REJECTED: ActionKind.REJECT,
    CommentStatus.SPAM: ActionKind.SPAM,
}


def seed(settings: Settings, comments: int) -> None:
    """The site: an admin, 50 readers, 200 articles (a few busy, most quiet) and
    ``comments`` comments; set-based on PostgreSQL, batched on SQLite."""
    with _fast_hashing(), session_scope(settings) as session:
        admin = database.admin(session)
        readers = [
            accounts_service.create_user(
                session,
                username=f"reader{n}",
                email=f"reader{n}@bench.invalid",
                password="bench-password-1234",  # noqa: S106
            ).id
            for n in range(50)
        ]
        article_ids = [
            articles_service.create_article(
                session,
                ArticleCreate(
                    title=f"Living with MS, part {n}",
                    summary="A bench article.",
                    body="Body.",
                    status=ArticleStatus.PUBLISHED,
                    tags=[],
                ),
                actor=admin,
            ).id
            for n in range(ARTICLES)
        ]
        session.flush()
        ids = Ids(admin=admin.id, readers=readers, articles=article_ids)
        bulk = _bulk_sqlite if settings.is_sqlite else _bulk_postgresql
        started = time.perf_counter()
        for done in bulk(session, comments, ids):
            elapsed = time.perf_counter() - started
            print(f"  {done:>9,} comments  {elapsed:6.1f} s", flush=True)


@dataclass(frozen=True)
class Ids:
    admin: int
    readers: list[int]
    articles: list[int]


def _bulk_sqlite(session: Session, comments: int, ids: Ids) -> Iterator[int]:
    """Rows made here and sent in batches with executemany; yields the count so far."""
    rng = random.Random(19)
    now = utcnow()
    # Ids grow with time, as on a live site; the indexes on created_at then
    # grow at their end, and a big page cache keeps the others' pages at hand.
    session.execute(text("PRAGMA cache_size = -262144"))
    ages = sorted(
        (rng.uniform(0, DAYS * 24 * 60) for _ in range(comments)), reverse=True
    )
    for start in range(0, comments, BATCH):
        rows, actions, flags = [], [], []
        for next_id in range(start + 1, min(start + BATCH, comments) + 1):
            created = now - timedelta(minutes=ages[next_id - 1])
            roll = rng.random()
            row: dict[str, Any] = {
                "id": next_id,
                "article_id": ids.articles[int(rng.paretovariate(1.2)) % ARTICLES],
                "depth": 1,
                "body": "A comment.",
                "body_html": "<p>A comment.</p>",
                "guest_name": "Guest",
                "locked": False,
                "created_at": created,
                "status": CommentStatus.APPROVED,
                "decided_at": None,
            }
            if roll < 0.03:
                row["status"] = CommentStatus.PENDING
            elif roll < 0.15:
                status = rng.choice(list(DECIDED))
                decided = min(
                    created + timedelta(minutes=rng.expovariate(1 / 240)), now
                )
                row |= {"status": status, "decided_at": decided}
                actions.append(
                    {
                        "action": DECIDED[status],
                        "comment_id": next_id,
                        "actor_id": ids.admin,
                        "created_at": decided,
                    }
                )
            elif roll < 0.17:
                flags.append(
                    {
                        "comment_id": next_id,
                        "reporter_id": rng.choice(ids.readers),
                        "reason": rng.choice(list(FlagReason)),
                        "created_at": created + timedelta(minutes=5),
                    }
                )
            rows.append(row)
        session.execute(insert(Comment.__table__), rows)
        if actions:
            session.execute(insert(ModerationAction.__table__), actions)
        if flags:
            session.execute(insert(Flag.__table__), flags)
        yield start + len(rows)


# The same shape as _bulk_sqlite's, drawn by PostgreSQL's random() (seeded):
# an article by a Pareto draw, 3 % still waiting, 12 % held then decided
# (exponential wait, mean 4 hours) with their audit rows, 2 % reported.
_DRAW = """
CREATE TEMP TABLE bench_draw AS
SELECT n AS id,
       CAST(:now AS timestamptz) - random() * interval '{days} days' AS created_at,
       random() AS roll,
       CAST(floor(power(1 - random(), -1 / 1.2)) AS bigint) % {articles} AS slot,
       random() AS pick,
       random() AS wait
FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS n
"""
_COMMENTS = """
INSERT INTO comment (id, article_id, depth, body, body_html, guest_name, locked,
                     created_at, status, decided_at)
SELECT id, (CAST(:articles AS integer[]))[slot + 1], 1, 'A comment.',
       '<p>A comment.</p>', 'Guest', false, created_at,
       CASE WHEN roll < 0.03 THEN 'pending'
            WHEN roll < 0.15 THEN (ARRAY['approved', 'rejected', 'spam'])[1 + floor(pick * 3)]
            ELSE 'approved' END,
       CASE WHEN roll >= 0.03 AND roll < 0.15
            THEN least(created_at - ln(1 - wait) * 240 * interval '1 minute',
                       CAST(:now AS timestamptz)) END
FROM bench_draw
"""
_ACTIONS = """
INSERT INTO moderation_action (action, comment_id, actor_id, created_at)
SELECT CASE status WHEN 'approved' THEN 'approve' WHEN 'rejected' THEN 'reject'
                   ELSE 'spam' END,
       id, :admin, decided_at
FROM comment WHERE id BETWEEN :first AND :last AND decided_at IS NOT NULL
"""
_FLAGS = """
INSERT INTO flag (comment_id, reporter_id, reason, created_at)
SELECT id, (CAST(:readers AS integer[]))[1 + floor(pick * {readers})],
       (CAST(:reasons AS text[]))[1 + floor(wait * {reasons})],
       created_at + interval '5 minutes'
FROM bench_draw WHERE roll >= 0.15 AND roll < 0.17
"""


def _bulk_postgresql(session: Session, comments: int, ids: Ids) -> Iterator[int]:
    """INSERT ... SELECT over generate_series, a batch at a time; yields the count so far."""
    now = utcnow()
    session.execute(text("SELECT setseed(0.19)"))
    draw = _DRAW.format(days=DAYS, articles=ARTICLES)
    flags = _FLAGS.format(readers=len(ids.readers), reasons=len(FlagReason))
    for start in range(0, comments, BATCH):
        batch = {"first": start + 1, "last": min(start + BATCH, comments)}
        session.execute(text("DROP TABLE IF EXISTS bench_draw"))
        session.execute(text(draw), {"now": now, **batch})
        session.execute(text(_COMMENTS), {"now": now, "articles": ids.articles})
        session.execute(text(_ACTIONS), {"admin": ids.admin, **batch})
        session.execute(
            text(flags),
            {"readers": ids.readers, "reasons": [str(r) for r in FlagReason]},
        )
        yield batch["last"]
    session.execute(text("DROP TABLE bench_draw"))
    session.execute(
        text("SELECT setval('comment_id_seq', (SELECT max(id) FROM comment))")
    )


@contextmanager
def captured(session: Session) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []
    engine = session.get_bind()

    def keep(_c: Any, _cur: Any, statement: str, params: Any, *_: Any) -> None:
        statements.append((statement, params))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def plans(session: Session, *, days: int, sqlite: bool) -> None:
    """Each statement ``stats`` runs for ``days``, with its plan (PostgreSQL: as
    run, with its timings)."""
    moderator = session.get(insights.User, 1)
    with captured(session) as statements:
        insights.stats(session, days=days, actor=moderator)
    connection = session.connection()
    print(f"\n## Plans, days={days}")
    for statement, params in statements:
        if (
            not statement.lstrip().upper().startswith("SELECT")
            or "FROM site_setting" in statement
        ):
            continue
        print("\n" + " ".join(statement.split())[:300])
        prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, COSTS OFF) "
        for row in connection.exec_driver_sql(prefix + statement, params):
            print("   ", row[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=200_000)
    parser.add_argument("--database-url")
    parser.add_argument("--plans", action="store_true")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="time the site a previous run seeded in --database-url; no seeding",
    )
    args = parser.parse_args()
    if args.reuse and not args.database_url:
        parser.error("--reuse needs the --database-url of a seeded site")
    folder = Path(tempfile.mkdtemp(prefix="haven-insights-"))
    url = args.database_url or f"sqlite:///{folder / 'insights.db'}"
    settings = Settings(database_url=url, data_dir=folder)
    if not args.reuse:
        database.fresh(settings)
        started = time.perf_counter()
        seed(settings, args.comments)
        elapsed = time.perf_counter() - started
        print(f"seeded {args.comments:,} comments in {elapsed:.1f} s")
        database.analyze(settings)
    with session_scope(settings) as session:
        moderator = session.get(insights.User, 1)
        for days in (30, 365):
            best = float("inf")
            for _ in range(3):
                started = time.perf_counter()
                figures = insights.stats(session, days=days, actor=moderator)
                best = min(best, time.perf_counter() - started)
            posted = sum(d.posted for d in figures.days)
            print(
                f"stats days={days:3}: {best * 1000:7.1f} ms ({posted} comments posted)"
            )
        if args.plans:
            for days in (30, 365):
                plans(session, days=days, sqlite=settings.is_sqlite)


if __name__ == "__main__":
    main()
