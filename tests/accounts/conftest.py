"""Moderators and a member for the ban and moderation-record tests (issue #5, part D)."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from tests.conftest import AppFactory
from tests.factories import make_user
from tests.helpers import api_token, login


@pytest.fixture
def mod(session: Session) -> User:
    return make_user(session, role=Role.MODERATOR, display_name="Mo")


@pytest.fixture
def mod_web(app_factory: AppFactory, mod: User) -> Iterator[TestClient]:
    """The moderator signed in through the pages."""
    with TestClient(app_factory(), follow_redirects=False) as client:
        login(client, mod.username)
        yield client


@pytest.fixture
def mod_json(app_factory: AppFactory, mod: User) -> Iterator[TestClient]:
    """The moderator holding an API token."""
    with TestClient(app_factory(), follow_redirects=False) as client:
        client.headers["Authorization"] = f"Bearer {api_token(client, mod.username)}"
        yield client


@pytest.fixture
def member(session: Session) -> User:
    return make_user(session, username="bert", display_name="Bert")


def record_page(user: User) -> str:
    return f"/users/{user.username}/moderation"
