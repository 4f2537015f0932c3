"""The admins' settings page and API, and canned rejection reasons (issue #5, part A)."""

from collections.abc import Iterator

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.comments.models import CommentStatus
from app.errors import PermissionDenied
from app.moderation import canned
from app.moderation.crisis_defaults import DEFAULT_PHRASES, DEFAULT_RESOURCES
from app.moderation.models import ActionKind, CannedReason, ModerationAction
from app.moderation.policy import DEFAULT_DISCLAIMER, Policy, load_policy
from app.moderation.schemas import CannedReasonIn
from tests.conftest import AppFactory
from tests.factories import make_admin, make_article, make_comment, make_user
from tests.helpers import api_token, audit, csrf_from

SETTINGS = "/admin/settings"
DEFAULT_FORM = {
    "trust_threshold": "1",
    "max_links": "2",
    "flag_threshold": "3",
    "edit_window_hours": "24",
    "auto_close_days": "0",
    "hold_words": "",
    "spam_words": "",
    "crisis_words": "\n".join(DEFAULT_PHRASES),
    "crisis_resources": "\n".join(DEFAULT_RESOURCES),
    "content_notes": "disease progression\nend of life\nself-harm\ngraphic symptoms",
    "badges": "MS nurse\nneurologist\nphysio\ncarer",
    "medical_disclaimer": DEFAULT_DISCLAIMER,
    "allow_api_guests": "",
    "members_only_by_default": "",
}


@pytest.fixture
def admin_api(app_factory: AppFactory, admin: User) -> Iterator[TestClient]:
    with TestClient(app_factory(), follow_redirects=False) as client:
        client.headers["Authorization"] = f"Bearer {api_token(client, admin.username)}"
        yield client


def submit(client: TestClient, action: str, **fields: str) -> httpx2.Response:
    token = csrf_from(client.get(SETTINGS).text)
    return client.post(action, data={"csrf_token": token, **fields})


# ---- the policy -------------------------------------------------------------------


def test_admin_navigation_links_the_settings_page(
    admin_client: TestClient, mod_client: TestClient
) -> None:
    assert '/admin/settings">Site settings</a>' in admin_client.get("/").text
    assert "/admin/settings" not in mod_client.get("/").text


def test_settings_page_shows_the_policy_in_force(admin_client: TestClient) -> None:
    page = admin_client.get(SETTINGS)
    assert page.template.name == "moderation/settings.html"  # type: ignore[attr-defined]
    assert page.context["form"] == DEFAULT_FORM  # type: ignore[attr-defined]
    assert 'id="field-hold_words"' in page.text
    assert 'aria-describedby="hint-auto_close_days"' in page.text


def test_saving_the_settings_stores_every_field_and_audits_it(
    session: Session, admin_client: TestClient
) -> None:
    response = submit(
        admin_client,
        SETTINGS,
        **{
            **DEFAULT_FORM,
            "trust_threshold": "4",
            "max_links": "0",
            "flag_threshold": "5",
            "edit_window_hours": "48",
            "auto_close_days": "60",
            "hold_words": " miracle   cure \r\n\r\nDetox\ndetox\n",
            "spam_words": "casino",
        },
    )
    assert response.status_code == 303
    assert "Settings saved." in admin_client.get(response.headers["location"]).text
    session.info.clear()
    assert load_policy(session) == Policy(
        trust_threshold=4,
        max_links=0,
        hold_words=("miracle cure", "Detox"),
        spam_words=("casino",),
        flag_threshold=5,
        edit_window_hours=48,
        auto_close_days=60,
    )
    (entry,) = audit(session, kind=ActionKind.UPDATE_SETTINGS)
    assert entry.reason == (
        "Changed: auto_close_days, edit_window_hours, flag_threshold, hold_words, "
        "max_links, spam_words, trust_threshold"
    )
    page = admin_client.get(SETTINGS).text
    assert "miracle cure\nDetox</textarea>" in page


