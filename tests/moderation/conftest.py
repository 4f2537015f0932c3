"""Fixtures shared by the moderation tests: an admin, and an article to discuss."""

import pytest
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.articles.models import Article
from tests.factories import make_admin, make_article


@pytest.fixture
def admin(session: Session) -> User:
    return make_admin(session)


@pytest.fixture
def article(session: Session) -> Article:
    return make_article(session)
