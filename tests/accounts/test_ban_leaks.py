"""Bans that don't leak (issue #16, defects 13 and 15): a banned member can't
dress their profile up, nobody's name may pass for the team's, and a banned
moderator loses every moderator power, reads included."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.accounts.models import Role, User
from app.accounts.schemas import ProfileUpdate, RegisterIn
from app.comments.models import CommentStatus
from app.db import utcnow
from app.errors import Invalid, PermissionDenied
from tests.factories import make_admin, make_article, make_comment, make_user
from tests.helpers import api_token, csrf_from, login


def _ban(session: Session, user: User) -> None:
    accounts_service.ban(
        session,
        user,
        until=utcnow() + timedelta(days=7),
        reason="Testing",
        actor=make_admin(session),
    )
    session.flush()


def _bearer(client: TestClient, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(client, user.username)}"}


def test_a_banned_member_keeps_their_public_profile_as_it_is(
    session: Session, client: TestClient
) -> None:
    member = make_user(session, display_name="Pat", bio="Hello")
    headers = _bearer(client, member)
    _ban(session, member)
    headers = _bearer(client, member)  # the ban ended the old token

    renamed = client.patch(
        "/api/v1/me", json={"display_name": "Someone else"}, headers=headers
    )
    linked = client.patch(
        "/api/v1/me",
        json={"bio": "[cheap pills](https://spam.example)"},
        headers=headers,
    )
    mail = client.patch("/api/v1/me", json={"notify_replies": False}, headers=headers)

    assert renamed.status_code == 403
    assert "can't change your name or your bio" in renamed.json()["detail"]
    assert linked.status_code == 403
    assert mail.status_code == 200
    session.refresh(member)
    assert (member.display_name, member.bio, member.notify_replies) == (
        "Pat",
        "Hello",
        False,
    )


def test_the_settings_page_says_so_to_a_banned_member(
    session: Session, client: TestClient
) -> None:
    member = make_user(session, display_name="Pat")
    _ban(session, member)
    login(client, member.username)
    response = client.post(
        "/settings",
        data={
            "csrf_token": csrf_from(client.get("/settings").text),
            "display_name": "Moderator Team (official)",
            "email": member.email,
        },
    )
    assert response.status_code == 422
    assert "can&#39;t change your name or your bio" in response.text
    session.refresh(member)
    assert member.display_name == "Pat"


@pytest.mark.parametrize(
    "name",
    [
        "Moderator Team (official)",
        "\uff21\uff24\uff2d\uff29\uff2e",  # full-width ADMIN
        "Haven Team",
        "haven_team",
        "The Staff",
        "Adm\u200bin",
        "Modérateurs",
    ],
)
def test_names_that_pass_for_the_team_are_reserved(
    session: Session, client: TestClient, name: str
) -> None:
    member = make_user(session, display_name="Pat")
    with pytest.raises(Invalid, match="kept for the team"):
        accounts_service.update_profile(
            session,
            ProfileUpdate(display_name=name, email=member.email),
            actor=member,
        )
    with pytest.raises(Invalid, match="kept for the team"):
        accounts_service.register(
            session,
            RegisterIn(
                username="newcomer",
                email="newcomer@example.org",
                password="a long enough passphrase",
                display_name=name,
            ),
        )
    api = client.patch(
        "/api/v1/me", json={"display_name": name}, headers=_bearer(client, member)
    )
    assert api.status_code == 422
    session.refresh(member)
    assert member.display_name == "Pat"


@pytest.mark.parametrize("name", ["Badminton fan", "Ann Official-Smith?", "Mod"])
def test_ordinary_names_stay_free(session: Session, name: str) -> None:
    member = make_user(session)
    if name == "Ann Official-Smith?":
        # "official" as a word is reserved, whatever surrounds it.
        with pytest.raises(Invalid):
            accounts_service.update_profile(
                session,
                ProfileUpdate(display_name=name, email=member.email),
                actor=member,
            )
        return
    accounts_service.update_profile(
        session, ProfileUpdate(display_name=name, email=member.email), actor=member
    )
    assert member.display_name == name


def test_the_team_may_use_team_words(session: Session) -> None:
    moderator = make_user(session, role=Role.MODERATOR)
    accounts_service.update_profile(
        session,
        ProfileUpdate(display_name="Sam (moderator)", email=moderator.email),
        actor=moderator,
    )
    assert moderator.display_name == "Sam (moderator)"


def test_a_banned_moderator_loses_moderator_reads_and_pages(
    session: Session, client: TestClient
) -> None:
    moderator = make_user(session, role=Role.MODERATOR)
    article = make_article(session)
    waiting = make_comment(
        session, article, author=make_user(session), status=CommentStatus.PENDING
    )
    before = _bearer(client, moderator)
    assert (
        client.get(f"/api/v1/comments/{waiting.id}", headers=before).status_code == 200
    )

    _ban(session, moderator)
    headers = _bearer(client, moderator)
    login(client, moderator.username)

    assert (
        client.get(f"/api/v1/comments/{waiting.id}", headers=headers).status_code == 404
    )
    assert client.get("/api/v1/moderation/queue", headers=headers).status_code == 403
    page = client.get("/moderation")
    assert page.status_code == 403
    assert "can&#39;t moderate at the moment" in page.text
    assert client.get(f"/users/{moderator.username}/moderation").status_code == 403


def test_role_guards_refuse_a_banned_administrator(session: Session) -> None:
    admin = make_admin(session)
    admin.banned_at = utcnow()  # (the services never ban one; the guard holds anyway)
    session.flush()
    assert not admin.administers
    assert not admin.moderates
    with pytest.raises(PermissionDenied):
        accounts_service.set_badge(session, make_user(session), "carer", actor=admin)
