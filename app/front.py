"""Anonymous reads of public pages, answered from the cache before the framework.

The pages every anonymous reader gets alike (an article with its discussion and
its JSON twin, a long tree's replies page, the article lists) are cached by a
key that names their exact version (app.renderings). For a request that can
only be such a read (a GET with no Authorization header and no Haven cookie),
this middleware reads that version with one indexed lookup and, on a hit,
answers (or 304s) before routing, the session middleware or any dependency
runs. Anything else, a miss, or anything it is unsure of goes on to the app,
which renders and fills the cache through the very same keys.

A crowd following a shared link costs one lookup and a memory read per page.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from app import counters, renderings
from app.accounts.deps import SESSION_COOKIE
from app.articles import service as articles_service
from app.cache import Cache
from app.comments import thread
from app.config import Settings
from app.db import Lookup
from app.moderation.policy import cached_policy
from app.pagination import MAX_PAGE
from app.paths import API_PREFIX

STATE_COOKIE = "haven_state"
_NOT_PUBLIC = (b"authorization",)
_COOKIES = (SESSION_COOKIE, STATE_COOKIE)


def names_the_visitor(scope: Scope) -> bool:
    """Whether the request carries a token or a Haven cookie: the answer to it
    may then be that visitor's own (app.headers keeps it out of caches too)."""
    for name, value in scope["headers"]:
        if name in _NOT_PUBLIC:
            return True
        if name == b"cookie" and any(cookie.encode() in value for cookie in _COOKIES):
            return True
    return False


@dataclass(frozen=True)
class _Hit:
    key: str
    vary: str


# A route's resolver: its path match and page number to the cache key (None
# when it can't say), using the lookups.
Resolver = Callable[["_Lookups", re.Match[str], int], _Hit | None]


class _Lookups:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.settings = settings
        # A failing lookup sends the request on to the app, which says what is wrong.
        self.errors = (SQLAlchemyError, engine.dialect.loaded_dbapi.Error)
        self.by_slug = Lookup(engine, thread.DISCUSSION_BY_SLUG)
        self.by_comment = Lookup(engine, thread.DISCUSSION_BY_COMMENT)
        self.listing = Lookup(
            engine,
            select(counters.Counter.value).where(
                counters.Counter.name == counters.LISTING_VERSION
            ),
        )

    def discussion(self, row: dict[str, object] | None) -> thread.Discussion | None:
        if row is None or row["status"] != "published":
            return None
        policy = cached_policy(int(row["settings_version"] or 0))  # type: ignore[call-overload]
        return thread.discussion_from(row, policy) if policy is not None else None


def _article_page(look: _Lookups, match: re.Match[str], page: int) -> _Hit | None:
    settings = look.settings
    if settings.allow_guest_comments:  # the page carries each visitor's form tokens
        return None
    found = look.discussion(look.by_slug.one_or_none(slug=match["slug"]))
    if found is None:
        return None
    key = found.cache_key("page", page, settings.comments_per_page)
    return _Hit(key, "Cookie")


def _thread_json(look: _Lookups, match: re.Match[str], page: int) -> _Hit | None:
    found = look.discussion(look.by_slug.one_or_none(slug=match["slug"]))
    if found is None:
        return None
    key = found.cache_key("json", page, look.settings.comments_per_page)
    return _Hit(key, "Authorization")


def _replies(kind: str, vary: str) -> Resolver:
    def resolve(look: _Lookups, match: re.Match[str], page: int) -> _Hit | None:
        comment_id = int(match["id"])
        found = look.discussion(look.by_comment.one_or_none(comment_id=comment_id))
        if found is None:
            return None
        return _Hit(found.cache_key(kind, comment_id, page), vary)

    return resolve


def _listing(kind: str) -> Resolver:
    def resolve(look: _Lookups, match: re.Match[str], page: int) -> _Hit | None:
        row = look.listing.one_or_none()
        if row is None:
            return None
        per_page = str(look.settings.articles_per_page)
        parts = (*match.groups(), str(page), per_page)
        key = articles_service.listing_key(int(row["value"]), kind, *parts)
        return _Hit(key, "Cookie")

    return resolve


# The public reads and how each names its rendering, as the routes do.
_ROUTES: list[tuple[re.Pattern[str], Resolver]] = [
    (re.compile(r"/articles/(?P<slug>[^/]+)"), _article_page),
    (re.compile(rf"{API_PREFIX}/articles/(?P<slug>[^/]+)/comments"), _thread_json),
    (
        re.compile(r"/comments/(?P<id>[1-9][0-9]{0,8})/replies"),
        _replies("replies", "Cookie"),
    ),
    (
        re.compile(rf"{API_PREFIX}/comments/(?P<id>[1-9][0-9]{{0,8}})/replies"),
        _replies("json-replies", "Authorization"),
    ),
    (re.compile(r"/"), _listing("home")),
    (re.compile(r"/tags/([^/]+)"), _listing("tag")),
]


def _page_number(query: bytes) -> int | None:
    """The page a query string asks for (1 without one); None for any other
    parameter, or a page the route would refuse: the app answers those."""
    page = 1
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if name != "page" or not value.isdigit():
            return None
        page = int(value)
    return page if 1 <= page <= MAX_PAGE else None


class FrontCache:
    def __init__(
        self, app: ASGIApp, *, engine: Engine, settings: Settings, cache: Cache
    ) -> None:
        self.app = app
        self.cache = cache
        self.lookups = _Lookups(engine, settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        hit = None
        if scope["type"] == "http" and scope["method"] == "GET":
            hit = await self._hit(scope)
        if hit is None:
            await self.app(scope, receive, send)
            return
        rendering, vary = hit
        headers = Headers(scope=scope)
        response = renderings.response_for(
            headers.get("if-none-match"), rendering, vary=vary
        )
        await response(scope, receive, send)

    async def _hit(self, scope: Scope) -> tuple[renderings.Rendering, str] | None:
        if names_the_visitor(scope):
            return None
        page = _page_number(scope.get("query_string", b""))
        if page is None:
            return None
        path: str = scope["path"]
        for pattern, resolve in _ROUTES:
            match = pattern.fullmatch(path)
            if match is not None:
                return await run_in_threadpool(self._cached, resolve, match, page)
        return None

    def _cached(
        self, resolve: Resolver, match: re.Match[str], page: int
    ) -> tuple[renderings.Rendering, str] | None:
        try:
            hit = resolve(self.lookups, match, page)
        except self.lookups.errors:
            return None
        if hit is None:
            return None
        raw = self.cache.get(hit.key)
        if raw is None:
            return None
        return renderings.Rendering.decode(raw), hit.vary
