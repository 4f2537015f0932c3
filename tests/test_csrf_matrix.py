"""Every state-changing page refuses a forged form, and changes nothing (#16).

The routes come from the app itself, so a new form is covered when it is added.
Each is posted by a signed-in admin (the strongest role: a refusal is the CSRF
check, never a permission one) with plausible fields, six ways a forgery looks,
and then once as the site's own page sends it, to show the refusals were for
the forgery and not for something else.
"""

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.config import Settings
from app.main import create_app
from app.security import same_origin
from tests.conftest import AppFactory
from tests.factories import TEST_PASSWORD, make_user, route_targets
from tests.helpers import csrf_from, signed_in_clients
from tests.snapshot import changed_tables, database_snapshot

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
SITE = "http://testserver"
FOREIGN = "https://evil.example"
CSRF_PAGE = "Your form could not be sent"

# Routes that take no CSRF token, each with why that is safe. Their forged
# requests must still change nothing.
EXEMPT = {
    ("POST", "/unsubscribe/{token}"): "RFC 8058 one-click unsubscribe: mail "
    "providers post it from their own servers, without our form; the signed "
    "token in the address is the proof, and no other site can make one.",
}

# What a person filling the site's forms would send; each form reads its own.
PLAUSIBLE = {
    "username": "matrix_target",
    "password": TEST_PASSWORD,
    "new_password": "another horse battery staple",
    "email": "matrix@example.org",
    "display_name": "Matrix",
    "body": "A plausible comment about living with MS.",
    "title": "A plausible title",
    "summary": "A plausible summary.",
    "markdown": "Be kind.",
    "status": "published",
    "tags": "Matrix",
    "reason": "off_topic",
    "note": "A plausible note.",
    "text": "A plausible editor's note.",
    "url": "",
    "content_note": "grief",
    "visibility": "members",
    "label": "Plausible label",
    "badge": "volunteer",
    "until": "",
    "period": "7",
    "seen": "approved",
    "action": "approve",
    "ids": "1",
}

# One variant each: (description, token to send, extra headers). "own" is the
# admin's valid token, "other" a valid token of another signed-in member.
VARIANTS: dict[str, tuple[str, dict[str, str]]] = {
    "no token": ("", {"Origin": SITE}),
    "wrong token": ("0" * 64, {"Origin": SITE}),
    "another session's token": ("other", {"Origin": SITE}),
    "Origin: null": ("own", {"Origin": "null"}),
    "foreign Origin": ("own", {"Origin": FOREIGN}),
    "foreign Referer, no Origin": ("own", {"Referer": f"{FOREIGN}/a/page"}),
}


