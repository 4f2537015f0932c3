"""In-memoriam profiles (#19, point 3): marked by administrators at a family's
request, audited and reversible; nobody signs in as the member any more."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts import memorial
from app.accounts.models import AuthSession, Role, User
from app.config import Settings
from app.errors import Conflict, PermissionDenied
from app.moderation.models import ActionKind
from app.notifications.models import MailKind, Outbox
from app.notifications.tokens import Purpose, Signer, password_fingerprint
from tests.conftest import AppFactory
from tests.factories import make_admin, make_user
from tests.helpers import api_token, audit, csrf_from, login, post_form

NOTE = "Bert died peacefully in May. His family thanks you all."


def sessions_of(session: Session, user: User) -> int:
    return (
        session.scalar(
            select(func.count(AuthSession.id)).where(AuthSession.user_id == user.id)
        )
        or 0
    )


@pytest.fixture
def admin(session: Session) -> User:
    return make_admin(session)


def test_marking_is_audited_and_ends_the_members_sessions(
    session: Session, app_factory: AppFactory, member: User, admin: User
) -> None:
    with TestClient(app_factory(), follow_redirects=False) as browser:
        login(browser, member.username)
        api = api_token(browser, member.username)
        assert sessions_of(session, member) == 2

        memorial.mark(session, member, note=f"  {NOTE} ", actor=admin)

        assert member.memorial_at is not None
        assert member.memorial_note == NOTE
        assert sessions_of(session, member) == 0
        session.commit()
        assert browser.get("/settings").status_code == 303  # back to sign-in
        refused = browser.get("/api/v1/me", headers={"Authorization": f"Bearer {api}"})
        assert refused.status_code == 401

    memorial.unmark(session, member, actor=admin)
    assert member.memorial_at is None
    assert member.memorial_note is None
    assert audit(session, user=member, fields=("action", "reason")) == [
        (ActionKind.MEMORIAL, NOTE),
        (ActionKind.UNMEMORIAL, None),
    ]


def test_only_administrators_mark_and_never_twice(
    session: Session, member: User, admin: User
) -> None:
    moderator = make_user(session, role=Role.MODERATOR)
    with pytest.raises(PermissionDenied):
        memorial.mark(session, member, note=None, actor=moderator)
    with pytest.raises(PermissionDenied):
        memorial.mark(session, member, note=None, actor=None)
    with pytest.raises(Conflict, match="your own"):
        memorial.mark(session, admin, note=None, actor=admin)
    with pytest.raises(Conflict, match="not in memoriam"):
        memorial.unmark(session, member, actor=admin)
    memorial.mark(session, member, note=None, actor=admin)
    with pytest.raises(Conflict, match="already"):
        memorial.mark(session, member, note=None, actor=admin)
    assert member.memorial_note is None
    assert audit(session, user=member, fields=("action", "reason")) == [
        (ActionKind.MEMORIAL, None)
    ]


def test_signing_in_is_refused_gently(
    session: Session, client: TestClient, member: User, admin: User
) -> None:
    memorial.mark(session, member, note=None, actor=admin)
    session.commit()

    page = post_form(
        client,
        "/login",
        "/login",
        {"username": member.username, "password": "correct horse battery staple"},
    )
    assert page.status_code == 403
    assert "kept in memory" in page.text
    token = client.post(
        "/api/v1/auth/token",
        data={"username": member.username, "password": "correct horse battery staple"},
    )
    assert token.status_code == 403
    assert "kept in memory" in token.json()["detail"]
    # A wrong password says no more than for anyone else.
    wrong = client.post(
        "/api/v1/auth/token", data={"username": member.username, "password": "nope"}
    )
    assert wrong.status_code == 401


def test_no_reset_mail_is_queued_and_an_old_link_is_refused(
    session: Session, client: TestClient, settings: Settings, member: User, admin: User
) -> None:
    link = Signer(settings.secret_key).sign(
        Purpose.PASSWORD_RESET,
        {"u": member.id, "h": password_fingerprint(member.password_hash)},
    )
    memorial.mark(session, member, note=None, actor=admin)
    session.commit()

    asked = client.post("/api/v1/auth/password-reset", json={"email": member.email})
    assert asked.status_code in (200, 202)
    queued = session.scalars(
        select(Outbox).where(
            Outbox.user_id == member.id, Outbox.kind == MailKind.PASSWORD_RESET
        )
    ).all()
    assert queued == []
    page = client.get(f"/reset-password/{link}")
    assert page.status_code == 400
    assert "kept in memory" in page.text


def test_the_api_marks_and_unmarks(
    session: Session, app_factory: AppFactory, member: User, admin: User
) -> None:
    with TestClient(app_factory(), follow_redirects=False) as api:
        api.headers["Authorization"] = f"Bearer {api_token(api, admin.username)}"
        url = f"/api/v1/users/{member.username}/memorial"
        marked = api.post(url, json={"note": NOTE})
        assert marked.status_code == 200, marked.text
        assert marked.json()["memorial_note"] == NOTE
        assert marked.json()["memorial_at"] is not None
        assert "email" not in marked.json()
        again = api.post(url, json={})
        assert again.status_code == 409
        assert "already" in again.json()["detail"]
        public = api.get(f"/api/v1/users/{member.username}/comments")
        assert public.status_code == 200
        too_long = api.post(url, json={"note": "x" * 501})
        assert too_long.status_code == 422
        undone = api.delete(url)
        assert undone.status_code == 200
        assert undone.json()["memorial_at"] is None
        assert api.delete(url).status_code == 409


def test_the_profile_shows_a_quiet_note_and_the_record_the_mark(
    session: Session,
    client: TestClient,
    mod_client: TestClient,
    member: User,
    admin: User,
) -> None:
    profile = f"/users/{member.username}"
    assert "In memoriam" not in client.get(profile).text
    before = mod_client.get(f"{profile}/moderation").text
    assert "Only administrators can mark" in before
    memorial.mark(session, member, note="Loved <b>by</b> all", actor=admin)
    session.commit()

    page = client.get(profile).text
    assert 'aria-label="In memoriam"' in page
    assert "Loved &lt;b&gt;by&lt;/b&gt; all" in page
    record = mod_client.get(f"{profile}/moderation").text
    assert "In memoriam</strong> since" in record
    assert "/memorial/remove" not in record  # moderators don't undo it


def test_an_admin_marks_and_unmarks_through_the_record_page(
    session: Session, admin_client: TestClient, member: User
) -> None:
    record = f"/users/{member.username}/moderation"
    page = admin_client.get(record).text
    assert "Mark Bert in memoriam…" in page
    token = csrf_from(page)
    done = admin_client.post(
        f"/users/{member.username}/memorial", data={"csrf_token": token, "note": NOTE}
    )
    assert done.status_code == 303
    assert done.headers["location"].endswith("#memorial")
    page = admin_client.get(record).text
    assert "profile is now in memoriam" in page
    assert NOTE in page
    again = admin_client.post(
        f"/users/{member.username}/memorial", data={"csrf_token": csrf_from(page)}
    )
    assert again.status_code == 303
    assert "already in memoriam" in admin_client.get(record).text
    undone = admin_client.post(
        f"/users/{member.username}/memorial/remove",
        data={"csrf_token": csrf_from(page)},
    )
    assert undone.status_code == 303
    session.expire_all()
    assert session.get(User, member.id).memorial_at is None  # type: ignore[union-attr]
    assert [a for a, _ in audit(session, user=member, fields=("action", "reason"))] == [
        ActionKind.MEMORIAL,
        ActionKind.UNMEMORIAL,
    ]
