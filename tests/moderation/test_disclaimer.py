"""The "not medical advice" line admins edit in the site settings (issue #15)."""

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.errors import PermissionDenied
from app.moderation.models import ActionKind, ModerationAction
from app.moderation.policy import DEFAULT_DISCLAIMER, load_policy, update_policy
from app.moderation.schemas import PolicyUpdate
from tests.factories import make_user
from tests.helpers import api_token, csrf_from, login


@pytest.mark.parametrize(
    "line",
    ["", "   ", "one\nline", "a bell\x07", "a\u2028separator", "x" * 301],
    ids=["empty", "blank", "newline", "control", "separator", "too-long"],
)
def test_the_disclaimer_is_one_short_line(line: str) -> None:
    with pytest.raises(ValidationError):
        PolicyUpdate(medical_disclaimer=line)


def test_admins_change_the_disclaimer_audited(session: Session, admin: User) -> None:
    assert load_policy(session).medical_disclaimer == DEFAULT_DISCLAIMER
    changed = update_policy(
        session,
        PolicyUpdate(medical_disclaimer="  Not advice: ask your MS nurse.  "),
        actor=admin,
    )
    assert changed.medical_disclaimer == "Not advice: ask your MS nurse."
    (entry,) = session.scalars(
        select(ModerationAction).where(
            ModerationAction.action == ActionKind.UPDATE_SETTINGS
        )
    ).all()
    assert entry.reason == "Changed: medical_disclaimer"
    with pytest.raises(PermissionDenied):
        update_policy(
            session,
            PolicyUpdate(medical_disclaimer="Anything"),
            actor=make_user(session, role=Role.MODERATOR),
        )


def test_settings_api_reads_and_patches_the_disclaimer(
    client: TestClient, admin: User
) -> None:
    headers = {"Authorization": f"Bearer {api_token(client, admin.username)}"}

    def shown() -> str:
        settings = client.get("/api/v1/settings", headers=headers).json()
        return str(settings["medical_disclaimer"])

    assert shown() == DEFAULT_DISCLAIMER
    patched = client.patch(
        "/api/v1/settings",
        json={"medical_disclaimer": "Experience, not advice."},
        headers=headers,
    )
    assert patched.status_code == 200
    assert patched.json()["medical_disclaimer"] == "Experience, not advice."
    for bad in ("", "two\nlines", "x" * 301):
        refused = client.patch(
            "/api/v1/settings", json={"medical_disclaimer": bad}, headers=headers
        )
        assert refused.status_code == 422, bad
        assert isinstance(refused.json()["detail"], str)
    assert shown() == "Experience, not advice."


def test_the_settings_page_edits_the_disclaimer(
    session: Session, client: TestClient, admin: User
) -> None:
    login(client, admin.username)
    page = client.get("/admin/settings")
    assert 'id="field-medical_disclaimer"' in page.text
    assert f'value="{DEFAULT_DISCLAIMER}"' in page.text
    assert 'maxlength="300"' in page.text
    form = {**page.context["form"], "csrf_token": csrf_from(page.text)}  # type: ignore[attr-defined]

    blank = client.post("/admin/settings", data={**form, "medical_disclaimer": " "})
    assert blank.status_code == 422
    assert "medical_disclaimer" in blank.context["errors"]  # type: ignore[attr-defined]
    assert 'aria-describedby="hint-medical_disclaimer error-medical_disclaimer"' in (
        blank.text
    )

    # A form from before the setting existed leaves it as it is.
    without = {k: v for k, v in form.items() if k != "medical_disclaimer"}
    assert client.post("/admin/settings", data=without).status_code == 303
    assert load_policy(session).medical_disclaimer == DEFAULT_DISCLAIMER

    saved = client.post(
        "/admin/settings", data={**form, "medical_disclaimer": "Ask your MS nurse."}
    )
    assert saved.status_code == 303
    session.info.clear()
    assert load_policy(session).medical_disclaimer == "Ask your MS nurse."
    assert 'value="Ask your MS nurse."' in client.get("/admin/settings").text
