"""Renderings every anonymous reader gets alike: made once, cached, answered by ETag.

A rendering is its bytes and a strong ETag (a hash of the bytes), kept together
in the cache (app.cache) under a key that names exactly what it shows, so a hit
needs nothing but the key. A request whose ``If-None-Match`` names the ETag is
answered 304 without a body. Renderings are only cached from GET requests: a
request that writes may see its own uncommitted changes.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response

from app.cache import Cache

HTML = "text/html; charset=utf-8"
JSON = "application/json"
_READS = ("GET", "HEAD")


@dataclass(frozen=True)
class Rendering:
    etag: str
    body: bytes

    @classmethod
    def of(cls, body: bytes) -> "Rendering":
        digest = hashlib.blake2b(body, digest_size=12).hexdigest()
        return cls(f'"{digest}"', body)

    def encode(self) -> bytes:
        return self.etag.encode() + b"\n" + self.body

    @classmethod
    def decode(cls, raw: bytes) -> "Rendering":
        etag, _, body = raw.partition(b"\n")
        return cls(etag.decode(), body)


def cached(
    request: Request, key: str, render: Callable[[], tuple[bytes, bool]]
) -> Rendering:
    """The rendering under ``key``, made by ``render`` on a miss.

    ``render`` returns the bytes and whether they are worth keeping (a page past
    the end of a list is not: anyone could ask for a million of them).
    """
    cache: Cache = request.app.state.cache
    if request.method in _READS:
        raw = cache.get(key)
        if raw is not None:
            return Rendering.decode(raw)
    body, keep = render()
    rendering = Rendering.of(body)
    if keep and request.method in _READS:
        cache.set(key, rendering.encode())
    return rendering


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    # The weak comparison RFC 9110 asks of If-None-Match.
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def respond(
    request: Request,
    rendering: Rendering,
    *,
    media_type: str,
    vary: str | None = None,
    private: bool = False,
) -> Response:
    """The rendering, or 304 when the client already holds it.

    Browsers and proxies may keep it but must ask again each time (no-cache).
    ``vary`` names the header that makes a reply personal: Authorization for
    the API. Pages need none here: the session middleware says "Vary: Cookie"
    on every page that looked at the visitor's session, as the public check does.
    """
    headers = {
        "ETag": rendering.etag,
        "Cache-Control": "private, no-cache" if private else "no-cache",
    }
    if vary:
        headers["Vary"] = vary
    if _matches(request.headers.get("if-none-match"), rendering.etag):
        return Response(status_code=304, headers=headers)
    return Response(rendering.body, media_type=media_type, headers=headers)
