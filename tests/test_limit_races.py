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
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from passlib.context import CryptContext
from sqlalchemy import delete
from sqlalchemy.engine import Engine

from app.accounts.models import User
from app.config import Settings
from app.db import make_sessionmaker
from app.main import create_app
from tests.factories import TEST_PASSWORD, make_user
from tests.test_ratelimit import require_redis

# A database of Redis's own for these tests; every key in it is new per run.
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
