"""The application factory: routers, static files, error pages."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import apidocs
from app.accounts import api as accounts_api
from app.accounts import views as accounts_views
from app.accounts.deps import CsrfFailed, SessionCookieRenewal, get_auth_session
from app.articles import api as articles_api
from app.articles import feed_views
from app.articles import views as articles_views
from app.cache import make_cache
from app.comments import api as comments_api
from app.comments import draft_api, draft_views, form_defence
from app.comments import views as comments_views
from app.config import STATIC_DIR, Settings, build_fingerprint, get_settings
from app.db import database_unreachable, make_engine, make_sessionmaker
from app.errors import (
    API_ERRORS,
    DomainError,
    RateLimited,
    TooLarge,
    describe_validation,
)
from app.front import FrontCache
from app.headers import SecurityHeaders, add_security_headers, docs_policies
from app.hosts import HEALTH_PATH, TrustedHosts
from app.moderation import api as moderation_api
from app.moderation import insights_views, settings_api, settings_views
from app.moderation import views as moderation_views
from app.notifications import api as notifications_api
from app.notifications import views as notifications_views
from app.notifications.transport import make_transport
from app.notifications.worker import start_in_app
from app.paths import API_PREFIX
from app.ratelimit import RateLimiter
from app.search import api as search_api
from app.search import views as search_views
from app.text import refuse_unstorable_address
from app.web import is_api_request, make_templates, render

logger = logging.getLogger("haven")

# What a 503 asks a client to wait while the database is out of reach.
DATABASE_RETRY_SECONDS = 60
# Far above any article (200,000 characters) or comment.
MAX_BODY_BYTES = 2 * 1024 * 1024

_STATUS_MESSAGES = {
    400: "That request could not be understood.",
    401: "Please sign in first.",
    403: "You don't have permission to do that.",
    404: "We couldn't find that page.",
    405: "That action isn't available here.",
    409: "That can't be done right now.",
    413: "That's too large.",
    422: "Some of what was sent can't be used.",
    429: "Too many attempts. Please wait a moment and try again.",
    500: "Something went wrong on our side.",
}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = make_engine(
        settings.database_url,
        echo=settings.sql_echo,
        show_parameters=settings.env == "development",
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        mailer = (
            start_in_app(settings, engine, make_transport(settings.smtp_url))
            if settings.sends_mail_in_app
            else None
        )
        yield
        if mailer is not None:
            mailer.stop()
        engine.dispose()

    app = FastAPI(
        title=settings.site_name,
        lifespan=lifespan,
        # Every page knows who is asking, for the navigation and CSRF binding.
        dependencies=[Depends(refuse_unstorable_address), Depends(get_auth_session)],
        openapi_url=apidocs.OPENAPI_PATH,
        # Served by app.apidocs from Haven's own files, not FastAPI's CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.templates = make_templates(auto_reload=settings.env == "development")
    app.state.templates.env.globals["comment_form_token"] = (
        comments_views.comment_form_token
    )
    app.state.limiter = RateLimiter(settings.redis_url)
    app.state.cache = make_cache(
        int(settings.cache_mb * 1024 * 1024),
        settings.redis_url,
        namespace=f"haven:cache:{build_fingerprint()}",
    )

    app.add_middleware(SessionCookieRenewal, settings=settings)
    app.add_middleware(BodySizeGuard, limit=MAX_BODY_BYTES)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="haven_state",
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    # Outermost: a cached public page is answered before anything else runs.
    app.add_middleware(
        FrontCache, engine=engine, settings=settings, cache=app.state.cache
    )
    # Before the cache: a forged Host gets nothing, not even a cached page.
    app.add_middleware(TrustedHosts, settings=settings)
    # Around everything, the cache's answers included.
    docs_pages = apidocs.install(app)  # before /static, which holds its files
    app.add_middleware(
        SecurityHeaders, settings=settings, policies=docs_policies(docs_pages)
    )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    api = APIRouter(prefix=API_PREFIX, responses=API_ERRORS)
    api.include_router(accounts_api.router)
    api.include_router(articles_api.router)
    api.include_router(comments_api.router)
    api.include_router(draft_api.router)
    api.include_router(moderation_api.router)
    api.include_router(settings_api.router)
    api.include_router(notifications_api.router)
    api.include_router(search_api.router)
    app.include_router(api)
    # Only the JSON API is documented: pages and feeds leave the OpenAPI schema.
    app.include_router(feed_views.router, include_in_schema=False)  # no navigation
    # Every HTML page: moderators see the queue's counts in the navigation.
    pages = [Depends(moderation_views.moderation_nav)]
    for views in (
        articles_views,
        accounts_views,
        comments_views,
        draft_views,
        moderation_views,
        settings_views,
        insights_views,
        notifications_views,
        search_views,
    ):
        app.include_router(views.router, dependencies=pages, include_in_schema=False)

    # A plain Starlette route: none of the app's dependencies (who is asking)
    # run, so a stale cookie can't turn the answer into a page.
    def healthz(_request: Request) -> JSONResponse:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            logger.exception("health check: database did not answer")
            return JSONResponse(
                {"status": "unavailable", "database": "down"}, status_code=503
            )
        return JSONResponse({"status": "ok", "database": "ok"})

    app.add_route(HEALTH_PATH, healthz, name="health", include_in_schema=False)

    _install_error_handlers(app)
    return app


def error_response(
    request: Request,
    status_code: int,
    message: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """The one way an error reaches a visitor: JSON under /api, a page elsewhere."""
    message = message or _STATUS_MESSAGES.get(status_code, "Something went wrong.")
    if is_api_request(request):
        return JSONResponse(
            {"detail": message}, status_code=status_code, headers=headers
        )
    template = (
        f"errors/{status_code}.html"
        if status_code in (403, 404, 429, 500, 503)
        else "errors/error.html"
    )
    response = render(
        request,
        template,
        {"status_code": status_code, "message": message},
        status_code=status_code,
    )
    if headers:
        response.headers.update(headers)
    return response


def _look_up_viewer(request: Request) -> None:
    with request.app.state.sessionmaker() as session:
        try:
            get_auth_session(request, session)
        except (DBAPIError, PoolTimeout) as exc:
            if not database_unreachable(exc):
                raise
            # Nobody can be looked up just now: the page shows a visitor.
            request.state.auth_session = request.state.user = None


def _database_down(request: Request) -> Response:
    """The answer while the database is out of reach: 503, and when to retry."""
    site = request.app.state.settings.site_name
    message = f"{site} can't reach its database just now. Please try again in a minute."
    return error_response(
        request, 503, message, {"Retry-After": str(DATABASE_RETRY_SECONDS)}
    )


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DBAPIError)
    @app.exception_handler(PoolTimeout)
    async def database_error(request: Request, exc: Exception) -> Response:
        if not database_unreachable(exc):
            raise exc  # a mistake of ours: the 500 handler logs it
        logger.warning(
            "database unreachable on %s %s: %s",
            request.method,
            request.url.path,
            getattr(exc, "orig", exc),
        )
        return _database_down(request)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        headers = (
            {"Retry-After": str(exc.retry_after)}
            if isinstance(exc, RateLimited)
            else None
        )
        return error_response(request, exc.status_code, exc.message, headers)

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, exc: CsrfFailed) -> Response:
        # Keep what was typed to copy, but never offer to send it again: a
        # same-site page can forge a form too, and one click would complete it.
        kept = {
            name: value
            for name, value in exc.fields.items()
            if value.strip()
            and "password" not in name
            and name not in form_defence.DEFENCE_FIELDS
        }
        return render(
            request,
            "errors/csrf.html",
            {
                "message": exc.message,
                "status_code": 403,
                "kept": kept,
            },
            status_code=403,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if not hasattr(request.state, "auth_session") and not is_api_request(request):
            # No route ran (an unknown address), so nobody looked up who is
            # asking; the error page should still show them signed in.
            await run_in_threadpool(_look_up_viewer, request)
        if 300 <= exc.status_code < 400 and exc.headers and "Location" in exc.headers:
            return RedirectResponse(
                exc.headers["Location"], status_code=exc.status_code
            )
        detail = (
            exc.detail
            if isinstance(exc.detail, str) and exc.status_code != 404
            else None
        )
        if (
            is_api_request(request)
            and exc.status_code == 404
            and exc.detail == "Not Found"
        ):
            detail = "Not found."
        return error_response(request, exc.status_code, detail, dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def validation_error(
        request: Request, exc: RequestValidationError
    ) -> Response:
        if is_api_request(request):
            return JSONResponse(
                {"detail": describe_validation(exc.errors())}, status_code=422
            )
        return error_response(
            request,
            400,
            f"This address has a value we can't use: {describe_validation(exc.errors())}",
        )

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        logger.error(
            "unhandled error on %s %s", request.method, request.url.path, exc_info=exc
        )
        # Starlette answers this one outside every middleware, SecurityHeaders too.
        response = error_response(request, 500)
        add_security_headers(
            request.scope, response.headers, request.app.state.settings
        )
        return response


class BodySizeGuard:
    """Refuse bodies over the limit with Haven's own 413 page or {"detail"}.

    A declared Content-Length is refused before anything is read; a body sent
    without one is counted as it arrives, and TooLarge surfaces to the error
    handlers from the route that reads it.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.message = (
            f"That is too large: at most {limit // (1024 * 1024)} MB can be sent."
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length", "")
        if length.isdigit() and int(length) > self.limit:
            response = error_response(Request(scope, receive), 413, self.message)
            await response(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise TooLarge(self.message)
            return message

        await self.app(scope, counted, send)
