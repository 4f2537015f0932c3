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


def require_redis() -> None:
    """Skip without Redis; under CI=true its absence is a failure."""
    if not redis_answers():
        if in_ci():
            pytest.fail(
                "Redis is not reachable on 127.0.0.1:6379 (required when CI=true)"
            )
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")


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
    require_redis()
    # Two limiters stand for two worker processes.
    first, second = RateLimiter(REDIS_URL), RateLimiter(REDIS_URL)
    limit = Limit.parse(f"test-{uuid.uuid4()}", "3/minute")
    first.consume(limit, "ip", message="x")
    second.consume(limit, "ip", message="x")
    first.consume(limit, "ip", message="x")
    with pytest.raises(RateLimited):
        second.consume(limit, "ip", message="x")


def test_a_refusal_by_one_bucket_gives_back_what_the_others_took() -> None:
    limiter = RateLimiter("memory://")
    account = Limit.parse("account", "5/minute")
    address = Limit.parse("address", "1/minute;1/day")
    limiter.take(account.on("ann"), address.on("ip"), message="x")

    for _ in range(3):
        with pytest.raises(RateLimited):
            limiter.take(account.on("ann"), address.on("ip"), message="x")

    stats = limiter.strategy.get_window_stats(account.items[0], "account", "ann")
    assert stats.remaining == 4  # only the event that got through counts


def test_a_slot_given_back_is_free_again() -> None:
    limiter = RateLimiter("memory://")
    limit = Limit.parse("test", "2/minute")
    limiter.consume(limit, "a", message="x")
    limiter.consume(limit, "a", message="x")

    limiter.give_back(limit.on("a"))

    limiter.consume(limit, "a", message="x")
    with pytest.raises(RateLimited):
        limiter.consume(limit, "a", message="x")


def test_a_slot_is_given_back_in_redis_too() -> None:
    require_redis()
    limiter = RateLimiter(REDIS_URL)
    limit = Limit.parse(f"test-{uuid.uuid4()}", "1/minute")
    limiter.consume(limit, "a", message="x")

    limiter.give_back(limit.on("a"))

    limiter.consume(limit, "a", message="x")
    with pytest.raises(RateLimited):
        limiter.consume(limit, "a", message="x")
