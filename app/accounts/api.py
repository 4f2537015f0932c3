"""JSON API for accounts: tokens, registration and the caller (/api/v1/auth, /api/v1/me)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from app.accounts import service
from app.accounts.deps import (
    AuthSessionDep,
    CurrentUser,
    ModeratorUser,
    bearer_token,
    client_ip,
    session_lifetime,
)
from app.accounts.models import SessionKind, User
from app.accounts.schemas import BanIn, BanRead, MeRead, RegisterIn, TokenRead, UserRead
from app.config import Settings
from app.db import SessionDep
from app.errors import NotAuthenticated, PermissionDenied

router = APIRouter(tags=["accounts"])


@router.post("/auth/token", name="api.auth.token")
def token_create(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
) -> TokenRead:
    settings: Settings = request.app.state.settings
    user = service.authenticate(
        session,
        username=form.username[:254],
        password=form.password[:128],
        client_ip=client_ip(request),
        limiter=request.app.state.limiter,
        limits=service.LoginLimits.from_settings(settings),
    )
    token = service.start_session(
        session,
        user,
        kind=SessionKind.API,
        lifetime=session_lifetime(settings, SessionKind.API),
        user_agent=request.headers.get("user-agent"),
    )
    return TokenRead(access_token=token)


@router.delete("/auth/token", name="api.auth.revoke", status_code=204)
def token_revoke(
    request: Request, session: SessionDep, auth: AuthSessionDep
) -> Response:
    token = bearer_token(request)
    if auth is None or token is None:
        raise NotAuthenticated("Send the bearer token you want to revoke.")
    service.end_session(session, token)
    return Response(status_code=204)


@router.post("/auth/register", name="api.auth.register", status_code=201)
def register(request: Request, data: RegisterIn, session: SessionDep) -> MeRead:
    if not request.app.state.settings.allow_registration:
        raise PermissionDenied("New accounts are not being accepted at the moment.")
    return me_read(service.register(session, data))


@router.get("/me", name="api.me")
def me(user: CurrentUser) -> MeRead:
    return me_read(user)


def me_read(user: User) -> MeRead:
    return MeRead.model_validate(
        {
            **UserRead.model_validate(user).model_dump(),
            "email": user.email,
            "notify_replies": user.notify_replies,
            "banned_until": user.banned_until,
            "ban_reason": user.ban_reason,
            "is_banned": user.is_banned(),
        }
    )


@router.get("/users/{username}", name="api.users.detail", response_model=UserRead)
def user_detail(username: str, session: SessionDep) -> User:
    return service.get_user(session, username)


@router.post("/users/{username}/ban", name="api.users.ban", response_model=BanRead)
def user_ban(
    username: str, data: BanIn, session: SessionDep, actor: ModeratorUser
) -> User:
    user = service.get_user(session, username)
    return service.ban(session, user, until=data.until, reason=data.reason, actor=actor)


@router.post("/users/{username}/unban", name="api.users.unban", response_model=BanRead)
def user_unban(username: str, session: SessionDep, actor: ModeratorUser) -> User:
    return service.unban(session, service.get_user(session, username), actor=actor)
