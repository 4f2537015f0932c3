"""The moderation policy: settings admins change in the site, stored in the database.

Each setting is one ``site_setting`` row (key -> JSON value); a key without a row
takes its default here. Reading the whole policy is one query; changing it is
audited like any other moderation action.
"""

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime, timedelta
from threading import Lock
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import counters
from app.accounts.models import User
from app.db import utcnow
from app.errors import Invalid, PermissionDenied
from app.moderation.crisis_defaults import DEFAULT_PHRASES, DEFAULT_RESOURCES
from app.moderation.models import ActionKind, ModerationAction, SiteSetting
from app.moderation.schemas import MAX_LABEL_LENGTH, MAX_WORD_LENGTH, PolicyUpdate

DEFAULT_DISCLAIMER = (
    "People here share their own experience, not medical advice. "
    "Talk to your MS team before you change a treatment."
)


@dataclass(frozen=True)
class Policy:
    # A member with this many approved comments (and nothing rejected or spam in
    # the last 30 days) is published without waiting; 0 trusts every member.
    trust_threshold: int = 1
    # More links than this hold a comment for review, trusted or not.
    max_links: int = 2
    # Words or phrases that hold a comment for review, or mark it as spam.
    hold_words: tuple[str, ...] = ()
    spam_words: tuple[str, ...] = ()
    # This many open flags hide a comment until a moderator looks at it.
    flag_threshold: int = 3
    # Authors may edit their own comment for this long after posting.
    edit_window_hours: int = 24
    # Discussions close this many days after publication; 0 never closes them.
    auto_close_days: int = 0
    # Crisis support (app.moderation.crisis): the phrases that mark a comment
    # urgent, and the helplines shown to its author ("name | contact | country").
    crisis_words: tuple[str, ...] = DEFAULT_PHRASES
    crisis_resources: tuple[str, ...] = DEFAULT_RESOURCES
    # The content notes an author may put on a comment, which readers see it
    # collapsed behind until they open it.
    content_notes: tuple[str, ...] = (
        "disease progression",
        "end of life",
        "self-harm",
        "graphic symptoms",
    )
    # The badges admins may give members, shown beside their name.
    badges: tuple[str, ...] = ("MS nurse", "neurologist", "physio", "carer")
    # The line beside every comment form (app.moderation.guidelines).
    medical_disclaimer: str = DEFAULT_DISCLAIMER
    # Whether guests (where the site takes them) may post through the JSON
    # API, which has no honeypot or timing token; otherwise only by the form.
    allow_api_guests: bool = False
    # Every new article's discussion starts members only (issue #19): its
    # comments show their text to signed-in members alone.
    members_only_by_default: bool = False


_KEYS = {field.name for field in fields(Policy)}
# The settings that are lists of lines (stored as JSON lists).
WORD_LISTS = (
    "hold_words",
    "spam_words",
    "crisis_words",
    "crisis_resources",
    "content_notes",
    "badges",
)
# How long an entry of each list may be (a word list's entries: MAX_WORD_LENGTH).
_LONGEST = {
    "crisis_resources": 300,
    "content_notes": MAX_LABEL_LENGTH,
    "badges": MAX_LABEL_LENGTH,
}


def ensure_admin(actor: User | None) -> User:
    """The acting admin; anyone else may not change the site's settings."""
    if actor is None or not actor.administers:
        raise PermissionDenied("Only administrators change the site's settings.")
    return actor


_SESSION_CACHE = "haven_policy"
# The policy as last read by this process, with the settings version it had.
_process_cache: tuple[int, Policy] | None = None
_process_lock = Lock()


def load_policy(session: Session, *, version: int | None = None) -> Policy:
    """The policy in force: stored values over defaults.

    Cached for the transaction, and in the process by the settings version
    (bumped by every change): a request that already read the version (the
    discussion lookup does) passes it and costs no query here; otherwise one
    primary-key read, and the settings rows only when they changed.
    """
    global _process_cache
    transaction = session.get_transaction()
    cached = session.info.get(_SESSION_CACHE)
    if cached is not None and transaction is not None and cached[0] is transaction:
        return cached[1]  # type: ignore[no-any-return]
    if version is None:
        version = counters.read(session, [counters.SETTINGS_VERSION])[
            counters.SETTINGS_VERSION
        ]
    known = _process_cache
    if known is not None and known[0] == version:
        policy = known[1]
    else:
        policy = _read_policy(session)
        with _process_lock:
            _process_cache = (version, policy)
    session.info[_SESSION_CACHE] = (session.get_transaction(), policy)
    return policy


