"""Settings, read once from the environment (see README.md, "Configuration")."""

import hashlib
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from fastapi import Depends, Request
from limits import parse_many
from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Everything Haven ships (templates, static files, migrations) is found from here,
# never from the current working directory.
PROJECT_ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = Path(__file__).resolve().parent


def _resource_dir(name: str) -> Path:
    """A shipped folder: beside the package in a checkout, inside it when installed."""
    for candidate in (PROJECT_ROOT / name, PACKAGE_DIR / name):
        if candidate.is_dir():
            return candidate
    return PROJECT_ROOT / name


TEMPLATES_DIR = _resource_dir("templates")
STATIC_DIR = _resource_dir("static")
MIGRATIONS_DIR = _resource_dir("migrations")
ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HAVEN_", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    data_dir: Path = Field(default_factory=lambda: Path.cwd() / "data")
    database_url: str = Field(
        default="",
        validation_alias=AliasChoices("DATABASE_URL", "HAVEN_DATABASE_URL"),
    )
    secret_key: str = ""
    base_url: str = "http://127.0.0.1:8000"
    # Other host names the site answers to (comma-separated); every address
    # Haven writes still names base_url's host.
    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    site_name: str = "Haven"
    site_tagline: str = "Learning and talking together about life with MS"
    allow_guest_comments: bool = False
    smtp_url: str = ""
    # The sender of Haven's mail; empty: "<site name> <no-reply@<base_url's host>>".
    mail_from: str = ""
    # Send mail from a thread of each web worker instead of `haven worker`.
    # Unset: yes in development without SMTP (the console shows each mail).
    mail_in_app: bool | None = None
    mail_poll_seconds: float = Field(default=5, gt=0, le=3600)
    mail_max_attempts: int = Field(default=6, ge=1, le=50)
    # Password reset requests, per address and per visitor's IP.
    reset_limit: str = "5/hour"
    redis_url: str = Field(
        default="", validation_alias=AliasChoices("REDIS_URL", "HAVEN_REDIS_URL")
    )
    articles_per_page: int = Field(default=10, ge=1, le=100)
    # Top-level comments per discussion page (each with its first replies).
    comments_per_page: int = Field(default=50, ge=1, le=50)
    sql_echo: bool = False
    allow_registration: bool = True
    # Sign-up answers the same whether or not an address has an account (the
    # owner hears by mail), and nobody is signed in before confirming by the
    # link. Unset: yes whenever mail goes out (HAVEN_SMTP_URL).
    hide_taken_emails: bool | None = None
    session_days: int = Field(default=30, ge=1, le=365)
    api_token_days: int = Field(default=90, ge=1, le=3650)
    # `limits` notation ("5/15 minutes"); an empty value turns a limit off.
    login_limit_account: str = "5/15 minutes"
    login_limit_ip: str = "20/15 minutes"
    # Sign-up attempts per client address, counted before anything is checked.
    register_rate_limit: str = "5/hour;20/day"
    # Comments per account (per address for guests); moderators are exempt.
    post_rate_limit: str = "5/minute;50/day"
    # The comment form must have been open this long before it is sent (bots are quick).
    form_min_seconds: float = Field(default=3.0, ge=0, le=3600)
    # Each worker's cache of public pages, in megabytes (Redis, when set, is shared).
    cache_mb: float = Field(default=32, ge=0, le=4096)

    @field_validator(
        "reset_limit",
        "login_limit_account",
        "login_limit_ip",
        "register_rate_limit",
        "post_rate_limit",
    )
    @classmethod
    def _limit_parses(cls, spec: str) -> str:
        # Refused at start, not as a 500 on every request the limit counts.
        if spec.strip():
            try:
                parse_many(spec)
            except ValueError:
                raise ValueError(
                    f"{spec!r} is not a rate limit in `limits` notation "
                    '(e.g. "5/minute;50/day"; empty turns it off)'
                ) from None
        return spec

    @model_validator(mode="after")
    def _fill_defaults(self) -> "Settings":
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'haven.db'}"
        if not self.secret_key:
            if self.env == "production":
                raise ValueError(
                    "HAVEN_SECRET_KEY must be set when HAVEN_ENV=production"
                )
            self.secret_key = _development_secret(self.data_dir)
        return self

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [host.strip() for host in value.split(",") if host.strip()]
        return value

    @property
    def trusted_hosts(self) -> list[str]:
        """The Host headers served: base_url's, the aliases, and outside
        production the loopback names `make run` is opened with (and the
        test client's)."""
        hosts = [urlsplit(self.base_url).hostname or "", *self.allowed_hosts]
        if self.env != "production":
            hosts += ["localhost", "127.0.0.1"]
        if self.env == "test":
            hosts.append("testserver")
        return [host for host in hosts if host]

    def absolute_url(self, path: str) -> str:
        """A site path as a full address, always under base_url (mail, API
        links): never built from the request, whose Host a client chooses."""
        return self.base_url.rstrip("/") + path

    @property
    def sends_mail_in_app(self) -> bool:
        if self.mail_in_app is not None:
            return self.mail_in_app
        return self.env == "development" and not self.smtp_url

    @property
    def hides_taken_emails(self) -> bool:
        if self.hide_taken_emails is not None:
            return self.hide_taken_emails
        return bool(self.smtp_url)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")


def _development_secret(data_dir: Path) -> str:
    """Outside production a secret is generated once and kept in the data dir."""
    path = data_dir / "secret_key"
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: when several workers start at once, exactly one writes the key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


@lru_cache
def build_fingerprint() -> str:
    """A hash of the code and templates that render pages: cached renderings
    shared through Redis are never served by a build that would render them
    differently."""
    digest = hashlib.blake2b(digest_size=8)
    for folder in (PACKAGE_DIR, TEMPLATES_DIR):
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".py", ".html"):
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


@lru_cache
def get_settings() -> Settings:
    return Settings()


def _app_settings(request: Request) -> Settings:
    """The running site's settings (create_app keeps them on the app)."""
    settings: Settings = request.app.state.settings
    return settings


# A route's settings: `settings: SettingsDep`, in place of reaching into the app.
SettingsDep = Annotated[Settings, Depends(_app_settings)]
