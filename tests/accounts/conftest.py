"""A member for the ban and moderation-record tests (moderators: tests/conftest.py)."""

import pytest
from sqlalchemy.orm import Session

from app.accounts.models import User
from tests.factories import make_user


@pytest.fixture
def member(session: Session) -> User:
    return make_user(session, username="bert", display_name="Bert")


def record_page(user: User) -> str:
    return f"/users/{user.username}/moderation"
