"""HTML pages for signing up, signing in and out, profiles and settings.

Moderators also get each member's record here: bans, private notes, history.
"""

from collections.abc import Collection
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from app import paths
from app.accounts import history, memorial, personal, recovery, service
from app.accounts.deps import (
    SESSION_COOKIE,
    AdminUser,
    AuthSessionDep,
    CsrfForm,
    CurrentUser,
    ModeratorUser,
    OptionalUser,
    PasswordAttemptsDep,
    SignupAllowanceDep,
    client_ip,
    repeated_field,
    session_lifetime,
    set_session_cookie,
)
from app.accounts.models import SessionKind, User
from app.accounts.schemas import (
    AccountDeletion,
    BanIn,
    MemorialIn,
    NoteIn,
    PasswordChange,
    PasswordReset,
    ProfileUpdate,
    RegisterIn,
    ResetRequest,
)
from app.comments import profile as profile_comments
from app.comments.models import CommentStatus
from app.config import Settings, SettingsDep
from app.db import SessionDep, utcnow
from app.errors import (
    Conflict,
    Invalid,
    NotAuthenticated,
    PermissionDenied,
    RateLimited,
)
from app.moderation.policy import load_policy
from app.notifications import service as notifications
from app.notifications.deps import SignerDep
from app.pagination import PageNumber
from app.web import FormFields, field_errors, flash, render, safe_next, with_next

router = APIRouter()


def _signed_in_response(
    request: Request, session: SessionDep, user: User, target: str
) -> Response:
    settings: Settings = request.app.state.settings
    token = service.start_session(
        session,
        user,
        kind=SessionKind.BROWSER,
        lifetime=session_lifetime(settings, SessionKind.BROWSER),
        user_agent=request.headers.get("user-agent"),
    )
    response = RedirectResponse(safe_next(target), status_code=303)
    set_session_cookie(response, token, settings)
    return response


@router.get(paths.LOGIN, name="accounts.login")
def login_page(
    request: Request, user: OptionalUser, next: str | None = None
) -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(
        request, "accounts/login.html", {"form": {"next": safe_next(next, "")}}
    )


@router.post(paths.LOGIN, name="accounts.login_submit")
def login_submit(
    request: Request, form: CsrfForm, session: SessionDep, settings: SettingsDep
) -> Response:
    try:
        user = service.authenticate(
            session,
            username=form.get("username", "")[:254],
            password=form.get("password", "")[:128],
            client_ip=client_ip(request),
            limiter=request.app.state.limiter,
            limits=service.LoginLimits.from_settings(settings),
        )
    except (NotAuthenticated, PermissionDenied) as exc:
        return render(
            request,
            "accounts/login.html",
            {"form": form, "errors": {"form": exc.message}},
            status_code=exc.status_code,
        )
    except RateLimited as exc:
        return _form_limited(request, "accounts/login.html", form, exc)
    flash(request, f"Welcome back, {user.display_name}.")
    return _signed_in_response(request, session, user, form.get("next", "/"))


@router.post("/logout", name="accounts.logout")
def logout(request: Request, form: CsrfForm, session: SessionDep) -> Response:
    del form  # the CSRF check is the point
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        service.end_session(session, token)
    response = RedirectResponse(
        request.app.url_path_for("articles.index"), status_code=303
    )
    response.delete_cookie(SESSION_COOKIE)
    flash(request, "You are signed out.")
    return response


@router.get("/register", name="accounts.register")
def register_page(
    request: Request, user: OptionalUser, next: str | None = None
) -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(
        request, "accounts/register.html", {"form": {"next": safe_next(next, "")}}
    )