def test_bad_settings_are_shown_again_with_errors_by_their_fields(
    session: Session, admin_client: TestClient
) -> None:
    response = submit(
        admin_client,
        SETTINGS,
        **{
            **DEFAULT_FORM,
            "trust_threshold": "-1",
            "max_links": "lots",
            "auto_close_days": "",
            "hold_words": "fine\n" + "x" * 101,
            "spam_words": "kept as typed",
        },
    )
    assert response.status_code == 422
    errors = response.context["errors"]  # type: ignore[attr-defined]
    assert set(errors) == {
        "trust_threshold",
        "max_links",
        "auto_close_days",
        "hold_words",
    }
    for name in errors:
        assert f'aria-describedby="error-{name}"' in response.text or (
            f"hint-{name} error-{name}" in response.text
        )
        assert f'<a href="#field-{name}">' in response.text
    assert 'value="lots"' in response.text
    assert "kept as typed</textarea>" in response.text
    assert audit(session, kind=ActionKind.UPDATE_SETTINGS) == []
    assert load_policy(session) == Policy()


def test_settings_api_reads_and_patches_the_policy(
    session: Session, admin_api: TestClient
) -> None:
    assert admin_api.get("/api/v1/settings").json() == {
        "trust_threshold": 1,
        "max_links": 2,
        "hold_words": [],
        "spam_words": [],
        "flag_threshold": 3,
        "edit_window_hours": 24,
        "auto_close_days": 0,
        "crisis_words": list(DEFAULT_PHRASES),
        "crisis_resources": list(DEFAULT_RESOURCES),
        "content_notes": [
            "disease progression",
            "end of life",
            "self-harm",
            "graphic symptoms",
        ],
        "badges": ["MS nurse", "neurologist", "physio", "carer"],
        "medical_disclaimer": DEFAULT_DISCLAIMER,
        "allow_api_guests": False,
        "members_only_by_default": False,
    }
    response = admin_api.patch(
        "/api/v1/settings", json={"hold_words": ["cure", "CURE"], "auto_close_days": 7}
    )
    assert response.status_code == 200
    assert response.json()["hold_words"] == ["cure"]
    assert response.json()["auto_close_days"] == 7
    assert response.json()["max_links"] == 2  # left out, kept
    assert [e.reason for e in audit(session, kind=ActionKind.UPDATE_SETTINGS)] == [
        "Changed: auto_close_days, hold_words"
    ]


def test_admins_let_guests_use_the_api_in_the_page_and_the_api(
    session: Session, admin_client: TestClient, admin_api: TestClient
) -> None:
    ticked = submit(admin_client, SETTINGS, **{**DEFAULT_FORM, "allow_api_guests": "1"})
    session.info.clear()
    on = load_policy(session).allow_api_guests
    page = admin_client.get(SETTINGS).text
    unticked = submit(admin_client, SETTINGS, **DEFAULT_FORM)
    session.info.clear()
    off = load_policy(session).allow_api_guests
    patched = admin_api.patch("/api/v1/settings", json={"allow_api_guests": True})
    refused = admin_api.patch("/api/v1/settings", json={"allow_api_guests": "maybe"})

    assert (ticked.status_code, unticked.status_code) == (303, 303)
    assert (on, off) == (True, False)
    assert 'name="allow_api_guests" type="checkbox" value="1" checked' in page
    assert patched.status_code == 200
    assert patched.json()["allow_api_guests"] is True
    assert refused.status_code == 422
    assert [e.reason for e in audit(session, kind=ActionKind.UPDATE_SETTINGS)] == [
        "Changed: allow_api_guests"
    ] * 3


