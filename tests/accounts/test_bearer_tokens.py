"""A bearer token the API cannot honour is refused, never read as "no token" (#16).

After a ban, the old token's POST was answered 422 "guest name required": the
route took the caller for a guest. Every /api/v1 route, the public ones that
accept an optional user included, now answers 401 with ``invalid_token``.
"""

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import service
from app.accounts.models import AuthSession, Role, User
from app.db import utcnow
from app.security import hash_token
from tests.conftest import AppFactory
from tests.factories import make_article, make_user
from tests.helpers import api_token


def _unknown(_client: TestClient, _session: Session, _member: User) -> str:
    return "Bearer not-a-token-we-issued"


def _revoked(client: TestClient, session: Session, member: User) -> str:
    token = api_token(client, member.username)
    moderator = make_user(session, role=Role.MODERATOR)
    service.ban(session, member, until=None, reason="Spam", actor=moderator)
    session.commit()
    return f"Bearer {token}"


def _expired(client: TestClient, session: Session, member: User) -> str:
    token = api_token(client, member.username)
    auth = session.scalars(
        select(AuthSession).where(AuthSession.token_hash == hash_token(token))
    ).one()
    auth.expires_at = utcnow() - timedelta(minutes=1)
    session.commit()
    return f"Bearer {token}"


def _wrong_scheme(client: TestClient, _session: Session, member: User) -> str:
    return f"Basic {api_token(client, member.username)}"


def _malformed(_client: TestClient, _session: Session, _member: User) -> str:
    return "Bearer"


BadHeader = Callable[[TestClient, Session, User], str]
BAD_HEADERS = pytest.mark.parametrize(
    "bad_header",
    [_unknown, _revoked, _expired, _wrong_scheme, _malformed],
    ids=["unknown", "revoked", "expired", "wrong-scheme", "malformed"],
)


@pytest.fixture
def guest_api(app_factory: AppFactory) -> Iterator[TestClient]:
    app = app_factory(allow_guest_comments=True)
    with TestClient(app, follow_redirects=False) as client:
        yield client


@BAD_HEADERS
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/articles/{slug}/comments"),  # public
        ("GET", "/api/v1/articles"),  # public
        ("POST", "/api/v1/articles/{slug}/comments"),  # guests may post here
        ("GET", "/api/v1/me"),  # signed in only
        ("PATCH", "/api/v1/me"),
    ],
)
def test_a_bad_authorization_header_is_refused_on_every_api_route(
    guest_api: TestClient,
    session: Session,
    bad_header: BadHeader,
    method: str,
    path: str,
) -> None:
    article = make_article(session)
    member = make_user(session)
    header = bad_header(guest_api, session, member)

    response = guest_api.request(
        method,
        path.format(slug=article.slug),
        headers={"Authorization": header},
        json={"body": "Hello from a stale token", "guest_name": "Guest"},
    )

    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert "detail" in response.json()


def test_without_a_header_public_routes_still_answer_guests(
    guest_api: TestClient, session: Session
) -> None:
    article = make_article(session)

    read = guest_api.get(f"/api/v1/articles/{article.slug}/comments")
    me = guest_api.get("/api/v1/me")

    assert read.status_code == 200
    assert me.status_code == 401
    assert me.headers["www-authenticate"] == "Bearer"


def test_a_valid_token_still_works(guest_api: TestClient, session: Session) -> None:
    member = make_user(session)
    token = api_token(guest_api, member.username)

    response = guest_api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200
    assert response.json()["username"] == member.username