@router.post("/register", name="accounts.register_submit")
def register_submit(
    request: Request,
    form: CsrfForm,
    session: SessionDep,
    allowance: SignupAllowanceDep,
    settings: SettingsDep,
) -> Response:
    if not settings.allow_registration:
        flash(request, "New accounts are not being accepted at the moment.", "error")
        return RedirectResponse(
            request.app.url_path_for("articles.index"), status_code=303
        )
    try:
        data = RegisterIn.model_validate(
            {**form, "display_name": form.get("display_name") or None}
        )
        outcome = service.sign_up(
            session,
            data,
            hide_taken_emails=settings.hides_taken_emails,
            allowance=allowance,
            return_to=safe_next(form.get("next"), "") or None,
        )
    except (ValidationError, Invalid, Conflict) as exc:
        return _form_error(request, "accounts/register.html", form, exc)
    except RateLimited as exc:
        return _form_limited(request, "accounts/register.html", form, exc)
    if outcome.user is None:
        flash(request, outcome.notice)
        return RedirectResponse(
            with_next(request.app.url_path_for("accounts.login"), form.get("next")),
            status_code=303,
        )
    flash(
        request,
        f"Welcome to {settings.site_name}, {outcome.user.display_name}!",
    )
    return _signed_in_response(request, session, outcome.user, form.get("next", "/"))


def _form_error(
    request: Request, template: str, form: FormFields, exc: Exception, **extra: Any
) -> Response:
    """Show the form again with the problems marked and what was typed kept."""
    kept = {key: value for key, value in form.items() if "password" not in key}
    return render(
        request,
        template,
        {"form": kept, "errors": field_errors(exc), **extra},
        status_code=422,
    )


def _form_limited(
    request: Request, template: str, form: FormFields, exc: RateLimited, **extra: Any
) -> Response:
    """Show the form again with why it was refused and when to try again."""
    kept = {key: value for key, value in form.items() if "password" not in key}
    response = render(
        request,
        template,
        {"form": kept, "errors": {"form": exc.message}, **extra},
        status_code=429,
    )
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


@router.get(paths.PROFILE, name="accounts.profile")
def profile(
    request: Request, username: str, session: SessionDep, page: PageNumber = 1
) -> Response:
    person = service.get_member(session, username)
    comments = profile_comments.list_public_comments(session, person, page=page)
    return render(
        request, "accounts/profile.html", {"person": person, "comments": comments}
    )


def _settings_form(user: User) -> FormFields:
    return {
        "display_name": user.display_name,
        "bio": user.bio,
        "email": user.email,
        "notify_replies": "1" if user.notify_replies else "",
        "notify_decisions": "1" if user.notify_decisions else "",
        "notify_digest": "1" if user.notify_digest else "",
    }


@dataclass(frozen=True)
class NoteChoice:
    """One content note on the settings page, and whether it is always shown."""

    note: str
    shown: bool
    field_id: str


def _note_choices(session: SessionDep, shown: Collection[str]) -> list[NoteChoice]:
    return [
        NoteChoice(note, note in shown, f"show-note-{index}")
        for index, note in enumerate(load_policy(session).content_notes)
    ]


@router.get("/settings", name="accounts.settings")
def settings_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    return render(
        request,
        "accounts/settings.html",
        {
            "form": _settings_form(user),
            "note_choices": _note_choices(session, user.shown_content_notes),
        },
    )


# The content notes ticked on the settings page.
ShownNotes = Annotated[list[str], Depends(repeated_field("shown_content_notes"))]


