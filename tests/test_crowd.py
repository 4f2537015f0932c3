"""A crowd posts into one article while moderators approve (issue #16).

The real server (`haven serve --workers 2`) on a fresh database: SQLite in WAL
mode in the SQLite pass, PostgreSQL in the PostgreSQL pass. Fifty members post
at once through the API while two moderators approve from the queue. Every
201 must be stored once and, once approved, rendered once in the article's
discussion (pages and JSON); no request may get a 5xx.

Size: 50 members at once, each posting CROWD_POSTS comments: 20, as the issue
asks, so 1,000 posts and 1,000 decisions per backend (about 35 s on two
cores). HAVEN_CROWD_POSTS sets another number for a quicker or a longer run.
"""

import os
import re
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import select

from app.articles.models import Article
from app.comments.models import Comment, CommentStatus
from app.db import make_engine
from tests.realserver import new_site, own_postgres_url, running
from tests.realserver import seed as seed_cast

MEMBERS = 50
MODERATORS = 2
CROWD_POSTS = int(os.environ.get("HAVEN_CROWD_POSTS", "20"))
TIMEOUT = httpx.Timeout(60.0)


@dataclass
class Tally:
    """What the clients saw, shared between their threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    created: dict[str, int] = field(default_factory=dict)  # body -> comment id
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    approved: set[int] = field(default_factory=set)

    def saw(self, response: httpx.Response, what: str) -> None:
        with self.lock:
            self.statuses[response.status_code] += 1
            if response.status_code >= 500:
                self.server_errors.append(f"{what}: {response.status_code}")


def _post_all(url: str, slug: str, token: str, who: int, tally: Tally) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=TIMEOUT) as client:
        for n in range(CROWD_POSTS):
            body = f"Crowd note {who}-{n} {uuid.uuid4().hex}: stretching helps."
            response = client.post(
                f"/api/v1/articles/{slug}/comments", json={"body": body}
            )
            tally.saw(response, f"post {who}-{n}")
            if response.status_code == 201:
                assert response.json()["status"] == "pending", response.text
                with tally.lock:
                    tally.created[body] = response.json()["id"]


def _moderate(
    url: str, token: str, order: int, posting: threading.Event, tally: Tally
) -> None:
    """Approve what the queue shows until the crowd is done and it is empty.
    The two moderators walk it from opposite ends, so they meet: the one who
    comes second gets a 409 "already decided", never a 5xx."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=TIMEOUT) as client:
        while True:
            done_posting = not posting.is_set()
            response = client.get("/api/v1/moderation/queue")
            tally.saw(response, "queue")
            if response.status_code != 200:
                continue
            ids = [item["id"] for item in response.json()["items"]]
            if not ids and done_posting:
                return
            if not ids:
                time.sleep(0.05)
            for comment_id in ids[::order]:
                decision = client.post(
                    f"/api/v1/moderation/comments/{comment_id}/approve",
                    json={"seen": "pending"},
                )
                tally.saw(decision, f"approve {comment_id}")
                if decision.status_code == 200:
                    with tally.lock:
                        tally.approved.add(comment_id)
                else:
                    assert decision.status_code == 409, decision.text


def _rendered(url: str, slug: str) -> tuple[Counter[str], Counter[str]]:
    """How often each body appears in the discussion: every HTML page, every
    JSON page (anonymous, as any reader)."""
    html: Counter[str] = Counter()
    json: Counter[str] = Counter()
    # Bodies are found by their unique marker; markdown leaves it as it is.
    marker = re.compile(r"Crowd note \d+-\d+ [0-9a-f]{32}")
    with httpx.Client(base_url=url, timeout=TIMEOUT) as client:
        page, pages = 1, 1
        while page <= pages:
            response = client.get(f"/api/v1/articles/{slug}/comments?page={page}")
            assert response.status_code == 200, response.text
            thread = response.json()
            pages = thread["pages"]
            stack = list(thread["items"])
            while stack:
                node = stack.pop()
                stack.extend(node["replies"])
                json.update(marker.findall(node["body_html"]))
            response = client.get(f"/articles/{slug}?page={page}")
            assert response.status_code == 200
            html.update(marker.findall(response.text))
            page += 1
    return html, json


def _marker(body: str) -> str:
    return body.split(":", 1)[0]


def crowd(database_url: str, tmp_path: Path) -> None:
    server = new_site(database_url, tmp_path)
    engine = make_engine(database_url)
    try:
        cast = seed_cast(engine, members=MEMBERS, moderators=MODERATORS)
        tally = Tally()
        with running(server):
            posting = threading.Event()
            posting.set()
            posters = [
                threading.Thread(
                    target=_post_all, args=(server.url, cast.slug, token, i, tally)
                )
                for i, token in enumerate(cast.members)
            ]
            moderators = [
                threading.Thread(
                    target=_moderate,
                    args=(server.url, token, 1 if i % 2 == 0 else -1, posting, tally),
                )
                for i, token in enumerate(cast.moderators)
            ]
            started = time.monotonic()
            for thread in posters + moderators:
                thread.start()
            for thread in posters:
                thread.join()
            posting.clear()
            for thread in moderators:
                thread.join()
            elapsed = time.monotonic() - started
            html, json = _rendered(server.url, cast.slug)
            log = server.output()

        with engine.connect() as connection:
            rows = connection.execute(
                select(Comment.id, Comment.body, Comment.status)
                .join(Article)
                .where(Article.slug == cast.slug)
            ).all()
    finally:
        engine.dispose()

    posts = MEMBERS * CROWD_POSTS
    print(  # noqa: T201 (the figures the issue asks for, shown with -s)
        f"\ncrowd on {database_url.split(':')[0]}: {posts} posts in {elapsed:.1f} s, "
        f"statuses {dict(tally.statuses)}, rows {len(rows)}, "
        f"rendered html {sum(html.values())} json {sum(json.values())}, "
        f"retries logged {log.count('retrying')}"
    )
    assert tally.server_errors == [], tally.server_errors[:10]
    assert "unhandled error" not in log, log
    # Every post was accepted (nothing limits the crowd), and stored once.
    assert len(tally.created) == posts
    stored = Counter(body for _, body, _ in rows)
    assert stored == Counter(tally.created.keys()), "a post was lost or stored twice"
    assert {row_id for row_id, _, _ in rows} == set(tally.created.values())
    assert {status for _, _, status in rows} == {CommentStatus.APPROVED}
    assert tally.approved == set(tally.created.values())
    expected = Counter(_marker(body) for body in tally.created)
    assert html == expected, "a comment is missing from the pages, or shown twice"
    assert json == expected, "a comment is missing from the JSON, or listed twice"


def test_crowd_posts_are_stored_and_shown_once(backend: str, tmp_path: Path) -> None:
    if backend == "sqlite":
        crowd(f"sqlite:///{tmp_path / 'crowd.db'}", tmp_path)
    else:
        crowd(own_postgres_url("crowd"), tmp_path)
