"""Seed the benchmark databases: Haven's threads, Haven's moderation queue, and Isso.

    python -m bench.seed [--quick] [--data-dir bench/data]

Haven is seeded through its own services: every thread comment is posted by its
author with comments_service.post_comment (pending, as for any member) and then
approved by a moderator with moderation_service.decide, so the stored rows carry
the real tree columns, decision stamps and audit-log entries. Isso is seeded with
its own db module, which flattens replies exactly as its POST /new does.
"""

# ruff: noqa: T201, S105, S311, S603 (a console tool: throwaway credentials, seeded data)

import argparse
import json
import random
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from app import migrate
from app.accounts import service as accounts_service
from app.accounts.models import Role, SessionKind, User
from app.articles import service as articles_service
from app.articles.models import Article, ArticleStatus
from app.articles.schemas import ArticleCreate
from app.comments import duplicates, standing
from app.comments import service as comments_service
from app.comments.models import Comment, CommentStatus, place_under
from app.comments.schemas import CommentCreate
from app.config import Settings
from app.db import session_scope
from app.demo_content import ARTICLES
from app.markup import Profile, render_markdown
from app.moderation import service as moderation_service
from app.moderation.models import Decision
from app.moderation.policy import update_policy
from app.moderation.schemas import PolicyUpdate
from app.security import hash_password
from bench import shapes

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_DATA_DIR = BENCH_DIR / "data"
ISSO_PYTHON = BENCH_DIR / ".venv-isso" / "bin" / "python"
# Shared by every bench account; argon2 runs once, not 4,000 times (see _fast_hashing).
PASSWORD = "bench-password-not-secret-7f3a"
SECRET_KEY = "bench-secret-key-not-for-production-0123456789abcdef"
WRITE_SLUG = "write-200"
QUEUE_SIZE = 100_000
QUEUE_AUTHORS = QUEUE_SIZE // 5


def thread_slug(n: int) -> str:
    return f"thread-{n}"


def haven_settings(url: str, data_dir: Path) -> Settings:
    return Settings(
        database_url=url,
        data_dir=data_dir / "haven",
        secret_key=SECRET_KEY,
        login_limit_account="",
        login_limit_ip="",
    )


