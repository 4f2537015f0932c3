"""The admins' settings pages: the moderation policy, canned rejection reasons
and the community guidelines (with the public page that shows them).

Plain forms that post and redirect back; a form with a mistake is shown again
with what was typed and each error next to its field.
"""

from collections.abc import Mapping
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from app import paths
from app.accounts.deps import AdminUser, CsrfForm, OptionalUser
from app.accounts.models import User
from app.db import SessionDep
from app.moderation import canned, guidelines
from app.moderation.deps import CannedReasonId
from app.moderation.policy import Policy, get_policy, update_policy
from app.moderation.schemas import (
    MAX_DISCLAIMER,
    MAX_GUIDELINES,
    CannedReasonIn,
    CannedReasonUpdate,
    GuidelinesUpdate,
    PolicyUpdate,
)
from app.text import normalise
from app.web import FormFields, field_errors, flash, render

router = APIRouter()
Model = TypeVar("Model", bound=BaseModel)

NUMBER_FIELDS = (
    "trust_threshold",
    "max_links",
    "flag_threshold",
    "edit_window_hours",
    "auto_close_days",
)
LIST_FIELDS = (
    "hold_words",
    "spam_words",
    "crisis_words",
    "crisis_resources",
    "content_notes",
    "badges",
)
TEXT_FIELDS = ("medical_disclaimer",)
# Ticked boxes: sent as "1" when ticked, not sent at all otherwise.
BOOL_FIELDS = ("allow_api_guests", "members_only_by_default")
CANNED_FIELDS = ("label", "body", "position")


def _policy_form(policy: Policy) -> FormFields:
    """The settings form filled in with the policy in force (lists one per line)."""
    form = {name: str(getattr(policy, name)) for name in NUMBER_FIELDS}
    form |= {name: "\n".join(getattr(policy, name)) for name in LIST_FIELDS}
    form |= {name: getattr(policy, name) for name in TEXT_FIELDS}
    form |= {name: "1" if getattr(policy, name) else "" for name in BOOL_FIELDS}
    return form


def _policy_input(form: FormFields) -> dict[str, object]:
    data: dict[str, object] = {
        name: form.get(name, "").strip() for name in NUMBER_FIELDS
    }
    data |= {name: form.get(name, "").splitlines() for name in LIST_FIELDS}
    # A form from before a text setting existed says nothing about it: kept.
    data |= {name: form[name] for name in TEXT_FIELDS if name in form}
    data |= {name: form.get(name) == "1" for name in BOOL_FIELDS}
    return data


def _canned_input(form: FormFields) -> dict[str, object]:
    """A canned reason's fields; an empty position means "last"."""
    data = {name: form.get(name, "") for name in CANNED_FIELDS}
    return {
        name: value
        for name, value in data.items()
        if value.strip() or name != "position"
    }


def _parse(
    model: type[Model], data: Mapping[str, object]
) -> tuple[Model | None, dict[str, str]]:
    """The form as ``model``, or None and the message for each field that is wrong."""
    try:
        return model.model_validate(data), {}
    except ValidationError as exc:
        return None, field_errors(exc)


