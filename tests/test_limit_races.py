"""Rate limits under a burst: many requests at the same moment, one limit.

Each burst is fired from threads against an app with real sessions (not the
rolled-back test transaction), as a crowd of clients against a worker would; the
tests commit for real and clean up what they made. Each runs with the limiter in
memory and, where Redis answers, in Redis.
"""

import os
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any, cast

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from passlib.context import CryptContext
from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine

from app.accounts.models import Role, User
from app.articles.models import Article
from app.comments import posting_limit, standing
from app.comments.models import Comment
from app.config import Settings
from app.db import make_sessionmaker
from app.main import create_app
from app.ratelimit import RateLimiter
from tests.factories import TEST_PASSWORD, make_article, make_user
from tests.helpers import api_token
from tests.test_ratelimit import require_redis

# A database of Redis's own for these tests, emptied of counts before each.
REDIS_URL = os.environ.get("TEST_LIMITS_REDIS_URL", "redis://127.0.0.1:6379/7")
BURST = 30
SLOW_HASHING = CryptContext(schemes=["argon2"]).copy(
    argon2__memory_cost=8192, argon2__rounds=3
)

Opener = Callable[..., TestClient]


@pytest.fixture(params=["memory", "redis"])
def storage(request: pytest.FixtureRequest) -> str:
    if request.param == "memory":
        return ""
    require_redis()
    # Ids come back in a new database, so counts a past run left would match.
    RateLimiter(REDIS_URL).reset()
    return REDIS_URL


@pytest.fixture
def open_app(settings: Settings, storage: str) -> Iterator[Opener]:
    """A client on an app of its own (its own engine and limiter) whose requests
    commit, from a client address no earlier run used."""
    opened: list[TestClient] = []

    def opener(**overrides: Any) -> TestClient:
        app = create_app(
            settings.model_copy(update={"redis_url": storage, **overrides})
        )
        client = TestClient(
            app, follow_redirects=False, client=(f"198.51.100.{uuid.uuid4()}", 1)
        )
        client.__enter__()
        opened.append(client)
        return client

    yield opener
    for client in opened:
        client.__exit__(None, None, None)


def burst(send: Callable[[int], httpx2.Response]) -> Counter[int]:
    """Send BURST requests at the same moment; how many got each status."""
    start = threading.Barrier(BURST)
    codes: list[int] = []
    failures: list[BaseException] = []

    def one(n: int) -> None:
        start.wait()
        try:
            codes.append(send(n).status_code)
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(BURST)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    return Counter(codes)


def test_parallel_wrong_passwords_reach_the_check_five_times(
    engine: Engine, open_app: Opener
) -> None:
    maker = make_sessionmaker(engine)
    with maker() as session:
        user = make_user(session, username=f"race_{uuid.uuid4().hex[:12]}")
        # The suite's hashes are cheap; a check must take a while, as it does
        # in production, for tries to overlap as they do there.
        user.password_hash = SLOW_HASHING.hash(TEST_PASSWORD)
        session.commit()
        user_id, username = user.id, user.username
    try:
        client = open_app(login_limit_account="5/15 minutes")

        codes = burst(
            lambda n: client.post(
                "/api/v1/auth/token",
                data={"username": username, "password": f"wrong guess {n}"},
            )
        )

        # 401: the password was checked (and wrong); 429: refused before it.
        assert codes == {401: 5, 429: BURST - 5}
    finally:
        with maker() as session:
            session.execute(delete(User).where(User.id == user_id))
            session.commit()


def test_parallel_sign_ups_from_one_address_get_the_limit_through(
    engine: Engine, open_app: Opener
) -> None:
    maker = make_sessionmaker(engine)
    prefix = f"su{uuid.uuid4().hex[:8]}"
    try:
        client = open_app(register_rate_limit="5/hour;20/day")

        codes = burst(
            lambda n: client.post(
                "/api/v1/auth/register",
                json={
                    "username": f"{prefix}_{n}",
                    "email": f"{prefix}_{n}@example.org",
                    "password": "quiet lantern over the harbour",
                },
            )
        )

        with maker() as session:
            made = session.scalar(
                select(func.count(User.id)).where(User.username.startswith(prefix))
            )
        assert codes == {201: 5, 429: BURST - 5}
        assert made == 5
    finally:
        with maker() as session:
            session.execute(delete(User).where(User.username.startswith(prefix)))
            session.commit()


@pytest.mark.parametrize("spec", ["5/minute;50/day", "10/minute;5/day"])
def test_parallel_posts_store_exactly_the_limit(
    engine: Engine, open_app: Opener, spec: str
) -> None:
    """Past the day's part of the limit, a refused post gives back the minute's."""
    maker = make_sessionmaker(engine)
    with maker() as session:
        member = make_user(session, username=f"race_{uuid.uuid4().hex[:12]}")
        admin = make_user(
            session, username=f"race_{uuid.uuid4().hex[:12]}", role=Role.ADMIN
        )
        article = make_article(session, author=admin)
        session.commit()
        member_id, article_id, slug = member.id, article.id, article.slug
        users = [member.id, admin.id]
    try:
        client = open_app(post_rate_limit=spec)
        token = api_token(client, member.username)

        codes = burst(
            lambda n: client.post(
                f"/api/v1/articles/{slug}/comments",
                json={"body": f"Comment number {n} in the burst"},
                headers={"Authorization": f"Bearer {token}"},
            )
        )

        with maker() as session:
            stored = session.scalar(
                select(func.count(Comment.id)).where(Comment.article_id == article_id)
            )
        limiter = cast(FastAPI, client.app).state.limiter
        limit = posting_limit.post_limit(cast(FastAPI, client.app).state.settings)
        minute = limiter.strategy.get_window_stats(
            limit.items[0], "post", f"user:{member_id}"
        )
        assert codes == {201: 5, 429: BURST - 5}
        assert stored == 5
        assert minute.remaining == limit.items[0].amount - 5
    finally:
        with maker() as session:
            session.execute(delete(Article).where(Article.id == article_id))
            session.execute(delete(User).where(User.id.in_(users)))
            standing.recount(session)
            session.commit()
