"""A moderator, signed in through the pages or holding an API token."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from tests.conftest import AppFactory
from tests.factories import make_user
from tests.helpers import api_token, login


@pytest.fixture
def moderator(session: Session) -> User:
    return make_user(session, role=Role.MODERATOR, display_name="Mo")


@pytest.fixture
def mod_client(app_factory: AppFactory, moderator: User) -> Iterator[TestClient]:
    with TestClient(app_factory(), follow_redirects=False) as client:
        login(client, moderator.username)
        yield client


@pytest.fixture
def mod_api(app_factory: AppFactory, moderator: User) -> Iterator[TestClient]:
    with TestClient(app_factory(), follow_redirects=False) as client:
        token = api_token(client, moderator.username)
        client.headers["Authorization"] = f"Bearer {token}"
        yield client