@router.post("/settings", name="accounts.settings_submit")
def settings_submit(
    request: Request,
    form: CsrfForm,
    session: SessionDep,
    user: CurrentUser,
    shown_notes: ShownNotes,
    settings: SettingsDep,
) -> Response:
    try:
        data = ProfileUpdate.model_validate(
            {
                **form,
                "notify_replies": bool(form.get("notify_replies")),
                "notify_decisions": bool(form.get("notify_decisions")),
                "notify_digest": bool(form.get("notify_digest"))
                if user.offered_digest
                else user.notify_digest,
                "shown_content_notes": shown_notes,
            }
        )
        service.update_profile(
            session,
            data,
            actor=user,
            hide_taken_emails=settings.hides_taken_emails,
        )
    except (ValidationError, Invalid, Conflict, PermissionDenied) as exc:
        return _form_error(
            request,
            "accounts/settings.html",
            form,
            exc,
            note_choices=_note_choices(session, shown_notes),
        )
    flash(
        request,
        "Your settings are saved."
        + (
            f" We have sent a link to {user.pending_email}: your address changes "
            "when you open it."
            if user.pending_email
            else ""
        ),
    )
    return RedirectResponse(
        request.app.url_path_for("accounts.settings"), status_code=303
    )


@router.post("/settings/password", name="accounts.password_submit")
def password_submit(
    request: Request,
    form: CsrfForm,
    session: SessionDep,
    user: CurrentUser,
    auth: AuthSessionDep,
) -> Response:
    try:
        data = PasswordChange.model_validate(form)
        service.change_password(session, data, actor=user, current=auth)
    except (ValidationError, Invalid) as exc:
        errors = field_errors(exc)
        if "password" in errors:
            errors["new_password"] = errors.pop("password")
        return _settings_again(request, session, user, errors, 422)
    flash(request, "Your password is changed. Other devices have been signed out.")
    return RedirectResponse(
        request.app.url_path_for("accounts.settings"), status_code=303
    )


def _settings_again(
    request: Request,
    session: SessionDep,
    user: User,
    errors: dict[str, str],
    status_code: int,
) -> Response:
    """The settings page again, with the problems of one of its forms marked."""
    return render(
        request,
        "accounts/settings.html",
        {
            "form": _settings_form(user),
            "errors": errors,
            "note_choices": _note_choices(session, user.shown_content_notes),
        },
        status_code=status_code,
    )


# Personal data (issue #17): the download, and deleting one's account.


@router.post("/settings/export", name="accounts.export")
def export_submit(
    form: CsrfForm, session: SessionDep, user: CurrentUser, auth: AuthSessionDep
) -> Response:
    """Everything Haven holds about the member, as a JSON file (a form, as it
    is audited: no other site can make a browser ask for it)."""
    del form  # the CSRF check is the point
    data = personal.export_data(session, actor=user, current=auth)
    return Response(
        data.model_dump_json(indent=2),
        media_type="application/json",
        headers=personal.export_headers(user, data.exported_at),
    )


