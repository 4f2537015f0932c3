"""Reading changes nothing: every GET route, as every role, writes no row (#16).

The routes come from the app, so a new page or API read is crawled when it is
added. Mail links get real signed tokens, so they reach the code they run.
"""

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.accounts.models import Role
from app.articles.models import Article
from app.comments.models import Comment
from app.config import Settings
from app.notifications.service import Choice, unsubscribe_token
from app.notifications.tokens import Purpose, Signer, password_fingerprint
from tests.conftest import AppFactory
from tests.factories import make_comment, make_user, route_targets
from tests.helpers import api_token, login
from tests.snapshot import changed_tables, database_snapshot

ROLES = ("guest", "member", "moderator", "admin")

# Tables a read may write, and why.
READS_RECORDED = {
    # "New since your last visit": a signed-in reader's article page records
    # when they last read it, so the next visit can mark what is new.
    "article_visit": "the reader's last visit to a discussion",
}

# Routes whose GET is the action itself, and the tables it may change.
GET_ACTIONS: dict[str, set[str]] = {
    # The links in mail confirm with one click, as mail clients open them.
    "/confirm-email/{token}": {"user"},
    "/guest-replies/{token}": {"comment"},
    # A member's data export is audited (issue #17), each time it is read.
    "/api/v1/me/export": {"moderation_action"},
}


def get_routes(app: FastAPI) -> list[str]:
    """The path of every GET route, HTML and API."""
    return sorted(
        {
            context.path
            for context in iter_route_contexts(app.routes)
            if context.path is not None and "GET" in (context.methods or ())
        }
    )


@pytest.fixture
def fill(settings: Settings, session: Session) -> dict[str, str]:
    """Path parameters naming real things; mail links get valid tokens."""
    params = route_targets(session, decision="spam")
    user = accounts_service.get_user(session, params["{username}"])
    comment = session.get(Comment, int(params["{comment_id}"]))
    assert comment is not None
    article = session.get(Article, comment.article_id)
    assert article is not None
    user.email_verified_at = None  # so that its confirmation link has work to do
    guest = make_comment(session, article)
    guest.guest_email, guest.guest_notify = "guest@example.org", True
    session.flush()
    signer = Signer(settings.secret_key)
    tokens = {
        "/reset-password/{token}": signer.sign(
            Purpose.PASSWORD_RESET,
            {"u": user.id, "h": password_fingerprint(user.password_hash)},
        ),
        "/confirm-email/{token}": signer.sign(
            Purpose.CONFIRM_EMAIL, {"u": user.id, "e": user.email_key}
        ),
        "/guest-replies/{token}": signer.sign(
            Purpose.CONFIRM_GUEST, {"c": guest.id, "e": "guest@example.org"}
        ),
        "/unsubscribe/{token}": unsubscribe_token(
            signer, Choice.REPLIES, user_id=user.id
        ),
    }
    own = {f"{path}:{{token}}": token for path, token in tokens.items()}
    tags = {
        f"{path}:{{slug}}": "matrix"
        for path in ("/tags/{slug}", "/feeds/tags/{slug}.atom")
    }
    return {**own, **tags, **params}


def filled(path: str, fill: dict[str, str]) -> str:
    url = path
    for placeholder, value in fill.items():
        route, _, name = placeholder.rpartition(":")
        if route in ("", path):  # a value for every route, or for this one
            url = url.replace(name, value)
    assert "{" not in url, f"add a value for the parameters of {path} to fill"
    return url


@pytest.fixture(params=ROLES)
def reader(
    request: pytest.FixtureRequest, app_factory: AppFactory, session: Session
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """A browser signed in (or not) as the role, and its API header."""
    role: str = request.param
    with TestClient(app_factory(), follow_redirects=False) as client:
        headers: dict[str, str] = {}
        if role != "guest":
            user = make_user(session, role=Role(role))
            login(client, user.username)
            headers = {"Authorization": f"Bearer {api_token(client, user.username)}"}
        yield client, headers


def test_reading_every_page_changes_nothing(
    session: Session,
    fill: dict[str, str],
    reader: tuple[TestClient, dict[str, str]],
) -> None:
    client, api_headers = reader
    app = client.app
    assert isinstance(app, FastAPI)
    before = database_snapshot(session)
    crawled = []
    for path in get_routes(app):
        headers = api_headers if path.startswith("/api/") else {}
        response = client.get(filled(path, fill), headers=headers)
        assert response.status_code < 500, (path, response.status_code)
        after = database_snapshot(session)
        allowed = READS_RECORDED.keys() | GET_ACTIONS.get(path, set())
        assert [t for t in changed_tables(before, after) if t not in allowed] == [], (
            path
        )
        before = after
        crawled.append(path)
    assert len(crawled) >= 49