def _page(
    request: Request,
    session: Session,
    admin: User,
    *,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """The settings page; ``context`` carries a re-shown form and its errors."""
    form = context.pop("form", None) or _policy_form(get_policy(session, actor=admin))
    full: dict[str, Any] = {
        "form": form,
        "api_guests_ticked": form.get("allow_api_guests") == "1",
        "members_only_ticked": form.get("members_only_by_default") == "1",
        "canned_reasons": canned.list_canned_reasons(session, actor=admin),
        "canned_form": {},
        "canned_errors": {},
        "editing": None,
        "edit_form": {},
        "edit_errors": {},
        "max_disclaimer": MAX_DISCLAIMER,
        **context,
    }
    return render(request, "moderation/settings.html", full, status_code=status_code)


def _back(request: Request, fragment: str = "") -> RedirectResponse:
    return RedirectResponse(
        f"{request.app.url_path_for('moderation.settings')}{fragment}", status_code=303
    )


@router.get("/admin/settings", name="moderation.settings")
def settings_page(request: Request, session: SessionDep, admin: AdminUser) -> Response:
    return _page(request, session, admin)


@router.post("/admin/settings", name="moderation.settings_save")
def settings_save(
    request: Request, form: CsrfForm, session: SessionDep, admin: AdminUser
) -> Response:
    changes, errors = _parse(PolicyUpdate, _policy_input(form))
    if changes is None:
        return _page(request, session, admin, form=form, errors=errors, status_code=422)
    update_policy(session, changes, actor=admin)
    flash(request, "Settings saved.")
    return _back(request)


@router.post("/admin/settings/canned-reasons", name="moderation.canned_create")
def canned_create(
    request: Request, form: CsrfForm, session: SessionDep, admin: AdminUser
) -> Response:
    data, errors = _parse(CannedReasonIn, _canned_input(form))
    if data is None:
        return _page(
            request,
            session,
            admin,
            canned_form=form,
            canned_errors=errors,
            status_code=422,
        )
    reason = canned.create_canned_reason(session, data, actor=admin)
    flash(request, f"Canned reason “{reason.label}” added.")
    return _back(request, "#canned-reasons")


@router.post(
    "/admin/settings/canned-reasons/{reason_id}", name="moderation.canned_update"
)
def canned_update(
    request: Request,
    reason_id: CannedReasonId,
    form: CsrfForm,
    session: SessionDep,
    admin: AdminUser,
) -> Response:
    reason = canned.get_canned_reason(session, reason_id)
    changes, errors = _parse(CannedReasonUpdate, _canned_input(form))
    if changes is None:
        return _page(
            request,
            session,
            admin,
            editing=reason.id,
            edit_form=form,
            edit_errors=errors,
            status_code=422,
        )
    canned.update_canned_reason(session, reason, changes, actor=admin)
    flash(request, f"Canned reason “{reason.label}” saved.")
    return _back(request, f"#canned-{reason.id}")


@router.post(
    "/admin/settings/canned-reasons/{reason_id}/delete",
    name="moderation.canned_delete",
)
def canned_delete(
    request: Request,
    reason_id: CannedReasonId,
    form: CsrfForm,
    session: SessionDep,
    admin: AdminUser,
) -> Response:
    del form  # checked for its CSRF token
    reason = canned.get_canned_reason(session, reason_id)
    canned.delete_canned_reason(session, reason, actor=admin)
    flash(request, f"Canned reason “{reason.label}” deleted.")
    return _back(request, "#canned-reasons")


@router.get(paths.GUIDELINES, name="moderation.guidelines")
def guidelines_page(
    request: Request, session: SessionDep, user: OptionalUser
) -> Response:
    """The community guidelines, for everyone; admins get a link to edit them."""
    return render(
        request,
        "moderation/guidelines.html",
        {
            "guidelines": guidelines.load_guidelines(session),
            "edit_url": request.app.url_path_for("moderation.guidelines_edit")
            if guidelines.can_edit(user)
            else None,
        },
    )


def _guidelines_editor(
    request: Request,
    form: FormFields,
    *,
    errors: dict[str, str] | None = None,
    preview_html: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "moderation/guidelines_edit.html",
        {
            "form": form,
            "errors": errors or {},
            "preview_html": preview_html,
            "max_length": MAX_GUIDELINES,
        },
        status_code=status_code,
    )


@router.get("/admin/guidelines", name="moderation.guidelines_edit")
def guidelines_edit(
    request: Request, session: SessionDep, admin: AdminUser
) -> Response:
    del admin  # admins only
    current = guidelines.load_guidelines(session)
    return _guidelines_editor(request, {"markdown": current.markdown})


@router.post("/admin/guidelines", name="moderation.guidelines_save")
def guidelines_save(
    request: Request, form: CsrfForm, session: SessionDep, admin: AdminUser
) -> Response:
    kept = {"markdown": normalise(form.get("markdown", ""))}
    if form.get("action") == "preview":
        preview_html = guidelines.preview(kept["markdown"])
        return _guidelines_editor(request, kept, preview_html=preview_html)
    data, errors = _parse(GuidelinesUpdate, kept)
    if data is None:
        return _guidelines_editor(request, kept, errors=errors, status_code=422)
    guidelines.update_guidelines(session, data, actor=admin)
    flash(request, "The community guidelines are saved.")
    return RedirectResponse(
        request.app.url_path_for("moderation.guidelines"), status_code=303
    )
