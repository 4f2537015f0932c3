"""Time the moderators' insights (issue #19) over a site of many comments.

    python -m bench.insights [--comments 200000] [--database-url URL] [--plans]

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
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, text
from sqlalchemy.orm import Session

from app import migrate
from app.accounts import service as accounts_service
from app.accounts.models import Role
from app.articles import service as articles_service
from app.articles.models import ArticleStatus
from app.articles.schemas import ArticleCreate
from app.comments.models import Comment, CommentStatus, Flag, FlagReason
from app.config import Settings
from app.db import make_engine, session_scope, utcnow
from app.moderation import insights
from app.moderation.models import ActionKind, ModerationAction
from bench.seed import _fast_hashing

BATCH = 20_000
DECIDED = {
    CommentStatus.APPROVED: ActionKind.APPROVE,
    CommentStatus.REJECTED: ActionKind.REJECT,
    CommentStatus.SPAM: ActionKind.SPAM,
}


def seed(settings: Settings, comments: int) -> None:
    rng = random.Random(19)
    now = utcnow()
    with _fast_hashing(), session_scope(settings) as session:
        admin = accounts_service.create_user(
            session,
            username="bench_admin",
            email="bench_admin@bench.invalid",
            password="bench-password-1234",  # noqa: S106 (a throwaway site)
            role=Role.ADMIN,
        )
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
            for n in range(200)
        ]
        session.flush()
        next_id = 1
        for start in range(0, comments, BATCH):
            rows, actions, flags = [], [], []
            for _ in range(min(BATCH, comments - start)):
                created = now - timedelta(minutes=rng.uniform(0, 400 * 24 * 60))
                roll = rng.random()
                row: dict[str, Any] = {
                    "id": next_id,
                    "article_id": article_ids[int(rng.paretovariate(1.2)) % 200],
                    "depth": 1,
                    "body": "A comment.",
                    "body_html": "<p>A comment.</p>",
                    "guest_name": "Guest",
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
                            "actor_id": admin.id,
                            "created_at": decided,
                        }
                    )
                elif roll < 0.17:
                    flags.append(
                        {
                            "comment_id": next_id,
                            "reporter_id": rng.choice(readers),
                            "reason": rng.choice(list(FlagReason)),
                            "created_at": created + timedelta(minutes=5),
                        }
                    )
                rows.append(row)
                next_id += 1
            session.execute(insert(Comment.__table__), rows)
            if actions:
                session.execute(insert(ModerationAction.__table__), actions)
            if flags:
                session.execute(insert(Flag.__table__), flags)
        if not settings.is_sqlite:
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


def plans(session: Session, sqlite: bool) -> None:
    moderator = session.get(insights.User, 1)
    with captured(session) as statements:
        insights.stats(session, days=30, actor=moderator)
    connection = session.connection()
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
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="haven-insights-"))
    url = args.database_url or f"sqlite:///{folder / 'insights.db'}"
    settings = Settings(database_url=url, data_dir=folder)
    if not settings.is_sqlite:
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    migrate.upgrade(settings)
    started = time.perf_counter()
    seed(settings, args.comments)
    print(f"seeded {args.comments} comments in {time.perf_counter() - started:.1f} s")
    engine = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("ANALYZE" if settings.is_sqlite else "VACUUM ANALYZE"))
    engine.dispose()
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
            plans(session, settings.is_sqlite)


if __name__ == "__main__":
    main()
