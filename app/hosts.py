"""Only the configured hosts are served.

Starlette builds ``request.url`` and ``url_for`` from the Host header, which a
client chooses. Haven writes relative links in pages and redirects and takes
every absolute address from HAVEN_BASE_URL (``Settings.absolute_url``); this
guard refuses the rest with 400, so no forged Host reaches a page at all.
``/healthz`` is left open: load balancers and Docker's HEALTHCHECK call it by
IP address, and it answers no address.
"""

from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from app.config import Settings

HEALTH_PATH = "/healthz"


class TrustedHosts:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.guard = TrustedHostMiddleware(
            app, allowed_hosts=settings.trusted_hosts, www_redirect=False
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == HEALTH_PATH:
            await self.app(scope, receive, send)
            return
        await self.guard(scope, receive, send)