@router.post("/settings/delete", name="accounts.delete")
def delete_submit(
    request: Request,
    form: CsrfForm,
    session: SessionDep,
    user: CurrentUser,
    attempts: PasswordAttemptsDep,
) -> Response:
    try:
        if not form.get("password"):
            raise Invalid(
                "Please type your password to delete your account.", field="password"
            )
        data = AccountDeletion.model_validate({"password": form["password"]})
        personal.delete_account(session, data.password, actor=user, attempts=attempts)
    except (ValidationError, Invalid) as exc:
        return _settings_again(request, session, user, field_errors(exc), 422)
    except (PermissionDenied, Conflict) as exc:
        field = "password" if isinstance(exc, PermissionDenied) else "form"
        return _settings_again(
            request, session, user, {field: exc.message}, exc.status_code
        )
    except RateLimited as exc:
        response = _settings_again(
            request, session, user, {"password": exc.message}, 429
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    flash(
        request,
        "Your account is deleted and you are signed out. Thank you for having "
        "been part of the conversation.",
    )
    response = RedirectResponse(
        request.app.url_path_for("articles.index"), status_code=303
    )
    response.delete_cookie(SESSION_COOKIE)
    return response


# Moderators' tools for one member (issue #5, part D): the record, bans, notes.

BAN_PERIODS = (
    ("1", "1 day"),
    ("7", "7 days"),
    ("30", "30 days"),
    ("date", "Until a date"),
    ("forever", "For good"),
)


def _moderation_page(
    request: Request,
    session: SessionDep,
    person: User,
    moderator: User,
    *,
    page: int = 1,
    comments: CommentStatus | None = None,
    comments_page: int = 1,
    form: FormFields | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    record = history.user_history(
        session,
        person,
        actor=moderator,
        page=page,
        comments_status=comments,
        comments_page=comments_page,
    )
    return render(
        request,
        "accounts/moderation.html",
        {
            "person": person,
            "record": record,
            "periods": BAN_PERIODS,
            "ban_refusal": service.ban_refusal(person, actor=moderator),
            "memorial_refusal": memorial.refusal(person, actor=moderator),
            # Admins give badges from the site's list.
            "badges": load_policy(session).badges if moderator.administers else (),
            "form": form or {"period": "7"},
            "errors": errors or {},
        },
        status_code=status_code,
    )


@router.get(paths.MEMBER_RECORD, name="accounts.moderation")
def moderation_page(
    request: Request,
    username: str,
    session: SessionDep,
    moderator: ModeratorUser,
    page: PageNumber = 1,
    comments: CommentStatus | None = None,
    comments_page: PageNumber = 1,
) -> Response:
    """Someone's moderation record; ``comments`` lists their comments of one status."""
    person = service.get_user(session, username)
    return _moderation_page(
        request,
        session,
        person,
        moderator,
        page=page,
        comments=comments,
        comments_page=comments_page,
    )


def _ban_input(form: FormFields) -> BanIn:
    """The ban form's choice of period as the API's shape (days, a date, or neither)."""
    period = form.get("period", "")
    data: dict[str, object] = {
        "reason": form.get("reason", ""),
        "reject_pending": bool(form.get("reject_pending")),
        "remove_published": bool(form.get("remove_published")),
    }
    if period.isdigit():
        data["days"] = period
    elif period == "date":
        if not form.get("until"):
            raise Invalid("Please choose the day the ban ends.", field="until")
        data["until"] = form["until"]
    elif period != "forever":
        raise Invalid("Please choose how long the ban lasts.", field="period")
    return BanIn.model_validate(data)


@router.post("/users/{username}/badge", name="accounts.badge")
def badge_submit(
    request: Request,
    username: str,
    form: CsrfForm,
    session: SessionDep,
    admin: AdminUser,
) -> Response:
    """Give a member a badge from the site's list, or take it off."""
    person = service.get_user(session, username)
    try:
        service.set_badge(session, person, form.get("badge") or None, actor=admin)
    except Invalid as exc:
        flash(request, exc.message, "error")
    else:
        flash(
            request,
            f"{person.display_name} now wears the badge “{person.badge}”."
            if person.badge
            else f"{person.display_name} has no badge now.",
        )
    return RedirectResponse(
        paths.fill(paths.MEMBER_RECORD, username=person.username) + "#badge",
        status_code=303,
    )


@router.post("/users/{username}/memorial", name="accounts.memorial")
def memorial_submit(
    request: Request,
    username: str,
    form: CsrfForm,
    session: SessionDep,
    admin: AdminUser,
) -> Response:
    """Mark a member in memoriam, at their family's request."""
    person = service.get_user(session, username)
    try:
        data = MemorialIn.model_validate({"note": form.get("note") or None})
        memorial.mark(session, person, note=data.note, actor=admin)
    except (ValidationError, Conflict) as exc:
        flash(request, " ".join(field_errors(exc).values()), "error")
    else:
        flash(request, f"{person.display_name}'s profile is now in memoriam.")
    return _to_record(request, person, "#memorial")


@router.post("/users/{username}/memorial/remove", name="accounts.unmemorial")
def unmemorial_submit(
    request: Request,
    username: str,
    form: CsrfForm,
    session: SessionDep,
    admin: AdminUser,
) -> Response:
    """Take the in-memoriam mark off."""
    del form  # the CSRF check is the point
    person = service.get_user(session, username)
    try:
        memorial.unmark(session, person, actor=admin)
    except Conflict as exc:
        flash(request, exc.message, "error")
    else:
        flash(request, f"{person.display_name}'s profile is no longer in memoriam.")
    return _to_record(request, person, "#memorial")


@router.post("/users/{username}/ban", name="accounts.ban")
def ban_submit(
    request: Request,
    username: str,
    form: CsrfForm,
    session: SessionDep,
    moderator: ModeratorUser,
) -> Response:
    person = service.get_user(session, username)
    try:
        data = _ban_input(form)
        outcome = service.ban(
            session,
            person,
            until=data.ends_at(utcnow()),
            reason=data.reason,
            actor=moderator,
            reject_pending=data.reject_pending,
            remove_published=data.remove_published,
        )
    except (ValidationError, Invalid, Conflict) as exc:
        status = exc.status_code if isinstance(exc, Conflict) else 422
        errors = field_errors(exc)
        if "days" in errors:  # the page offers the days as a choice of period
            errors["period"] = errors.pop("days")
        return _moderation_page(
            request,
            session,
            person,
            moderator,
            form=form,
            errors=errors,
            status_code=status,
        )
    rejected = len(outcome.rejected_comment_ids)
    removed = len(outcome.removed_comment_ids)
    flash(
        request,
        f"{person.display_name} is banned {service.ban_term(person)}; "
        "their sessions have ended."
        + (f" {rejected} waiting comment(s) rejected." if rejected else "")
        + (f" {removed} published comment(s) removed." if removed else ""),
    )
    return _to_record(request, person)


@router.post("/users/{username}/unban", name="accounts.unban")
def unban_submit(
    request: Request,
    username: str,
    form: CsrfForm,
    session: SessionDep,
    moderator: ModeratorUser,
) -> Response:
    del form  # the CSRF check is the point
    person = service.get_user(session, username)
    try:
        service.unban(session, person, actor=moderator)
    except Conflict as exc:
        flash(request, exc.message, "error")
    else:
        flash(request, f"{person.display_name}'s ban is lifted.")
    return _to_record(request, person)


@router.post("/users/{username}/notes", name="accounts.note_create")
def note_submit(
    request: Request,
    username: str,
    form: CsrfForm,
    session: SessionDep,
    moderator: ModeratorUser,
) -> Response:
    person = service.get_user(session, username)
    try:
        data = NoteIn.model_validate({"body": form.get("body", "")})
    except ValidationError as exc:
        return _moderation_page(
            request,
            session,
            person,
            moderator,
            form={"period": "7", "body": form.get("body", "")},
            errors=field_errors(exc),
            status_code=422,
        )
    history.add_note(session, person, data.body, actor=moderator)
    flash(request, "Your note is saved.")
    return _to_record(request, person, "#notes")


def _to_record(request: Request, person: User, fragment: str = "") -> Response:
    url = request.app.url_path_for("accounts.moderation", username=person.username)
    return RedirectResponse(f"{url}{fragment}", status_code=303)


# Getting back in (issue #14): password reset and confirming an address.


@router.get("/forgot-password", name="accounts.forgot_password")
def forgot_password_page(request: Request) -> Response:
    return render(request, "accounts/forgot_password.html", {"form": {}, "sent": None})


@router.post("/forgot-password", name="accounts.forgot_password_submit")
def forgot_password_submit(
    request: Request, form: CsrfForm, session: SessionDep, settings: SettingsDep
) -> Response:
    try:
        data = ResetRequest.model_validate({"email": form.get("email", "").strip()})
        sent = recovery.request_password_reset(
            session,
            data.email,
            client_ip=client_ip(request),
            limiter=request.app.state.limiter,
            limit=recovery.ResetLimit.from_settings(settings),
        )
    except ValidationError as exc:
        return _form_error(
            request, "accounts/forgot_password.html", form, exc, sent=None
        )
    except RateLimited as exc:
        return _form_limited(
            request, "accounts/forgot_password.html", form, exc, sent=None
        )
    return render(request, "accounts/forgot_password.html", {"form": {}, "sent": sent})


def _reset_page(
    request: Request,
    token: str,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "accounts/reset_password.html",
        {"token": token, "form": {}, "errors": errors or {}},
        status_code=status_code,
    )


@router.get("/reset-password/{token}", name="accounts.reset_password")
def reset_password_page(
    request: Request, token: str, session: SessionDep, signer: SignerDep
) -> Response:
    try:
        recovery.user_for_reset(session, signer, token)
    except Invalid as exc:
        return _bad_reset_link(request, exc)
    return _reset_page(request, token)


def _bad_reset_link(request: Request, exc: Invalid) -> Response:
    return render(
        request,
        "accounts/forgot_password.html",
        {"form": {}, "sent": None, "errors": {"form": exc.message}},
        status_code=400,
    )


@router.post("/reset-password/{token}", name="accounts.reset_password_submit")
def reset_password_submit(
    request: Request, token: str, form: CsrfForm, session: SessionDep, signer: SignerDep
) -> Response:
    try:
        data = PasswordReset.model_validate(
            {"token": token, "new_password": form.get("new_password", "")}
        )
        user = recovery.reset_password(session, signer, data.token, data.new_password)
    except ValidationError as exc:
        return _reset_page(request, token, errors=field_errors(exc), status_code=422)
    except Invalid as exc:
        if exc.field is None:  # the link itself is no good
            return _bad_reset_link(request, exc)
        return _reset_page(
            request, token, errors={"new_password": exc.message}, status_code=422
        )
    flash(
        request,
        "Your password is changed, and you are signed in. Other devices were signed out.",
    )
    return _signed_in_response(request, session, user, "/")


@router.get("/sign-up/{token}", name="accounts.complete_sign_up")
def complete_sign_up(
    request: Request,
    token: str,
    session: SessionDep,
    signer: SignerDep,
    settings: SettingsDep,
) -> Response:
    """The link mailed to a sign-up's address: the account is made, and its
    owner signed in."""
    try:
        completed = service.complete_sign_up(session, signer, token)
    except (Invalid, Conflict) as exc:
        status = 409 if isinstance(exc, Conflict) else 400  # a link, not a form
        return render(
            request,
            "errors/error.html",
            {"status_code": status, "message": exc.message},
            status_code=status,
        )
    user = completed.user
    flash(
        request,
        f"Welcome to {settings.site_name}, {user.display_name}!",
    )
    return _signed_in_response(request, session, user, completed.return_to or "/")


@router.get("/confirm-email/{token}", name="accounts.confirm_email")
def confirm_email(
    request: Request,
    token: str,
    session: SessionDep,
    user: OptionalUser,
    signer: SignerDep,
) -> Response:
    try:
        confirmed = notifications.confirm_address(session, signer, token)
    except Invalid as exc:
        return render(
            request,
            "errors/error.html",
            {"status_code": 400, "message": exc.message},
            status_code=400,
        )
    flash(request, f"Thank you: {confirmed.email} is confirmed.")
    target = "accounts.settings" if user is not None else "articles.index"
    return RedirectResponse(request.app.url_path_for(target), status_code=303)


@router.post("/settings/confirm-email", name="accounts.confirm_email_resend")
def confirm_email_resend(
    request: Request, form: CsrfForm, session: SessionDep, user: CurrentUser
) -> Response:
    del form  # the CSRF check is the point
    try:
        recovery.resend_confirmation(session, user)
    except Conflict as exc:
        flash(request, exc.message)
    else:
        flash(request, f"We have sent a new link to {user.email}.")
    return RedirectResponse(
        request.app.url_path_for("accounts.settings"), status_code=303
    )
