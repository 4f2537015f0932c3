"""Who is asking: route dependencies over the accounts service.

Browser pages authenticate with the session cookie; the JSON API only with a
bearer token, so a cross-site form can never act through the API.
"""

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import paths
from app.accounts import personal, service
from app.accounts.models import AuthSession, SessionKind, User
from app.config import Settings
from app.db import SessionDep
from app.errors import DomainError, PermissionDenied
from app.security import csrf_valid, same_origin
from app.web import CSRF_FIELD, FormFields, csrf_seed, is_api_request, site_origins

SESSION_COOKIE = "haven_session"


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def client_ip(request: Request) -> str:
    """The address login limits count against (uvicorn applies proxy headers)."""
    return request.client.host if request.client else "unknown"


async def get_signup_allowance(request: Request) -> service.SignupAllowance:
    """The sign-up limit, counted for this request's address (pages and API)."""
    return service.SignupAllowance.for_client(
        request.app.state.limiter, request.app.state.settings, client_ip(request)
    )


SignupAllowanceDep = Annotated[service.SignupAllowance, Depends(get_signup_allowance)]


async def get_password_attempts(request: Request) -> personal.PasswordAttempts:
    """Where a signed-in member's wrong passwords count: the sign-in limits."""
    return personal.PasswordAttempts(
        request.app.state.limiter,
        service.LoginLimits.from_settings(request.app.state.settings),
        client_ip(request),
    )


PasswordAttemptsDep = Annotated[
    personal.PasswordAttempts, Depends(get_password_attempts)
]


def session_lifetime(settings: Settings, kind: SessionKind) -> timedelta:
    days = settings.api_token_days if kind is SessionKind.API else settings.session_days
    return timedelta(days=days)


def get_auth_session(request: Request, session: SessionDep) -> AuthSession | None:
    """The caller's live session, looked up once per request."""
    if hasattr(request.state, "auth_session"):
        cached: AuthSession | None = request.state.auth_session
        return cached
    settings: Settings = request.app.state.settings
    kind = SessionKind.API if is_api_request(request) else SessionKind.BROWSER
    token = (
        bearer_token(request)
        if kind is SessionKind.API
        else request.cookies.get(SESSION_COOKIE)
    )
    auth, refreshed = (
        service.resolve_session(
            session, token, kind=kind, lifetime=session_lifetime(settings, kind)
        )
        if token
        else (None, False)
    )
    if auth is None and kind is SessionKind.API and "authorization" in request.headers:
        # A caller who sent credentials we cannot honour (revoked, expired,
        # unknown, another scheme) is told so, never served as a guest.
        raise HTTPException(
            status_code=401,
            detail="That token is not valid: sign in again for a new one.",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    if refreshed and kind is SessionKind.BROWSER:
        # The cookie slides with the server-side expiry (see SessionCookieRefresh).
        request.state.renew_session_cookie = token
    request.state.auth_session = auth
    request.state.user = auth.user if auth else None
    # Every page tells a banned member why they can't post (app.web.render).
    request.state.ban_notice = service.ban_message(request.state.user)
    return auth


AuthSessionDep = Annotated[AuthSession | None, Depends(get_auth_session)]


# The guards below only read what get_auth_session loaded: async, so they cost
# no trip to the thread pool (a sync dependency costs one per request).
async def get_optional_user(auth: AuthSessionDep) -> User | None:
    return auth.user if auth else None


OptionalUser = Annotated[User | None, Depends(get_optional_user)]


async def get_current_user(request: Request, user: OptionalUser) -> User:
    """The signed-in user: otherwise 401 for the API, a trip to the sign-in page for HTML."""
    if user is not None:
        return user
    if is_api_request(request):
        raise HTTPException(
            status_code=401,
            detail="Please sign in: send a bearer token.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    raise HTTPException(status_code=303, headers={"Location": paths.sign_in_to(target)})


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_moderator(user: CurrentUser) -> User:
    if not user.moderates:
        raise PermissionDenied(
            "This page is for moderators."
            if not user.is_moderator
            else "Your account can't moderate at the moment."
        )
    return user


async def get_admin(user: CurrentUser) -> User:
    if not user.administers:
        raise PermissionDenied("This page is for administrators.")
    return user


ModeratorUser = Annotated[User, Depends(get_moderator)]
AdminUser = Annotated[User, Depends(get_admin)]


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )


class SessionCookieRenewal:
    """Re-send the session cookie when its server-side expiry slid forward.

    Pages return their own Response objects, so a dependency cannot add the
    header itself; this ASGI wrapper does, unless the page set the cookie already.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_renewed(message: Message) -> None:
            token = scope.get("state", {}).get("renew_session_cookie")
            if message["type"] == "http.response.start" and token:
                headers = MutableHeaders(scope=message)
                already = any(
                    value.startswith(f"{SESSION_COOKIE}=")
                    for value in headers.getlist("set-cookie")
                )
                if not already:
                    carrier = Response()
                    set_session_cookie(carrier, token, self.settings)
                    headers.append("set-cookie", carrier.headers["set-cookie"])
            await send(message)

        await self.app(scope, receive, send_renewed)


# Every HTML form: its fields, once its CSRF token (bound to the visitor's
# session, so resolved after it) and its origin are checked.
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