class Progress:
    """A line every tenth of the way (or every ``every`` items)."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total = label, total
        self.step = max(1, total // 10)
        self.start = time.perf_counter()

    def tick(self, done: int) -> None:
        if done % self.step == 0 or done == self.total:
            rate = done / max(time.perf_counter() - self.start, 1e-9)
            print(f"  {self.label}: {done}/{self.total} ({rate:,.0f}/s)", flush=True)


@contextmanager
def _fast_hashing() -> Iterator[None]:
    """Bench accounts all get the same argon2 hash, computed once.

    create_user otherwise spends ~40 ms per account; the stored row is identical
    in shape, and every account still signs in with PASSWORD.
    """
    fixed = hash_password(PASSWORD)
    with mock.patch.object(accounts_service, "hash_password", return_value=fixed):
        yield


def _fresh_database(settings: Settings) -> None:
    if settings.is_sqlite:
        path = Path(settings.database_url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:  # a dedicated database named on the command line: start from nothing
        migrate.downgrade(settings, revision="base")
    migrate.upgrade(settings)


def _staff_and_articles(session: Session, slugs: list[str]) -> dict[str, Article]:
    admin = accounts_service.create_user(
        session,
        username="bench_admin",
        email="bench_admin@example.org",
        password=PASSWORD,
        display_name="Bench author",
        role=Role.ADMIN,
        bio="Writes the *benchmark* articles.",
    )
    # Every bench comment waits for the moderator, as the shapes say: no author
    # reaches 1,000 approved comments, so the threads are approved one by one
    # and the queue stays pending (the default trusts a member after one).
    update_policy(session, PolicyUpdate(trust_threshold=1000), actor=admin)
    accounts_service.create_user(
        session,
        username="bench_moderator",
        email="bench_moderator@example.org",
        password=PASSWORD,
        role=Role.MODERATOR,
    )
    accounts_service.create_user(
        session,
        username="bench_writer",
        email="bench_writer@example.org",
        password=PASSWORD,
    )
    articles = {}
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for i, slug in enumerate(slugs):
        demo = ARTICLES[i % len(ARTICLES)]
        articles[slug] = articles_service.create_article(
            session,
            ArticleCreate(
                title=f"{demo['title']} ({slug})",
                slug=slug,
                summary=demo["summary"],
                body=demo["body"],
                status=ArticleStatus.PUBLISHED,
                tags=demo["tags"],
            ),
            actor=admin,
            published_at=base - timedelta(days=i),
        )
    return articles


def _authors(session: Session, count: int) -> list[User]:
    """The shared author pool, created on first use (bench_00000, ...)."""
    existing = {
        u.username: u
        for u in session.scalars(
            select(User).where(User.username.like("bench\\_0%", escape="\\"))
        )
    }
    pool: list[User] = []
    for i in range(count):
        person = shapes.author(i)
        user = existing.get(person.username)
        if user is None:
            user = accounts_service.create_user(
                session,
                username=person.username,
                email=person.email or f"{person.username}@example.org",
                password=PASSWORD,
                display_name=person.display_name,
            )
        pool.append(user)
    return pool


def _user(session: Session, username: str) -> User:
    return accounts_service.get_user(session, username)


# The thread the write case posts into has the 200 thread's shape but text of
# its own: the same authors can't post the same text twice.
WRITE_SEED = shapes.SEED + 1


def seed_thread(
    session: Session, article: Article, n: int, *, label: str, seed: int = shapes.SEED
) -> list[int]:
    """Post shape(n) into ``article`` as its authors, each approved by the moderator.

    A thread of the same size in another article needs another ``seed``: an
    author can't post the same text twice (app.comments.duplicates)."""
    moderator = _user(session, "bench_moderator")
    authors = _authors(session, shapes.author_pool_size(n))
    ids: list[int] = []
    progress = Progress(label, n)
    for c in shapes.thread(n, seed):
        comment = comments_service.post_comment(
            session,
            article,
            CommentCreate(
                body=c.body, parent_id=ids[c.parent] if c.parent is not None else None
            ),
            actor=authors[c.author],
            allow_guests=False,
        )
        moderation_service.decide(session, comment, Decision.APPROVE, actor=moderator)
        # Backdated to the shape's clock: the order and dates never depend on "now".
        comment.created_at = datetime.fromtimestamp(c.created, UTC)
        ids.append(comment.id)
        progress.tick(len(ids))
    session.flush()
    return ids


def seed_threads(settings: Settings, sizes: list[int]) -> dict[str, object]:
    """One database: an article per thread size, plus a copy of the 200 thread for writes."""
    _fresh_database(settings)
    slugs = [thread_slug(n) for n in sizes] + [WRITE_SLUG]
    with _fast_hashing(), session_scope(settings) as session:
        _staff_and_articles(session, slugs)
    result: dict[str, object] = {}
    for n in sizes:
        with _fast_hashing(), session_scope(settings) as session:
            article = articles_service.get_article(session, thread_slug(n), viewer=None)
            seed_thread(session, article, n, label=f"haven {thread_slug(n)}")
    with _fast_hashing(), session_scope(settings) as session:
        article = articles_service.get_article(session, WRITE_SLUG, viewer=None)
        result["write_ids"] = seed_thread(
            session, article, 200, label=f"haven {WRITE_SLUG}", seed=WRITE_SEED
        )
    with _fast_hashing(), session_scope(settings) as session:
        result["member_cookie"] = reader_session(session)
    return result


