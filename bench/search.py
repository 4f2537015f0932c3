"""Time full-text search over a site of many comments, on SQLite or PostgreSQL.

    python -m bench.search [--comments 10000] [--database-url URL]

Without ``--database-url`` a fresh SQLite file in a temporary folder is used;
a PostgreSQL URL must name a **dedicated** database: its schema is dropped and
re-created. Comments are bulk-inserted (varied text from a fixed vocabulary)
and indexed with ``haven search reindex``'s function, then each query is timed
through the search service (count and page), best of five.
"""

# ruff: noqa: T201, S311 (a console tool on seeded data)

import argparse
import random
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from app.articles import service as articles_service
from app.articles.models import ArticleStatus
from app.articles.schemas import ArticleCreate
from app.comments.models import Comment, CommentStatus
from app.config import Settings
from app.db import session_scope
from app.markup import render_markdown
from app.search import index as search_index
from app.search import service
from bench import database

WORDS = [
    "baclofen",
    "tizanidine",
    "spasms",
    "stiffness",
    "cramps",
    "night",
    "walking",
    "stretching",
    "physio",
    "fatigue",
    "heat",
    "cooling",
    "vest",
    "sleep",
    "pain",
    "dose",
    "side",
    "effect",
    "drowsy",
    "weakness",
    "legs",
    "arms",
    "balance",
    "cane",
    "pump",
    "nurse",
    "doctor",
    "clinic",
    "appointment",
    "relapse",
    "symptoms",
    "morning",
    "evening",
    "week",
    "month",
    "year",
    "better",
    "worse",
    "helped",
    "tried",
    "stopped",
    "started",
    "quinine",
    "magnesium",
    "yoga",
    "swimming",
    "bath",
    "shower",
    "massage",
    "botox",
    "injection",
]
FILLER = [
    "i",
    "my",
    "the",
    "a",
    "and",
    "it",
    "was",
    "is",
    "to",
    "of",
    "for",
    "but",
    "with",
    "so",
    "on",
    "at",
]
QUERIES = [
    "baclofen",
    "baclofen side effects",
    '"side effect"',
    "cooling vest heat",
    "zanzibar",
    "the",
]


def sentence(rng: random.Random) -> str:
    return " ".join(
        rng.choice(WORDS) if rng.random() < 0.4 else rng.choice(FILLER)
        for _ in range(rng.randint(8, 60))
    ).capitalize()


def seed(settings: Settings, comments: int) -> None:
    rng = random.Random(17)
    with session_scope(settings) as session:
        admin = database.admin(session)
        articles = [
            articles_service.create_article(
                session,
                ArticleCreate(
                    title=f"{rng.choice(WORDS).capitalize()} and MS, part {n}",
                    summary=sentence(rng),
                    body="\n\n".join(sentence(rng) for _ in range(20)),
                    status=ArticleStatus.PUBLISHED,
                    tags=[],
                ),
                actor=admin,
            )
            for n in range(20)
        ]
        rows = []
        for n in range(comments):
            body = sentence(rng)
            rows.append(
                {
                    "article_id": articles[n % len(articles)].id,
                    "depth": 1,
                    "body": body,
                    "body_html": render_markdown(body),
                    "status": CommentStatus.APPROVED,
                    "guest_name": "Guest",
                }
            )
        session.execute(insert(Comment), rows)
        started = time.perf_counter()
        search_index.reindex(session)
        print(f"reindex of {comments} comments: {time.perf_counter() - started:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="haven-search-"))
    url = args.database_url or f"sqlite:///{folder / 'search.db'}"
    settings = Settings(database_url=url, data_dir=folder)
    database.fresh(settings)
    seed(settings, args.comments)
    if not settings.is_sqlite:
        # The GIN index's pending list merged: until then every search scans it.
        database.analyze(settings)
    with session_scope(settings) as session:
        for q in QUERIES:
            query = service.SearchQuery.parse(q)
            best, total = float("inf"), 0
            for _ in range(5):
                started = time.perf_counter()
                page = service.search(session, query, page=1, per_page=service.PER_PAGE)
                best = min(best, time.perf_counter() - started)
                total = page.total
            print(f"{q!r:28} {total:6} hits  {best * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
