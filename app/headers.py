"""Security headers on every response, and no-store on every personal one.

One ASGI wrapper, outermost, so that pages, the JSON API, static files, the
front cache's answers and error pages all leave with the same headers. The
Content-Security-Policy allows scripts and styles from this site only: Haven
has no inline JavaScript or CSS (STYLE.md, §4), so an injected ``<script>``
or ``onclick`` would not run even if it got past the sanitiser.

A response is personal when the request carried an ``Authorization`` header
or one of Haven's cookies, when it answers what someone sent (a POST echoes
their form), or when it sets a cookie: it may hold a
name, an e-mail address or a CSRF token, so no browser or proxy keeps it. An
anonymous public read keeps the ETag and ``no-cache`` app.renderings gave it.
"""

import base64
import hashlib
import re
from collections.abc import Mapping

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.front import names_the_visitor

# Comment and article markup may show images from other https sites.
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' https: data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def docs_policies(pages: Mapping[str, str]) -> dict[str, str]:
    """The policy of each API docs page (app.apidocs), by path: Swagger UI's
    files come from this site, and each page's inline start-up script is
    allowed by its hash and nothing else."""
    return {path: _docs_policy(html) for path, html in pages.items()}


def _docs_policy(html: str) -> str:
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(html)
    )
    return (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self'; "
        "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )


def add_security_headers(
    scope: Scope,
    headers: MutableHeaders,
    settings: Settings,
    policies: dict[str, str] | None = None,
) -> None:
    """Set the security headers on a response to the request in ``scope``."""
    policy = (policies or {}).get(scope.get("path", ""), POLICY)
    headers["Content-Security-Policy"] = policy
    headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    if settings.secure_cookies:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    answers_a_submission = scope.get("method") not in ("GET", "HEAD")
    if answers_a_submission or names_the_visitor(scope) or "set-cookie" in headers:
        headers["Cache-Control"] = "no-store"


class SecurityHeaders:
    """Add the security headers to every HTTP response (see the module's docstring)."""

    def __init__(
        self, app: ASGIApp, settings: Settings, policies: dict[str, str]
    ) -> None:
        self.app = app
        self.settings = settings
        self.policies = policies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_hardened(message: Message) -> None:
            if message["type"] == "http.response.start":
                add_security_headers(
                    scope, MutableHeaders(scope=message), self.settings, self.policies
                )
            await send(message)

        await self.app(scope, receive, send_hardened)
