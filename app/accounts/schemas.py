"""Account shapes shared by the HTML forms and the JSON API."""

import re
from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
)

from app.accounts.models import Role

USERNAME_PATTERN = re.compile(r"[A-Za-z0-9_-]{3,30}")


def _username(value: str) -> str:
    if not USERNAME_PATTERN.fullmatch(value):
        raise ValueError("Use 3 to 30 letters, digits, underscores or hyphens.")
    return value


Username = Annotated[
    str, StringConstraints(strip_whitespace=True), AfterValidator(_username)
]
Password = Annotated[str, Field(min_length=10, max_length=128)]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)]


class RegisterIn(BaseModel):
    username: Username
    email: EmailStr
    password: Password
    display_name: DisplayName | None = None


class ProfileUpdate(BaseModel):
    display_name: DisplayName = Field(min_length=1)
    bio: str = Field(default="", max_length=5000)
    email: EmailStr
    notify_replies: bool = False


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=128)
    new_password: Password


class UserRead(BaseModel):
    """What anyone may see of a person: never the email."""

    model_config = ConfigDict(from_attributes=True)

    username: str
    display_name: str
    bio_html: str
    role: Role
    created_at: datetime


class MeRead(UserRead):
    """The caller's own account, with the private fields."""

    email: str
    notify_replies: bool
    banned_until: datetime | None
    ban_reason: str | None
    is_banned: bool


class TokenRead(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)


class BanIn(BaseModel):
    until: datetime | None = None
    reason: str = Field(min_length=1, max_length=2000)


class BanRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    username: str
    banned_until: datetime | None
    ban_reason: str | None
    banned_at: datetime | None
