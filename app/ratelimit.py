"""Rate limits with the `limits` library: Redis when REDIS_URL is set, memory otherwise.

With Redis every worker shares the counters; in memory each worker counts alone,
which is right for one process and for tests.
"""

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
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


class RateLimiter:
    def __init__(self, storage_url: str) -> None:
        storage = storage_from_string(storage_url or "memory://")
        assert isinstance(storage, Storage)  # the sync storages, never limits.aio
        self.storage = storage
        self.strategy = MovingWindowRateLimiter(self.storage)

    def _full(self, limit: Limit, keys: tuple[str, ...]) -> list[RateLimitItem]:
        return [
            item
            for item in limit.items
            if not self.strategy.test(item, limit.name, *keys)
        ]

    def check(self, limit: Limit, *keys: str, message: str) -> None:
        """Raise RateLimited when ``keys`` already used up ``limit``; counts nothing."""
        if self._full(limit, keys):
            raise RateLimited(message, retry_after=self.retry_after(limit, *keys))

    def hit(self, limit: Limit, *keys: str) -> bool:
        """Count one event; False when the limit is now exceeded."""
        return all(self.strategy.hit(item, limit.name, *keys) for item in limit.items)

    def consume(self, limit: Limit, *keys: str, message: str) -> None:
        """Count one event, raising RateLimited when there is no room for it.

        Every part of the limit is tested first, so a refused event counts nothing.
        """
        self.check(limit, *keys, message=message)
        if not self.hit(limit, *keys):
            raise RateLimited(message, retry_after=self.retry_after(limit, *keys))

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
