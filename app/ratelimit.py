"""Rate limits with the `limits` library: Redis when REDIS_URL is set, memory otherwise.

With Redis every worker shares the counters; in memory each worker counts alone,
which is right for one process and for tests.

An event is counted *before* the work it stands for (a password check, a post, a
sign-up), and taking its slot is atomic: the moving window's ``hit`` adds an
entry only while there is room, in one Lua call in Redis or under a lock in
memory. So a burst of N parallel requests gets exactly the limit through, never
more. A limit of several parts ("5/minute;50/day") or several keys (per account
and per address) takes a slot in each part in turn and gives back the ones it
took when a later part refuses, so a refused event counts nothing. While it
holds them a parallel request may be refused for want of those slots: a brief
over-count, never an under-count.
"""

import math
import time
from dataclasses import dataclass
from typing import Any, cast

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, RedisStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from app.errors import RateLimited


@dataclass(frozen=True)
class Limit:
    """A named limit such as "5/15 minutes", or several at once ("5/minute;50/day");
    an empty spec turns it off."""

    name: str
    items: tuple[RateLimitItem, ...]

    @classmethod
    def parse(cls, name: str, spec: str) -> "Limit":
        return cls(name, tuple(parse_many(spec)) if spec.strip() else ())

    def on(self, *keys: str) -> "Bucket":
        return Bucket(self, keys)


@dataclass(frozen=True)
class Bucket:
    """A limit counted for one key (an account, an address)."""

    limit: Limit
    keys: tuple[str, ...]


def describe_wait(seconds: int) -> str:
    """A wait in words for people: "a minute", "5 minutes", "24 hours"."""
    if seconds < 90:
        return "a minute"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} minutes"
    hours = round(seconds / 3600)
    return "an hour" if hours == 1 else f"{hours} hours"


class RateLimiter:
    def __init__(self, storage_url: str) -> None:
        storage = storage_from_string(storage_url or "memory://")
        assert isinstance(storage, Storage)  # the sync storages, never limits.aio
        if not isinstance(storage, MemoryStorage | RedisStorage):
            # Giving a slot back (_release) is written for these two only.
            raise ValueError(
                f"Rate limits keep their counts in memory or Redis, not {storage_url!r}."
            )
        self.storage = storage
        self.strategy = MovingWindowRateLimiter(self.storage)

    def _full(self, limit: Limit, keys: tuple[str, ...]) -> list[RateLimitItem]:
        return [
            item
            for item in limit.items
            if not self.strategy.test(item, limit.name, *keys)
        ]

    def take(self, *buckets: Bucket, message: str) -> None:
        """Count one event in every bucket, or in none: raise RateLimited, having
        given back what was taken, when one of them has no room. "{wait}" in
        ``message`` becomes the wait in words."""
        taken: list[tuple[RateLimitItem, Bucket]] = []
        for bucket in buckets:
            for item in bucket.limit.items:
                if not self.strategy.hit(item, bucket.limit.name, *bucket.keys):
                    self._release(taken)
                    wait = self.retry_after(bucket.limit, *bucket.keys)
                    raise RateLimited(
                        message.replace("{wait}", describe_wait(wait)),
                        retry_after=wait,
                    )
                taken.append((item, bucket))

    def give_back(self, *buckets: Bucket) -> None:
        """Return the slot an event took in each bucket, as if it never came."""
        self._release(
            [(item, bucket) for bucket in buckets for item in bucket.limit.items]
        )

    def consume(self, limit: Limit, *keys: str, message: str) -> None:
        """Count one event against ``limit`` for ``keys``, raising RateLimited when
        there is no room for it; a refused event counts nothing."""
        self.take(limit.on(*keys), message=message)

    def _release(self, taken: list[tuple[RateLimitItem, Bucket]]) -> None:
        # The newest entry goes, which need not be this event's own: the count is
        # what matters, and entries differ by the few milliseconds between them.
        for item, bucket in taken:
            key = item.key_for(bucket.limit.name, *bucket.keys)
            if isinstance(self.storage, RedisStorage):
                redis = cast(Any, self.storage.get_connection())  # a redis.Redis
                redis.lpop(self.storage.prefixed_key(key))
                continue
            with self.storage.locks[key]:
                if events := self.storage.events.get(key):
                    del events[0]

    def retry_after(self, limit: Limit, *keys: str) -> int:
        """Seconds until every exhausted part of ``limit`` has room again."""
        items = self._full(limit, keys) or list(limit.items)
        if not items:
            return 0
        reset = max(
            self.strategy.get_window_stats(item, limit.name, *keys).reset_time
            for item in items
        )
        return max(1, math.ceil(reset - time.time()))

    def reset(self) -> None:
        self.storage.reset()
