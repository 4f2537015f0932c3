"""HTML plumbing: the Jinja environment, render() and flash messages."""

from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import Response

from app.config import TEMPLATES_DIR


def _date(value: datetime | None) -> str:
    return value.strftime("%-d %B %Y") if value else ""


def _datetime(value: datetime | None) -> str:
    return value.strftime("%-d %B %Y at %H:%M UTC") if value else ""


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def make_templates() -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["date"] = _date
    env.filters["datetime"] = _datetime
    env.filters["iso"] = _iso
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
