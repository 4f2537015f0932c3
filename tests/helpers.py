"""Helpers for driving the HTML pages like a browser would."""

import base64
import json
import re
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, cast

import httpx2
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.comments import form_defence
from app.comments.models import Comment
from app.moderation.models import ActionKind, ModerationAction
from tests.factories import TEST_PASSWORD

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = _CSRF.search(html)
    assert match, "no csrf_token field on the page"
    return match.group(1)


def form_token_from(html: str) -> str:
    """The timing token of the first comment form on a page."""
    match = _FORM_TOKEN.search(html)
    assert match, "no form_token field on the page"
    return match.group(1)


def visitor_seed(client: TestClient) -> str:
    """What this browser's comment-form tokens are bound to (app.web.state_seed):
    the seed in its state cookie, made when it first opened a page with a form."""
    state = client.cookies.get("haven_state")
    assert state, "this browser has no state cookie yet: open a page with a form"
    data = state.split(".", 1)[0]
    seed = json.loads(base64.b64decode(data + "=" * (-len(data) % 4))).get("csrf_seed")
    assert seed, "this browser has no seed yet: open a page with a form first"
    return str(seed)


def form_token(client: TestClient, article_id: int, *, age: float = 0.0) -> str:
    """A comment form's timing token as the app signs it for this browser,
    rendered ``age`` seconds ago (for posts made without the form, and to stand
    for a form left open)."""
    settings = cast(FastAPI, client.app).state.settings
    return form_defence.form_token(
        settings.secret_key,
        article_id,
        seed=visitor_seed(client),
        issued_at=time.time() - age,
    )


def login(client: TestClient, username: str, password: str = TEST_PASSWORD) -> None:
    """Sign in through the login form; the client keeps the session cookie."""
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    assert response.status_code == 303, response.text


def post_form(
    client: TestClient, page: str, action: str, data: dict[str, str]
) -> httpx2.Response:
    """GET a page for its CSRF token, then POST a form to ``action``."""
    token = csrf_from(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token})


def api_token(client: TestClient, username: str, password: str = TEST_PASSWORD) -> str:
    response = client.post(
        "/api/v1/auth/token", data={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def sign_in_as(client: TestClient, username: str, *, api: bool) -> None:
    """Sign ``client`` in as a browser does (the session cookie) or as an API
    caller does (a bearer token)."""
    if api:
        client.headers["Authorization"] = f"Bearer {api_token(client, username)}"
    else:
        login(client, username)


@contextmanager
def signed_in_clients(app: FastAPI, *usernames: str) -> Iterator[list[TestClient]]:
    """One browser per user, each signed in through the login form."""
    with ExitStack() as stack:
        clients = []
        for username in usernames:
            client = stack.enter_context(TestClient(app, follow_redirects=False))
            login(client, username)
            clients.append(client)
        yield clients


def audit(
    session: Session,
    *,
    comment: Comment | None = None,
    user: User | None = None,
    kind: ActionKind | None = None,
    fields: tuple[str, ...] = (),
) -> list[Any]:
    """The moderation log's entries about a comment, a member or of one kind, oldest
    first: the rows, or just ``fields`` of each (one field: its bare values)."""
    statement = select(ModerationAction).order_by(ModerationAction.id)
    if comment is not None:
        statement = statement.where(ModerationAction.comment_id == comment.id)
    if user is not None:
        statement = statement.where(ModerationAction.subject_user_id == user.id)
    if kind is not None:
        statement = statement.where(ModerationAction.action == kind)
    rows = list(session.scalars(statement))
    if len(fields) == 1:
        return [getattr(row, fields[0]) for row in rows]
    if fields:
        return [tuple(getattr(row, name) for name in fields) for row in rows]
    return rows
