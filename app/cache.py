"""A small cache of bytes by key: in this process, and in Redis when configured.

It knows nothing of what it holds. Keys must name their content exactly (the
read path puts a version in each key, see app.comments.thread), so an entry is
never updated or invalidated: a change makes new keys and the old entries age
out. The in-process part is an LRU bounded in bytes; Redis, when ``REDIS_URL``
is set, lets every worker share what one of them rendered. A Redis failure
costs a render, never a request.
"""

import logging
import sys
from collections import OrderedDict
from threading import Lock
from typing import Protocol

import redis

logger = logging.getLogger("haven.cache")

# Entries live this long in Redis; it evicts sooner under its own memory limit.
REDIS_TTL_SECONDS = 24 * 3600


class ByteStore(Protocol):
    def get(self, key: str) -> bytes | None: ...
    def set(self, key: str, value: bytes) -> None: ...


def _cost(key: str, value: bytes) -> int:
    """The memory an entry takes, near enough: both objects and the LRU's node."""
    return sys.getsizeof(key) + sys.getsizeof(value) + 200


class LocalCache:
    """Least recently used entries go first once the total passes ``max_bytes``.

    Thread-safe: sync routes run in a thread pool.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._lock = Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> bytes | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def set(self, key: str, value: bytes) -> None:
        cost = _cost(key, value)
        if cost > self.max_bytes:
            return  # larger than the whole cache: not worth evicting everything
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.size -= _cost(key, old)
            self._entries[key] = value
            self.size += cost
            while self.size > self.max_bytes:
                evicted_key, evicted = self._entries.popitem(last=False)
                self.size -= _cost(evicted_key, evicted)


class RedisCache:
    """Shared by every worker; errors are logged once and treated as misses."""

    def __init__(self, url: str, *, prefix: str) -> None:
        self._client = redis.Redis.from_url(
            url, socket_timeout=0.5, socket_connect_timeout=0.5
        )
        self._prefix = prefix
        self._failing = False

    def get(self, key: str) -> bytes | None:
        try:
            value = self._client.get(self._prefix + key)
        except redis.RedisError as exc:
            self._failed(exc)
            return None
        self._failing = False
        return value if isinstance(value, bytes) else None

    def set(self, key: str, value: bytes) -> None:
        try:
            self._client.set(self._prefix + key, value, ex=REDIS_TTL_SECONDS)
        except redis.RedisError as exc:
            self._failed(exc)

    def _failed(self, exc: Exception) -> None:
        if not self._failing:
            logger.warning("cache: Redis failed, rendering without it: %s", exc)
        self._failing = True


class Cache:
    """The process's LRU in front of Redis (when there is one)."""

    def __init__(self, local: LocalCache, shared: ByteStore | None = None) -> None:
        self.local = local
        self.shared = shared

    def get(self, key: str) -> bytes | None:
        value = self.local.get(key)
        if value is None and self.shared is not None:
            value = self.shared.get(key)
            if value is not None:
                self.local.set(key, value)
        return value

    def set(self, key: str, value: bytes) -> None:
        self.local.set(key, value)
        if self.shared is not None:
            self.shared.set(key, value)


def make_cache(max_bytes: int, redis_url: str = "", *, namespace: str) -> Cache:
    """The cache for one app; ``namespace`` separates deployments sharing a Redis."""
    shared = RedisCache(redis_url, prefix=f"{namespace}:") if redis_url else None
    return Cache(LocalCache(max_bytes), shared)
