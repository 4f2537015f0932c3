"""JSON API for accounts: tokens, registration and the caller (/api/v1/auth, /api/v1/me)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy.orm import Session

from app import paths
from app.accounts import history, memorial, personal, recovery, service
from app.accounts.deps import (
    AdminUser,
    AuthSessionDep,
    CurrentUser,
    ModeratorUser,
    PasswordAttemptsDep,
    SignupAllowanceDep,
    bearer_token,
    client_ip,
    session_lifetime,
)
from app.accounts.models import SessionKind, User
from app.accounts.schemas import (
    AccountDeletion,
    BadgeIn,
    BanIn,
    BanRead,
    Detail,
    EmailConfirmation,
    MemorialIn,
    MeRead,
    MeUpdate,
    NoteIn,
    NoteRead,
    PasswordReset,
    PersonalData,
    ProfileUpdate,
    RegisterIn,
    ResetRequest,
    TokenRead,
    UserRead,
    UserStandingRead,
)
from app.comments import profile as profile_comments
from app.comments.schemas import (
    CommentArticleRead,
    PublicCommentPageRead,
    PublicCommentRead,
)
from app.config import SettingsDep
from app.db import SessionDep, utcnow
from app.errors import NotAuthenticated, PermissionDenied, error_responses
from app.moderation import guidelines
from app.moderation.schemas import LogRead, UserModerationRead
from app.notifications import service as notifications
from app.notifications.deps import SignerDep
from app.pagination import PageNumber

router = APIRouter(
    tags=["accounts"], responses=error_responses(403, 404, 409, 413, 429)
)


@router.post("/auth/token", name="api.auth.token")
def token_create(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
) -> TokenRead:
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
def register(
    data: RegisterIn,
    session: SessionDep,
    allowance: SignupAllowanceDep,
    response: Response,
    settings: SettingsDep,
) -> MeRead | Detail:
    """201 with the new account; 202 with a notice, the same for every address,
    while the site hides which addresses have an account."""
    if not settings.allow_registration:
        raise PermissionDenied("New accounts are not being accepted at the moment.")
    outcome = service.sign_up(
        session,
        data,
        hide_taken_emails=settings.hides_taken_emails,
        allowance=allowance,
    )
    if outcome.user is None:
        response.status_code = 202
        return Detail(detail=outcome.notice)
    return me_read(session, outcome.user)


@router.get("/me", name="api.me")
def me(session: SessionDep, user: CurrentUser) -> MeRead:
    return me_read(session, user)


def me_read(session: Session, user: User) -> MeRead:
    return MeRead.model_validate(
        {
            **UserRead.model_validate(user).model_dump(),
            "email": user.email,
            "email_verified": user.email_verified_at is not None,
            "pending_email": user.pending_email,
            "notify_replies": user.notify_replies,
            "notify_decisions": user.notify_decisions,
            "notify_digest": user.notify_digest,
            "shown_content_notes": user.shown_content_notes,
            "banned_until": user.banned_until,
            "ban_reason": user.ban_reason,
            "is_banned": user.is_banned(),
            "guidelines_seen": guidelines.has_seen(session, user),
        }
    )


@router.get("/users/{username}", name="api.users.detail", response_model=UserRead)
def user_detail(username: str, session: SessionDep) -> User:
    return service.get_member(session, username)


@router.get("/users/{username}/comments", name="api.users.comments")
def user_comments(
    username: str, session: SessionDep, settings: SettingsDep, page: PageNumber = 1
) -> PublicCommentPageRead:
    """Someone's published comments, newest first: what their profile page lists."""
    person = service.get_member(session, username)
    result = profile_comments.list_public_comments(session, person, page=page)
    items = [
        PublicCommentRead(
            id=item.comment.id,
            article=CommentArticleRead(
                slug=item.article.slug, title=item.article.title
            ),
            body_html=item.comment.body_html,
            excerpt=item.excerpt,
            created_at=item.comment.created_at,
            edited_at=item.comment.edited_at,
            url=settings.absolute_url(
                paths.fill(paths.COMMENT, comment_id=item.comment.id)
            ),
        )
        for item in result.items
    ]
    return PublicCommentPageRead(
        items=items, page=result.page, pages=result.pages, total=result.total
    )


def ban_read(
    user: User, rejected: list[int] | None = None, removed: list[int] | None = None
) -> BanRead:
    return BanRead(
        username=user.username,
        banned_until=user.banned_until,
        ban_reason=user.ban_reason,
        banned_at=user.banned_at,
        is_banned=user.is_banned(),
        rejected_comment_ids=rejected or [],
        removed_comment_ids=removed or [],
    )


@router.put("/users/{username}/badge", name="api.users.badge")
def user_badge(
    username: str, data: BadgeIn, session: SessionDep, actor: AdminUser
) -> UserRead:
    """Give a member a badge from the site's list, or take it off (admins)."""
    user = service.set_badge(
        session, service.get_user(session, username), data.badge, actor=actor
    )
    return UserRead.model_validate(user)


@router.post("/users/{username}/memorial", name="api.users.memorial")
def user_memorial(
    username: str, data: MemorialIn, session: SessionDep, actor: AdminUser
) -> UserRead:
    """Mark a member in memoriam at their family's request (admins)."""
    user = memorial.mark(
        session, service.get_user(session, username), note=data.note, actor=actor
    )
    return UserRead.model_validate(user)


