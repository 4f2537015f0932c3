"""HTML plumbing: the Jinja environment, render(), flash messages, forms and CSRF."""

from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, Request
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

from app import dates
from app.accounts import service as accounts_service
from app.accounts.deps import AuthSessionDep
from app.comments import spam
from app.config import TEMPLATES_DIR
from app.errors import DomainError
from app.security import csrf_token, csrf_valid, new_token, same_origin

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
    env.globals["comment_form_token"] = _comment_form_token
    env.globals["url_for"] = _url_for
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


@pass_context
def _comment_form_token(context: dict[str, Any], article_id: int) -> str:
    """A fresh timing token for this visitor's comment form (app.comments.spam)."""
    request: Request = context["request"]
    return spam.form_token(
        request.app.state.settings.secret_key, article_id, seed=state_seed(request)
    )


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
        "ban_notice": accounts_service.ban_message(
            getattr(request.state, "user", None)
        ),
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


class CsrfFailed(DomainError):
    """A form arrived without a valid token; what was typed is kept to show again."""

    status_code = 403

    def __init__(self, fields: FormFields) -> None:
        super().__init__("This form has expired or did not come from this site.")
        self.fields = fields


async def get_form(request: Request, auth: AuthSessionDep) -> FormFields:
    """The posted form's fields, after checking its CSRF token."""
    del auth  # resolved first so the token can be bound to the session
    form = await request.form()
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    seed = csrf_seed(request, create=False)
    settings = request.app.state.settings
    if not csrf_valid(
        settings.secret_key, seed, fields.pop(CSRF_FIELD, None)
    ) or not same_origin(
        request.headers.get("origin"),
        request.headers.get("referer"),
        site_origins=site_origins(request),
    ):
        raise CsrfFailed(fields)
    return fields


def site_origins(request: Request) -> set[str]:
    """The origins this site's own pages post from: the one the request was
    addressed to, and the configured public address (behind a TLS proxy)."""
    configured = urlsplit(request.app.state.settings.base_url)
    return {
        f"{request.url.scheme}://{request.url.netloc}".lower(),
        f"{configured.scheme}://{configured.netloc}".lower(),
    }


CsrfForm = Annotated[FormFields, Depends(get_form)]


def repeated_field(name: str) -> Callable[..., Awaitable[list[str]]]:
    """A dependency: every value of a form field that repeats (ticked boxes
    sharing a name), CSRF-checked."""

    async def values(request: Request, form: CsrfForm) -> list[str]:
        del form  # resolved first: it checks the token and parses the body
        return [
            value
            for value in (await request.form()).getlist(name)
            if isinstance(value, str)
        ]

    return values


def field_errors(exc: Exception) -> dict[str, str]:
    """Per-field messages from a pydantic ValidationError or a domain error with a field."""
    if isinstance(exc, ValidationError):
        errors: dict[str, str] = {}
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "form"
            message = error["msg"].removeprefix("Value error, ")
            errors.setdefault(name, message[0].upper() + message[1:])
        return errors
    field = getattr(exc, "field", None) or "form"
    return {field: str(exc)}


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths are followed after a form (never another host)."""
    if not target:
        return default
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):
        return default
    return target
