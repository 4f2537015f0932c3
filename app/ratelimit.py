"""Rate limits with the `limits` library: Redis when REDIS_URL is set, memory otherwise.

With Redis every worker shares the counters; in memory each worker counts alone,
which is right for one process and for tests.
"""

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from app.errors import RateLimited


@dataclass(frozen=True)
class Limit:
    """A named limit such as "5/15 minutes"; an empty spec turns it off."""

    name: str
    item: RateLimitItem | None

    @classmethod
    def parse(cls, name: str, spec: str) -> "Limit":
        return cls(name, parse(spec) if spec.strip() else None)


class RateLimiter:
    def __init__(self, storage_url: str) -> None:
        storage = storage_from_string(storage_url or "memory://")
        assert isinstance(storage, Storage)  # the sync storages, never limits.aio
        self.storage = storage
        self.strategy = MovingWindowRateLimiter(self.storage)

    def check(self, limit: Limit, *keys: str, message: str) -> None:
        """Raise RateLimited when ``keys`` already used up ``limit``; counts nothing."""
        if limit.item is None:
            return
        if not self.strategy.test(limit.item, limit.name, *keys):
            raise RateLimited(message, retry_after=self.retry_after(limit, *keys))

    def hit(self, limit: Limit, *keys: str) -> bool:
        """Count one event; False when the limit is now exceeded."""
        if limit.item is None:
            return True
        return self.strategy.hit(limit.item, limit.name, *keys)

    def consume(self, limit: Limit, *keys: str, message: str) -> None:
        """Count one event, raising RateLimited when there is no room for it."""
        if not self.hit(limit, *keys):
            raise RateLimited(message, retry_after=self.retry_after(limit, *keys))

    def retry_after(self, limit: Limit, *keys: str) -> int:
        if limit.item is None:
            return 0
        stats = self.strategy.get_window_stats(limit.item, limit.name, *keys)
        return max(1, math.ceil(stats.reset_time - time.time()))

    def reset(self) -> None:
        self.storage.reset()
