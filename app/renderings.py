"""Renderings every anonymous reader gets alike: made once, cached, answered by ETag.

A rendering is its bytes, their media type and a strong ETag (a hash of the
bytes), kept together in the cache (app.cache) under a key that names exactly
what it shows, so a hit needs nothing but the key. A request whose
``If-None-Match`` names the ETag is answered 304 without a body. Renderings are
only cached from GET requests: a request that writes may see its own
uncommitted changes.
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
    media_type: str
    body: bytes

    @classmethod
    def of(cls, body: bytes, media_type: str) -> "Rendering":
        digest = hashlib.blake2b(body, digest_size=12).hexdigest()
        return cls(f'"{digest}"', media_type, body)

    def encode(self) -> bytes:
        return f"{self.etag}\n{self.media_type}\n".encode() + self.body

    @classmethod
    def decode(cls, raw: bytes) -> "Rendering":
        etag, media_type, body = raw.split(b"\n", 2)
        return cls(etag.decode(), media_type.decode(), body)


def serve(
    request: Request,
    key: str | None,
    build: Callable[[], tuple[Response, bool]],
    *,
    vary: str | None = None,
) -> Response:
    """The rendering under ``key``, built on a miss, or 304 when the client has it.

    ``build`` returns the response and whether it is worth keeping (a page past
    the end of a list is not: anyone could ask for a million of them). With
    ``key`` None nothing is cached (a person's own view), but the ETag and 304
    still spare them the download.
    """
    cache: Cache = request.app.state.cache
    if key is not None and request.method in _READS:
        raw = cache.get(key)
        if raw is not None:
            return response_for(
                request.headers.get("if-none-match"),
                Rendering.decode(raw),
                vary=vary,
            )
    response, keep = build()
    rendering = Rendering.of(bytes(response.body), response.media_type or HTML)
    if key is not None and keep and request.method in _READS:
        cache.set(key, rendering.encode())
    headers = _headers(rendering, vary=vary, private=key is None)
    if _matches(request.headers.get("if-none-match"), rendering.etag):
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return response


def cached_bytes(
    request: Request, key: str, render: Callable[[], tuple[bytes, bool]]
) -> bytes:
    """A cached fragment of a page (no response of its own), made on a miss."""
    cache: Cache = request.app.state.cache
    if request.method in _READS:
        raw = cache.get(key)
        if raw is not None:
            return raw
    body, keep = render()
    if keep and request.method in _READS:
        cache.set(key, body)
    return body


def response_for(
    if_none_match: str | None, rendering: Rendering, *, vary: str | None = None
) -> Response:
    """A cached rendering as a response, or 304 (also used by app.front)."""
    headers = _headers(rendering, vary=vary, private=False)
    if _matches(if_none_match, rendering.etag):
        return Response(status_code=304, headers=headers)
    return Response(rendering.body, media_type=rendering.media_type, headers=headers)


def _headers(
    rendering: Rendering, *, vary: str | None, private: bool
) -> dict[str, str]:
    """Browsers and proxies may keep it, but must ask again each time (no-cache).

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
    return headers


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    # The weak comparison RFC 9110 asks of If-None-Match.
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))