def cached_policy(version: int) -> Policy | None:
    """The policy of settings ``version`` if this process has it, without a query."""
    known = _process_cache
    return known[1] if known is not None and known[0] == version else None


def forget_policy() -> None:
    """Drop this process's copy of the policy (the next read loads it again)."""
    global _process_cache
    with _process_lock:
        _process_cache = None


def _read_policy(session: Session) -> Policy:
    stored: dict[str, Any] = {
        row.key: row.value
        for row in session.scalars(
            select(SiteSetting).where(SiteSetting.key.in_(_KEYS))
        )
    }
    for key in WORD_LISTS:
        if key in stored:
            stored[key] = tuple(stored[key])
    return replace(Policy(), **stored)


def get_policy(session: Session, *, actor: User | None) -> Policy:
    """The policy in force, as the settings page shows it (admins only)."""
    ensure_admin(actor)
    return load_policy(session)


def update_policy(
    session: Session, changes: PolicyUpdate, *, actor: User | None
) -> Policy:
    """Store an admin's changes (audited, with what changed) and return the new policy."""
    actor = ensure_admin(actor)
    current = asdict(load_policy(session))
    wanted = changes.model_dump(exclude_none=True)
    for key in WORD_LISTS:
        if key in wanted:
            wanted[key] = _clean_words(wanted[key], _LONGEST.get(key, MAX_WORD_LENGTH))
    changed = {
        key: value for key, value in wanted.items() if _as_stored(current[key]) != value
    }
    if changed:
        store_settings(session, changed, actor=actor)
        session.add(
            ModerationAction(
                actor_id=actor.id,
                action=ActionKind.UPDATE_SETTINGS,
                reason="Changed: " + ", ".join(sorted(changed)),
            )
        )
    session.info.pop(_SESSION_CACHE, None)
    session.flush()
    return load_policy(session)


def store_settings(
    session: Session, values: Mapping[str, object], *, actor: User | None
) -> None:
    """Write settings rows and bump the settings version, so that every worker
    reads what it keeps of them (the policy, the guidelines) again. Only an
    administrator's change is written, whoever calls this."""
    admin = ensure_admin(actor)
    for key, value in values.items():
        row = session.get(SiteSetting, key)
        if row is None:
            session.add(SiteSetting(key=key, value=value, updated_by_id=admin.id))
        else:
            row.value = value
            row.updated_by_id = admin.id
            row.updated_at = utcnow()
    # A fresh random version, not version + 1: a change rolled back after a
    # worker cached its version can never be mistaken for a later one.
    counters.store(session, {counters.SETTINGS_VERSION: secrets.randbits(62)})


def _as_stored(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


def _clean_words(words: list[str], longest: int) -> list[str]:
    """One entry per word or phrase: trimmed, blank lines dropped, duplicates once."""
    seen: dict[str, str] = {}
    for word in words:
        text = " ".join(word.split())
        if text and text.casefold() not in seen:
            seen[text.casefold()] = text[:longest]
    return list(seen.values())


def pick(
    value: str | None, listed: Sequence[str], *, field: str, what: str
) -> str | None:
    """``value`` as a list of the policy holds it (the content notes, the
    badges), matched whatever its case and spacing; None for none.

    Raises Invalid (on ``field``) for a value the list doesn't hold: an admin
    may have changed the list since the form was shown.
    """
    wanted = " ".join((value or "").split()).casefold()
    if not wanted:
        return None
    for entry in listed:
        if entry.casefold() == wanted:
            return entry
    raise Invalid(f"Please choose a {what} from the list, or none.", field=field)


class Opened(Protocol):
    """When a discussion opened: an Article, or the columns read of one."""

    @property
    def published_at(self) -> datetime | None: ...
    @property
    def comments_reopened_at(self) -> datetime | None: ...


def auto_close_at(article: Opened, policy: Policy) -> datetime | None:
    """When the policy closes an article's discussion by itself (None: never).

    ``auto_close_days`` after publication, or after a moderator last reopened
    it, whichever is later: reopening restarts the clock. 0 days never closes.
    """
    if policy.auto_close_days <= 0 or article.published_at is None:
        return None
    opened = article.published_at
    if article.comments_reopened_at is not None:
        opened = max(opened, article.comments_reopened_at)
    return opened + timedelta(days=policy.auto_close_days)


def is_auto_closed(
    article: Opened, policy: Policy, now: datetime | None = None
) -> bool:
    """Whether the policy's age limit has closed an article's discussion."""
    closes = auto_close_at(article, policy)
    return closes is not None and (now or utcnow()) >= closes
