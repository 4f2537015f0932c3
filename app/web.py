"""HTML plumbing: the Jinja environment, render(), flash messages, forms and CSRF."""

from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    pass_context,
    select_autoescape,
)
from pydantic import ValidationError
from starlette.responses import Response

from app import dates, field_messages
from app.config import TEMPLATES_DIR
from app.errors import Invalid
from app.paths import API_PREFIX
from app.paths import safe_next as safe_next  # the pages' import
from app.paths import with_next as with_next
from app.security import csrf_token, new_token

FormFields = dict[str, str]
CSRF_FIELD = "csrf_token"


def make_templates(*, auto_reload: bool = True) -> Jinja2Templates:
    """The Jinja environment. Without auto_reload (production) a template is read
    once, not checked on disk at every include (one per comment in a thread)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=auto_reload,
        cache_size=-1,
    )
    env.filters["date"] = dates.long_date
    env.filters["datetime"] = dates.date_and_time
    env.filters["iso"] = dates.iso
    env.globals["url_for"] = _url_for
    env.globals["account_links"] = _account_links
    return Jinja2Templates(env=env)


@pass_context
def _url_for(context: dict[str, Any], name: str, /, **params: Any) -> str:
    """A route's address, relative to the site: the same behind any proxy or
    host name, and worked out once per route and parameters (Starlette's
    url_for searches the route table on every call)."""
    request: Request = context["request"]
    return _path_for(request.app, name, tuple(sorted(params.items())))


@lru_cache(maxsize=4096)
def _path_for(app: Any, name: str, params: tuple[tuple[str, Any], ...]) -> str:
    return str(app.url_path_for(name, **dict(params)))


class _LazyCsrfToken:
    """The visitor's CSRF token, made on first use: a page with no form leaves
    an anonymous visitor without a session cookie (and cacheable)."""

    def __init__(self, request: Request) -> None:
        self._request = request
        self._token: str | None = None

    def __str__(self) -> str:
        if self._token is None:
            self._token = csrf_token(
                self._request.app.state.settings.secret_key,
                csrf_seed(self._request) or "",
            )
        return self._token

    __html__ = __str__


def is_api_request(request: Request) -> bool:
    """Whether a request is for the JSON API (its errors are JSON, its sessions
    bearer tokens), the one test every part of the site uses."""
    path = request.url.path
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def request_csrf_token(request: Request) -> str:
    """This visitor's CSRF token (made now if they had none)."""
    return str(_LazyCsrfToken(request))


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    full = {
        "settings": request.app.state.settings,
        "flashes": pop_flashes(request),
        "current_user": getattr(request.state, "user", None),
        "ban_notice": getattr(request.state, "ban_notice", None),
        "csrf_token": _LazyCsrfToken(request),
        "errors": {},
        "moderation_counts": getattr(request.state, "moderation_counts", None),
        "moderation_waiting": getattr(request.state, "moderation_waiting", 0),
        **(context or {}),
    }
    return templates.TemplateResponse(request, template, full, status_code=status_code)


def render_fragment(request: Request, template: str, context: dict[str, Any]) -> str:
    """A partial rendered on its own, from exactly ``context`` (no page globals)."""
    templates: Jinja2Templates = request.app.state.templates
    return templates.env.get_template(template).render(context)


def has_personal_state(request: Request) -> bool:
    """Whether this visitor's browser session holds anything of theirs to show
    (messages, a guest's own comments): the page is not the public one then."""
    if "session" not in request.scope:
        return False
    return any(key != "csrf_seed" for key in request.session)


def flash(request: Request, message: str, category: str = "info") -> None:
    """Queue a message for the next page this visitor sees (post-redirect-get)."""
    if "session" not in request.scope:
        return
    request.session.setdefault("flashes", []).append([category, message])


def pop_flashes(request: Request) -> list[list[str]]:
    if "session" not in request.scope:
        return []
    flashes: list[list[str]] = request.session.pop("flashes", [])
    return flashes


def csrf_seed(request: Request, *, create: bool = True) -> str | None:
    """What a visitor's form tokens are bound to: their session, or an anonymous seed."""
    auth = getattr(request.state, "auth_session", None)
    if auth is not None:
        seed: str = auth.token_hash
        return seed
    if "session" not in request.scope:
        return None
    anonymous: str | None = request.session.get("csrf_seed")
    if anonymous is None and create:
        anonymous = new_token()
        request.session["csrf_seed"] = anonymous
    return anonymous


def state_seed(request: Request) -> str:
    """The seed in this browser's state cookie (made now if it had none), signed
    in or not: what its comment forms' timing tokens are bound to. Signing in
    or out keeps it, so a form opened before still works."""
    if "session" not in request.scope:
        return ""
    seed: str | None = request.session.get("csrf_seed")
    if seed is None:
        seed = new_token()
        request.session["csrf_seed"] = seed
    return seed


def site_origins(request: Request) -> set[str]:
    """The origins this site's own pages post from: the one the request was
    addressed to, and the configured public address (behind a TLS proxy)."""
    configured = urlsplit(request.app.state.settings.base_url)
    return {
        f"{request.url.scheme}://{request.url.netloc}".lower(),
        f"{configured.scheme}://{configured.netloc}".lower(),
    }


def field_errors(exc: Exception) -> dict[str, str]:
    """Per-field sentences (app.field_messages) from a pydantic ValidationError,
    or from a domain error naming its field or fields."""
    if isinstance(exc, ValidationError):
        return field_messages.by_field(exc.errors())
    if isinstance(exc, Invalid) and exc.by_field:
        return dict(exc.by_field)
    field = getattr(exc, "field", None) or "form"
    return {field: str(exc)}


@dataclass(frozen=True)
class AccountLinks:
    """Where "Sign in" and "Create a free account" lead from a page: each
    returns the person to ``back`` once they are in."""

    sign_in: str
    register: str


@pass_context
def _account_links(context: dict[str, Any], back: str) -> AccountLinks:
    """The sign-in and sign-up addresses that bring a person back to ``back``:
    built here once, so no template spells out a ``next`` parameter."""
    app = context["request"].app
    return AccountLinks(
        sign_in=with_next(_path_for(app, "accounts.login", ()), back),
        register=with_next(_path_for(app, "accounts.register", ()), back),
    )
