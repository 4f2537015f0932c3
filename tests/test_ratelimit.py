"""Rate limits: counted per key, shared across workers through Redis."""

import os
import socket
import uuid

import pytest

from app.errors import RateLimited
from app.ratelimit import Limit, RateLimiter
from tests.conftest import in_ci

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), 2).close()
    except OSError:
        return False
    return True


def test_limit_counts_per_key_and_reports_retry_after() -> None:
    limiter = RateLimiter("memory://")
    limit = Limit.parse("test", "2/minute")
    limiter.consume(limit, "a", message="slow down")
    limiter.consume(limit, "a", message="slow down")
    limiter.consume(limit, "b", message="slow down")
    with pytest.raises(RateLimited) as caught:
        limiter.consume(limit, "a", message="slow down")
    assert 0 < caught.value.retry_after <= 60


def test_empty_spec_turns_a_limit_off() -> None:
    limiter = RateLimiter("memory://")
    limit = Limit.parse("test", "")
    for _ in range(100):
        limiter.consume(limit, "a", message="never")


def test_workers_share_counts_through_redis() -> None:
    if not redis_answers():
        if in_ci():
            pytest.fail(
                "Redis is not reachable on 127.0.0.1:6379 (required when CI=true)"
            )
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    # Two limiters stand for two worker processes.
    first, second = RateLimiter(REDIS_URL), RateLimiter(REDIS_URL)
    limit = Limit.parse(f"test-{uuid.uuid4()}", "3/minute")
    first.consume(limit, "ip", message="x")
    second.consume(limit, "ip", message="x")
    first.consume(limit, "ip", message="x")
    with pytest.raises(RateLimited):
        second.consume(limit, "ip", message="x")
