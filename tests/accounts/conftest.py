"""A member for the ban and moderation-record tests (moderators: tests/conftest.py)."""

from app.accounts.models import User


def record_page(user: User) -> str:
    return f"/users/{user.username}/moderation"