@pytest.mark.parametrize(
    "body",
    [
        {"max_links": -1},
        {"trust_threshold": "many"},
        {"flag_threshold": 0},
        {"hold_words": ["x" * 101]},
        {"hold_words": "not a list"},
        {"max_link": 3},  # a misspelt setting is refused, not ignored
        {"crisis_resources": ["A helpline with no contact"]},
    ],
)
def test_settings_api_refuses_bad_values(
    session: Session, admin_api: TestClient, body: dict[str, object]
) -> None:
    response = admin_api.patch("/api/v1/settings", json=body)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], str)
    assert audit(session, kind=ActionKind.UPDATE_SETTINGS) == []


def test_moderators_cannot_change_settings(mod_api: TestClient) -> None:
    response = mod_api.patch("/api/v1/settings", json={"max_links": 50})
    assert response.status_code == 403
    assert mod_api.get("/api/v1/settings").status_code == 403


# ---- canned reasons ---------------------------------------------------------------


def test_canned_reasons_api_lifecycle_is_ordered_and_audited(
    session: Session, admin_api: TestClient, mod_api: TestClient
) -> None:
    first = admin_api.post(
        "/api/v1/canned-reasons",
        json={"label": "Off topic", "body": "Please keep to the article's subject."},
    )
    second = admin_api.post(
        "/api/v1/canned-reasons",
        json={"label": "Medical advice", "body": "We can't publish dosing advice."},
    )
    assert first.status_code == second.status_code == 201
    assert (first.json()["position"], second.json()["position"]) == (1, 2)
    moved = admin_api.patch(
        f"/api/v1/canned-reasons/{second.json()['id']}", json={"position": 0}
    )
    assert moved.json()["label"] == "Medical advice"
    listed = mod_api.get("/api/v1/canned-reasons").json()
    assert [item["label"] for item in listed] == ["Medical advice", "Off topic"]
    gone = admin_api.delete(f"/api/v1/canned-reasons/{first.json()['id']}")
    assert gone.status_code == 204
    assert [item["label"] for item in mod_api.get("/api/v1/canned-reasons").json()] == [
        "Medical advice"
    ]
    kinds = [
        (e.action, e.reason)
        for e in session.scalars(
            select(ModerationAction)
            .where(ModerationAction.action.like("%canned%"))
            .order_by(ModerationAction.id)
        )
    ]
    assert kinds == [
        (ActionKind.ADD_CANNED_REASON, "Off topic"),
        (ActionKind.ADD_CANNED_REASON, "Medical advice"),
        (ActionKind.EDIT_CANNED_REASON, "Medical advice"),
        (ActionKind.DELETE_CANNED_REASON, "Off topic"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"label": "", "body": "text"},
        {"label": "   ", "body": "text"},
        {"label": "x" * 81, "body": "text"},
        {"label": "ok", "body": "x" * 501},
        {"label": "ok", "body": "nul \x00"},
        {"label": "ok", "body": "text", "position": -1},
        {"label": "ok"},
    ],
)
def test_canned_reason_api_refuses_bad_input(
    admin_api: TestClient, body: dict[str, object]
) -> None:
    assert admin_api.post("/api/v1/canned-reasons", json=body).status_code == 422


def test_canned_reason_api_unknown_id_is_404(admin_api: TestClient) -> None:
    response = admin_api.patch("/api/v1/canned-reasons/999999", json={"label": "x"})
    assert (response.status_code, response.json()) == (
        404,
        {"detail": "There is no such canned reason."},
    )


def test_canned_reason_service_checks_roles(session: Session) -> None:
    member = make_user(session)
    moderator = make_user(session, role=Role.MODERATOR)
    data = CannedReasonIn(label="Rude", body="Please be kind.")
    with pytest.raises(PermissionDenied):
        canned.list_canned_reasons(session, actor=member)
    with pytest.raises(PermissionDenied):
        canned.create_canned_reason(session, data, actor=moderator)
    reason = canned.create_canned_reason(session, data, actor=make_admin(session))
    with pytest.raises(PermissionDenied):
        canned.delete_canned_reason(session, reason, actor=moderator)
    assert canned.list_canned_reasons(session, actor=moderator) == [reason]