def reader_session(session: Session) -> str:
    """A member who reads the threads (and wrote none of them), signed in: the
    "member" case reads as them with this browser session's cookie."""
    reader = accounts_service.find_user(session, "bench_reader")
    if reader is None:
        reader = accounts_service.create_user(
            session,
            username="bench_reader",
            email="bench_reader@example.org",
            password=PASSWORD,
            display_name="Bench Reader",
        )
    return accounts_service.start_session(
        session, reader, kind=SessionKind.BROWSER, lifetime=timedelta(days=30)
    )


QUEUE_BODIES = 1000  # distinct bodies in bulk mode, each rendered once by app.markup


def seed_queue(settings: Settings, size: int, *, bulk: bool) -> dict[str, object]:
    """A site with one approved 200 thread and ``size`` pending comments waiting.

    40 % are top level across the articles, 60 % replies to the approved thread.
    By default each is posted by its member with post_comment; ``bulk`` inserts
    the rows with one Core INSERT per 5,000, the HTML rendered by app.markup from
    QUEUE_BODIES distinct bodies (the service path runs at ~40 comments/s here).
    """
    _fresh_database(settings)
    slugs = [thread_slug(n) for n in shapes.SIZES]
    with _fast_hashing(), session_scope(settings) as session:
        _staff_and_articles(session, slugs)
    with _fast_hashing(), session_scope(settings) as session:
        article = articles_service.get_article(session, thread_slug(200), viewer=None)
        approved = seed_thread(session, article, 200, label="queue approved thread")
    rng = random.Random(f"{shapes.SEED}-queue")
    with _fast_hashing(), session_scope(settings) as session:
        authors = _authors(session, min(QUEUE_AUTHORS, max(5, size // 5)))
        articles = [
            articles_service.get_article(session, s, viewer=None) for s in slugs
        ]
        parents = {
            c.id: c
            for c in session.scalars(select(Comment).where(Comment.id.in_(approved)))
        }
        bodies = [shapes.markdown_body(rng) for _ in range(QUEUE_BODIES)]
        rendered = {b: render_markdown(b, Profile.COMMENT) for b in bodies}
        next_id = (session.scalar(select(func.max(Comment.id))) or 0) + 1
        progress = Progress("queue pending", size)
        start = datetime(2026, 2, 1, tzinfo=UTC)
        rows: list[dict[str, object]] = []
        for i in range(size):
            body = rng.choice(bodies) if bulk else shapes.markdown_body(rng)
            author = authors[rng.randrange(len(authors))]
            top = rng.random() < shapes.TOP_LEVEL_SHARE
            parent = None if top else parents[approved[rng.randrange(len(approved))]]
            target = (
                article_of(articles, parent) if parent else articles[i % len(articles)]
            )
            created = start + timedelta(seconds=i)
            if not bulk:
                comment = comments_service.post_comment(
                    session,
                    target,
                    CommentCreate(body=body, parent_id=parent.id if parent else None),
                    actor=author,
                    allow_guests=False,
                )
                comment.created_at = created
            else:
                comment_id = next_id + i
                rows.append(
                    {
                        "id": comment_id,
                        "article_id": target.id,
                        **place_under(parent, own_id=comment_id)._asdict(),
                        "author_id": author.id,
                        "body": body,
                        "body_html": rendered[body],
                        "body_fingerprint": duplicates.fingerprint(body),
                        "status": CommentStatus.PENDING,
                        "locked": False,
                        "created_at": created,
                    }
                )
                if len(rows) == 5000:
                    session.execute(insert(Comment), rows)
                    rows = []
            progress.tick(i + 1)
        if rows:
            session.execute(insert(Comment), rows)
        if bulk:  # the rows went in behind the services' back: count them
            standing.recount(session)
        moderator = _user(session, "bench_moderator")
        cookie = accounts_service.start_session(
            session, moderator, kind=SessionKind.BROWSER, lifetime=timedelta(days=30)
        )
    return {"moderator_cookie": cookie, "path": "bulk" if bulk else "service"}


def article_of(articles: list[Article], comment: Comment) -> Article:
    return next(a for a in articles if a.id == comment.article_id)


def seed_isso(db_path: Path, sizes: list[int]) -> dict[str, object]:
    """Run bench/isso_seed.py under Isso's interpreter; it prints the write thread's ids."""
    if not ISSO_PYTHON.exists():
        print(f"  isso: {ISSO_PYTHON} missing (`python -m bench.run` creates it)")
        return {}
    out = subprocess.run(
        [
            str(ISSO_PYTHON),
            str(BENCH_DIR / "isso_seed.py"),
            str(db_path),
            *map(str, sizes),
        ],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
        cwd=BENCH_DIR.parent,
    ).stdout
    lines = out.strip().splitlines()
    for line in lines[:-1]:
        print(line)
    seeded: dict[str, object] = json.loads(lines[-1])
    return seeded


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--sizes", default=",".join(map(str, shapes.SIZES)))
    parser.add_argument(
        "--queue", type=int, default=QUEUE_SIZE, help="pending comments"
    )
    parser.add_argument(
        "--queue-service",
        action="store_true",
        help="post every queued comment with post_comment (slow: ~40/s) "
        "instead of a bulk insert",
    )
    parser.add_argument(
        "--isso-sizes",
        default="10,200,2000",
        help="Isso threads; 20000 is left out (one read would take minutes)",
    )
    parser.add_argument(
        "--database-url",
        default="",
        help="threads database (default: SQLite in the data dir); PostgreSQL needs a "
        "DEDICATED database, its schema is dropped",
    )
    parser.add_argument(
        "--queue-database-url",
        default="",
        help="queue database (default: SQLite in the data dir); PostgreSQL needs a "
        "DEDICATED database, its schema is dropped",
    )
    parser.add_argument(
        "--fixtures",
        default="fixtures.json",
        help="file in the data dir that records what was seeded",
    )
    parser.add_argument(
        "--no-isso", action="store_true", help="seed Haven only (Isso is seeded once)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="10 and 200 only, a 2,000 queue"
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    isso_sizes = [int(s) for s in args.isso_sizes.split(",") if s]
    if args.quick:
        sizes, isso_sizes, args.queue = [10, 200], [10, 200], 2000
    data_dir: Path = args.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    threads_url = args.database_url or f"sqlite:///{data_dir / 'haven-threads.db'}"
    print(f"Haven threads {sizes} -> {threads_url}", flush=True)
    threads = seed_threads(haven_settings(threads_url, data_dir), sizes)

    queue_url = args.queue_database_url or f"sqlite:///{data_dir / 'haven-queue.db'}"
    how = "post_comment" if args.queue_service else "bulk insert"
    print(f"Haven queue: {args.queue:,} pending ({how}) -> {queue_url}", flush=True)
    queue = seed_queue(
        haven_settings(queue_url, data_dir), args.queue, bulk=not args.queue_service
    )

    isso: dict[str, object] = {}
    if not args.no_isso:
        print(f"Isso threads {isso_sizes} -> {data_dir / 'isso.db'}", flush=True)
        isso = seed_isso(data_dir / "isso.db", isso_sizes)

    fixtures = {
        "seed": shapes.SEED,
        "sizes": sizes,
        "isso_sizes": isso_sizes if isso else [],
        "threads_url": threads_url,
        "queue_url": queue_url,
        "queue_size": args.queue,
        "queue_path": queue["path"],
        "password": PASSWORD,
        "secret_key": SECRET_KEY,
        "write_slug": WRITE_SLUG,
        "write_ids": threads["write_ids"],
        "moderator_cookie": queue["moderator_cookie"],
        "member_cookie": threads["member_cookie"],
        "isso_write_ids": isso.get("write_ids", []),
        "depths": {n: shapes.check(n) for n in sizes},
    }
    (data_dir / args.fixtures).write_text(json.dumps(fixtures, indent=1))
    print(
        f"Seeded in {time.perf_counter() - started:,.0f} s; depths {fixtures['depths']}"
    )


if __name__ == "__main__":
    main()