def state_changing_html_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every HTML route that may change something."""
    found: set[tuple[str, str]] = set()
    for context in iter_route_contexts(app.routes):
        path = context.path
        if path is None or path.startswith("/api/") or not context.methods:
            continue
        found.update((m, path) for m in context.methods if m in STATE_CHANGING)
    return sorted(found)


def _routes() -> list[tuple[str, str]]:
    return state_changing_html_routes(
        create_app(
            Settings(env="test", secret_key="routes-only", database_url="sqlite://")
        )
    )


@pytest.fixture
def fill(session: Session) -> dict[str, str]:
    """Path parameters naming real things, so each route gets past its lookups."""
    return route_targets(session, decision="remove")


def filled(path: str, fill: dict[str, str]) -> str:
    for placeholder, value in fill.items():
        path = path.replace(placeholder, value)
    assert "{" not in path, f"add a value for the parameter of {path} to fill"
    return path


@pytest.fixture
def clients(
    app_factory: AppFactory, session: Session
) -> Iterator[tuple[TestClient, TestClient]]:
    """A signed-in admin, and another signed-in member whose token they may steal."""
    admin, other = make_user(session, role=Role.ADMIN), make_user(session)
    with signed_in_clients(app_factory(), admin.username, other.username) as (
        admin_client,
        other_client,
    ):
        yield admin_client, other_client


@pytest.mark.parametrize(("method", "path"), _routes())
def test_forged_form_is_refused_and_changes_nothing(
    session: Session,
    clients: tuple[TestClient, TestClient],
    fill: dict[str, str],
    method: str,
    path: str,
) -> None:
    admin_client, other_client = clients
    url = filled(path, fill)
    tokens = {
        "own": csrf_from(admin_client.get("/settings").text),
        "other": csrf_from(other_client.get("/settings").text),
    }
    before = database_snapshot(session)
    for variant, (token, headers) in VARIANTS.items():
        data = {**PLAUSIBLE, "csrf_token": tokens.get(token, token)}
        response = admin_client.request(method, url, data=data, headers=headers)

        if (method, path) in EXEMPT:
            assert response.status_code == 400, (variant, response.status_code)
        else:
            assert response.status_code == 403, (variant, response.status_code)
            assert CSRF_PAGE in response.text, variant
    assert changed_tables(before, database_snapshot(session)) == []

    # The same form as the site's own page sends it gets past the check.
    response = admin_client.request(
        method,
        url,
        data={**PLAUSIBLE, "csrf_token": tokens["own"]},
        headers={"Origin": SITE},
    )
    assert CSRF_PAGE not in response.text, response.status_code


def test_every_form_route_is_in_the_matrix(settings: Settings) -> None:
    """The matrix reads the same app the site serves (a guard on _routes)."""
    assert _routes() == state_changing_html_routes(create_app(settings))
    assert len(_routes()) > 30


# (route, fields): forms the site's own pages send, and what each changes.
GENUINE = [
    ("/settings", {"display_name": "Genuine", "email": "matrix@example.org"}),
    ("/articles/{slug}/close", {"reason": "Enough said."}),
    ("/comments/{comment_id}/lock", {"reason": "Heated."}),
    ("/moderation/comments/{comment_id}/remove", {"seen": "approved"}),
    ("/moderation/comments/{comment_id}/pin", {}),
    ("/moderation/comments/{comment_id}/feature", {}),
    ("/admin/guidelines", {"markdown": "Be kind to each other."}),
    ("/users/{username}/notes", {"body": "Spoke to them kindly."}),
]


# How a genuine form's source shows: privacy settings may strip both headers,
# and the token alone decides then.
SOURCES = [{"Origin": SITE}, {"Referer": f"{SITE}/settings"}, {}]


@pytest.mark.parametrize(
    ("path", "fields", "headers"),
    [(path, fields, SOURCES[i % 3]) for i, (path, fields) in enumerate(GENUINE)],
    ids=[path for path, _ in GENUINE],
)
def test_genuine_form_still_works(
    session: Session,
    clients: tuple[TestClient, TestClient],
    fill: dict[str, str],
    path: str,
    fields: dict[str, str],
    headers: dict[str, str],
) -> None:
    admin_client, _ = clients
    token = csrf_from(admin_client.get("/settings").text)
    before = database_snapshot(session)

    response = admin_client.post(
        filled(path, fill), data={**fields, "csrf_token": token}, headers=headers
    )

    assert response.status_code == 303, response.text
    assert changed_tables(before, database_snapshot(session)) != []


@pytest.mark.parametrize(
    ("origin", "referer", "same"),
    [
        ("http://testserver", None, True),
        ("HTTP://TESTSERVER", None, True),
        ("https://haven.example", None, True),  # the configured address
        ("null", None, False),
        ("http://testserver.evil.example", None, False),
        ("http://testserver:8080", None, False),
        ("https://evil.example", "http://testserver/page", False),
        (None, "http://testserver/page?x=1", True),
        (None, "https://evil.example/http://testserver", False),
        (None, "", True),
        (None, None, True),
    ],
)
def test_same_origin_reads_origin_then_referer(
    origin: str | None, referer: str | None, same: bool
) -> None:
    sites = {"http://testserver", "https://haven.example"}
    assert same_origin(origin, referer, site_origins=sites) is same