def test_admin_manages_canned_reasons_in_the_page(
    session: Session, admin_client: TestClient
) -> None:
    added = submit(
        admin_client,
        f"{SETTINGS}/canned-reasons",
        label="Off topic",
        body="Please keep to the subject.",
        position="",
    )
    assert added.status_code == 303
    reason = session.scalars(select(CannedReason)).one()
    assert (reason.label, reason.position) == ("Off topic", 1)
    page = admin_client.get(added.headers["location"]).text
    assert "Canned reason “Off topic” added." in page
    assert f'id="canned-{reason.id}-body"' in page

    bad = submit(
        admin_client,
        f"{SETTINGS}/canned-reasons/{reason.id}",
        label="",
        body="Changed text",
        position="2",
    )
    assert bad.status_code == 422
    assert f'aria-describedby="canned-{reason.id}-label-error"' in bad.text
    assert "Changed text</textarea>" in bad.text

    saved = submit(
        admin_client,
        f"{SETTINGS}/canned-reasons/{reason.id}",
        label="Off-topic",
        body="Changed text",
        position="2",
    )
    assert saved.status_code == 303
    session.refresh(reason)
    assert (reason.label, reason.body, reason.position) == (
        "Off-topic",
        "Changed text",
        2,
    )
    deleted = submit(admin_client, f"{SETTINGS}/canned-reasons/{reason.id}/delete")
    assert deleted.status_code == 303
    assert session.scalars(select(CannedReason)).all() == []


def test_bad_new_canned_reason_is_shown_again_with_errors(
    session: Session, admin_client: TestClient
) -> None:
    response = submit(admin_client, f"{SETTINGS}/canned-reasons", label="Kept", body="")
    assert response.status_code == 422
    assert '<p class="error" id="error-body">' in response.text
    assert 'aria-describedby=" error-body"' in response.text
    assert 'value="Kept"' in response.text
    assert session.scalars(select(CannedReason)).all() == []


# ---- the queue offers them ----------------------------------------------------------


@pytest.fixture
def off_topic(session: Session, admin: User) -> CannedReason:
    data = CannedReasonIn(label="Off topic", body="Please keep to the subject.")
    return canned.create_canned_reason(session, data, actor=admin)


def test_queue_reject_form_offers_canned_reasons_and_uses_the_pick(
    session: Session, mod_client: TestClient, off_topic: CannedReason
) -> None:
    article = make_article(session)
    picked = make_comment(session, article, status=CommentStatus.PENDING)
    typed = make_comment(session, article, status=CommentStatus.PENDING)
    page = mod_client.get("/moderation").text
    assert f'<select id="canned-{picked.id}" name="canned"' in page
    assert '<option value="Please keep to the subject.">Off topic</option>' in page
    token = csrf_from(page)
    for comment, reason in ((picked, ""), (typed, "Typed wins")):
        response = mod_client.post(
            f"/moderation/comments/{comment.id}/reject",
            data={"csrf_token": token, "reason": reason, "canned": off_topic.body},
        )
        assert response.status_code == 303
        session.refresh(comment)
    assert (picked.status, picked.decision_reason) == (
        CommentStatus.REJECTED,
        "Please keep to the subject.",
    )
    assert typed.decision_reason == "Typed wins"


def test_bulk_reject_uses_the_canned_pick(
    session: Session, mod_client: TestClient, off_topic: CannedReason
) -> None:
    article = make_article(session)
    comments = [
        make_comment(session, article, status=CommentStatus.PENDING) for _ in range(2)
    ]
    token = csrf_from(mod_client.get("/moderation").text)
    response = mod_client.post(
        "/moderation/bulk",
        data={
            "csrf_token": token,
            "action": "reject",
            "reason": "",
            "canned": off_topic.body,
            "ids": [str(c.id) for c in comments],
        },
    )
    assert response.status_code == 303
    for comment in comments:
        session.refresh(comment)
        assert comment.decision_reason == "Please keep to the subject."
