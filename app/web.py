"""HTML plumbing: the Jinja environment, render(), flash messages, forms and CSRF."""

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import ValidationError
from starlette.responses import Response

from app.accounts import service as accounts_service
from app.accounts.deps import AuthSessionDep
from app.comments import editing, spam
from app.config import TEMPLATES_DIR
from app.errors import DomainError
from app.security import csrf_token, csrf_valid, new_token

FormFields = dict[str, str]
CSRF_FIELD = "csrf_token"


def _date(value: datetime | None) -> str:
    return value.strftime("%-d %B %Y") if value else ""


def _datetime(value: datetime | None) -> str:
    return value.strftime("%-d %B %Y at %H:%M UTC") if value else ""


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


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
    env.filters["date"] = _date
    env.filters["datetime"] = _datetime
    env.filters["iso"] = _iso
    env.globals["comment_form_token"] = spam.form_token
    env.globals["can_edit"] = editing.can_edit
    return Jinja2Templates(env=env)


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
        "csrf_token": csrf_token(
            request.app.state.settings.secret_key, csrf_seed(request) or ""
        ),
        "errors": {},
        "moderation_counts": getattr(request.state, "moderation_counts", None),
        **(context or {}),
    }
    return templates.TemplateResponse(request, template, full, status_code=status_code)


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
    if not csrf_valid(
        request.app.state.settings.secret_key, seed, fields.pop(CSRF_FIELD, None)
    ):
        raise CsrfFailed(fields)
    return fields


CsrfForm = Annotated[FormFields, Depends(get_form)]


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
