"""Who is asking: route dependencies over the accounts service."""

from typing import Annotated

from fastapi import Depends, Request

from app.accounts.models import User


def get_optional_user(request: Request) -> User | None:
    """The signed-in user, if any. Sign-in arrives with accounts (#3)."""
    user: User | None = getattr(request.state, "user", None)
    return user


OptionalUser = Annotated[User | None, Depends(get_optional_user)]