@router.delete("/users/{username}/memorial", name="api.users.unmemorial")
def user_unmemorial(username: str, session: SessionDep, actor: AdminUser) -> UserRead:
    """Take the in-memoriam mark off (admins)."""
    user = memorial.unmark(session, service.get_user(session, username), actor=actor)
    return UserRead.model_validate(user)


@router.post("/users/{username}/ban", name="api.users.ban")
def user_ban(
    username: str, data: BanIn, session: SessionDep, actor: ModeratorUser
) -> BanRead:
    outcome = service.ban(
        session,
        service.get_user(session, username),
        until=data.ends_at(utcnow()),
        reason=data.reason,
        actor=actor,
        reject_pending=data.reject_pending,
        remove_published=data.remove_published,
    )
    return ban_read(
        outcome.user, outcome.rejected_comment_ids, outcome.removed_comment_ids
    )


@router.post("/users/{username}/unban", name="api.users.unban")
def user_unban(username: str, session: SessionDep, actor: ModeratorUser) -> BanRead:
    return ban_read(
        service.unban(session, service.get_user(session, username), actor=actor)
    )


@router.get("/users/{username}/moderation", name="api.users.moderation")
def user_moderation(
    username: str, session: SessionDep, actor: ModeratorUser, page: PageNumber = 1
) -> UserModerationRead:
    record = history.user_history(
        session, service.get_user(session, username), actor=actor, page=page
    )
    user = record.user
    return UserModerationRead(
        user=UserStandingRead(
            **ban_read(user).model_dump(),
            display_name=user.display_name,
            role=user.role,
            created_at=user.created_at,
        ),
        comment_counts={str(status): count for status, count in record.counts.items()},
        notes=[NoteRead.model_validate(note) for note in record.notes],
        log=LogRead.from_page(record.actions),
    )


@router.post("/users/{username}/notes", name="api.users.note_create", status_code=201)
def user_note_create(
    username: str, data: NoteIn, session: SessionDep, actor: ModeratorUser
) -> NoteRead:
    note = history.add_note(
        session, service.get_user(session, username), data.body, actor=actor
    )
    return NoteRead.model_validate(note)


@router.patch("/me", name="api.me.update")
def me_update(
    data: MeUpdate, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> MeRead:
    current = {
        "display_name": user.display_name,
        "bio": user.bio,
        "email": user.email,
        "notify_replies": user.notify_replies,
        "notify_decisions": user.notify_decisions,
        "notify_digest": user.notify_digest,
        "shown_content_notes": user.shown_content_notes,
    }
    changes = data.model_dump(exclude_none=True)
    service.update_profile(
        session,
        ProfileUpdate.model_validate(current | changes),
        actor=user,
        hide_taken_emails=settings.hides_taken_emails,
    )
    return me_read(session, user)


@router.get("/me/export", name="api.me.export")
def me_export(
    session: SessionDep, user: CurrentUser, auth: AuthSessionDep, response: Response
) -> PersonalData:
    """Everything Haven holds about the caller, as a JSON download (audited)."""
    data = personal.export_data(session, actor=user, current=auth)
    response.headers.update(personal.export_headers(user, data.exported_at))
    return data


@router.delete("/me", name="api.me.delete", status_code=204)
def me_delete(
    data: AccountDeletion,
    session: SessionDep,
    user: CurrentUser,
    attempts: PasswordAttemptsDep,
) -> Response:
    """Delete the caller's account, password typed again: 403 when it is wrong;
    every token of the account is dead afterwards."""
    personal.delete_account(session, data.password, actor=user, attempts=attempts)
    return Response(status_code=204)


@router.post("/me/confirm-email", name="api.me.confirm_email_resend", status_code=202)
def me_confirm_email_resend(session: SessionDep, user: CurrentUser) -> Detail:
    recovery.resend_confirmation(session, user)
    return Detail(detail=f"We have sent a new link to {user.email}.")


@router.post("/auth/confirm-email", name="api.auth.confirm_email")
def auth_confirm_email(
    data: EmailConfirmation, session: SessionDep, signer: SignerDep
) -> MeRead:
    user = notifications.confirm_address(session, signer, data.token)
    return me_read(session, user)


@router.post("/auth/sign-up/confirm", name="api.auth.complete_sign_up", status_code=201)
def auth_complete_sign_up(
    data: EmailConfirmation, session: SessionDep, signer: SignerDep
) -> MeRead:
    """The token mailed to a sign-up's address: the account is made."""
    return me_read(session, service.complete_sign_up(session, signer, data.token).user)


@router.post("/auth/password-reset", name="api.auth.password_reset", status_code=202)
def password_reset_request(
    request: Request, data: ResetRequest, session: SessionDep, settings: SettingsDep
) -> Detail:
    sent = recovery.request_password_reset(
        session,
        data.email,
        client_ip=client_ip(request),
        limiter=request.app.state.limiter,
        limit=recovery.ResetLimit.from_settings(settings),
    )
    return Detail(detail=sent)


@router.post("/auth/password-reset/confirm", name="api.auth.password_reset_confirm")
def password_reset_confirm(
    data: PasswordReset, session: SessionDep, signer: SignerDep
) -> Detail:
    recovery.reset_password(session, signer, data.token, data.new_password)
    return Detail(
        detail="Your password is changed. Every session of the account has ended: "
        "please sign in with the new password."
    )
