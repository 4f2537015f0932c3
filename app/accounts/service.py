"""Accounts: creating people and finding them."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.errors import Conflict
from app.markup import Profile, render_markdown
from app.security import hash_password


def username_key(username: str) -> str:
    return username.strip().casefold()


def email_key(email: str) -> str:
    return email.strip().casefold()


def find_user(session: Session, username: str) -> User | None:
    """A user by username, ignoring case; None when there is none."""
    return session.scalars(
        select(User).where(User.username_key == username_key(username))
    ).one_or_none()


def create_user(
    session: Session,
    *,
    username: str,
    email: str,
    password: str,
    display_name: str | None = None,
    role: Role = Role.MEMBER,
    bio: str = "",
) -> User:
    """Store a new account with an argon2 hash; usernames and emails are unique ignoring case."""
    if find_user(session, username) is not None:
        raise Conflict("That username is taken.")
    if session.scalars(
        select(User.id).where(User.email_key == email_key(email))
    ).first():
        raise Conflict("An account with that email address already exists.")
    user = User(
        username=username.strip(),
        username_key=username_key(username),
        display_name=(display_name or username).strip(),
        email=email.strip(),
        email_key=email_key(email),
        password_hash=hash_password(password),
        role=role,
        bio=bio,
        bio_html=render_markdown(bio, Profile.BIO) if bio else "",
    )
    session.add(user)
    session.flush()
    return user
