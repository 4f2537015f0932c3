"""The community guidelines, and what stands beside every comment form.

Admins write the guidelines in Markdown with the article profile (headings,
lists, links). They are site content: one ``site_setting`` row holds the
Markdown and the sanitized HTML rendered from it when saved. Like the policy,
they are kept in the process by the settings version that every change bumps,
so a page that shows them costs at most a primary-key read.

Beside every comment form stand the policy's "not medical advice" line and a
link to the guidelines. A member who has never commented sees the guidelines
themselves there instead, once: their first comment marks them seen
(app.comments.service.post_comment).
"""

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from threading import Lock

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session

from app import counters, paths
from app.accounts.models import User
from app.comments.models import Comment
from app.db import utcnow
from app.markup import Profile, render_markdown
from app.moderation import service as moderation_service
from app.moderation.models import ActionKind, SiteSetting
from app.moderation.policy import Policy, ensure_admin, store_settings
from app.moderation.schemas import GuidelinesUpdate

KEY = "guidelines"

DEFAULT_MARKDOWN = """\
Haven is a place for people living with MS, and for those close to them, to \
share what helps. These few guidelines keep it kind and safe for everyone.

## Be kind

Everyone here is dealing with something, and MS is different for each of us: \
one person's bad day is another's good one. Disagree with ideas, never with \
people, and assume the person you answer means well.

## Share your experience, not prescriptions

Tell us what has worked for you and what hasn't. Please don't tell anyone to \
start, stop or change a treatment, and don't promise cures: your MS team knows \
your history, and we don't. Comments that read like medical instructions may \
be held or removed.

## Protect your privacy, and other people's

Think twice before you post your full name, where you live, your phone number \
or health details you may not want to be public. Never share someone else's \
story, photo or details without their permission.

## No selling

No adverts, no affiliate links, and no promoting products, supplements, \
clinics or paid services, even ones that helped you. Fundraising belongs on \
the charity's own pages.

## If you are in crisis

If you or someone else is in danger now, call your local emergency number \
(999 or 112 in the UK, 911 in the US and Canada). If you are struggling and \
need to talk, Samaritans are there day and night on 116 123 (free, in the UK \
and Ireland), or find a free helpline in your country at \
[findahelpline.com](https://findahelpline.com). A comment is not the quickest \
way to get help: if you write here that you are in crisis, we show you where \
to find it at once, and a moderator reads your words first.

## How moderation works

Volunteer and staff moderators look after the discussions. Your first comment \
is read before it appears; after that most comments appear at once, though \
some (with many links, for example) wait for a moderator. Moderators hold, \
edit or remove comments that break these guidelines and tell you why; \
repeated or serious breaches can lead to a ban. If a comment worries you, use \
its “Report” button and a moderator will look at it.

Thank you for helping to make this a good place to be.
"""


@dataclass(frozen=True)
class Guidelines:
    markdown: str
    html: str
    # When an admin last saved them; None while they are Haven's defaults.
    updated_at: datetime | None
    # The HTML with its headings moved to sit under "Before your first comment".
    boxed_html: str


@dataclass(frozen=True)
class Guidance:
    """What stands beside a comment form: the "not medical advice" line, where
    the guidelines are, and before a member's first comment the guidelines
    themselves (otherwise None)."""

    disclaimer: str
    guidelines_url: str
    first_comment_html: str | None = None


# The box's heading is an h3 (a sibling of "Join the discussion", a child of
# "Your reply"): the guidelines' own h2 sections become h4 inside it.
_HEADING = re.compile(r"<(/?)h([2-6])>")


def _boxed(html: str) -> str:
    # markup.py leaves headings without attributes, so these are all of them.
    return _HEADING.sub(lambda m: f"<{m[1]}h{min(int(m[2]) + 2, 6)}>", html)


def _guidelines(markdown: str, html: str, updated_at: datetime | None) -> Guidelines:
    return Guidelines(markdown, html, updated_at, _boxed(html))


@cache
def default_guidelines() -> Guidelines:
    """Haven's own guidelines, shown until an admin saves theirs."""
    return _guidelines(DEFAULT_MARKDOWN, preview(DEFAULT_MARKDOWN), None)


def preview(markdown: str) -> str:
    """The sanitized HTML the guidelines would show, without saving anything."""
    return render_markdown(markdown, Profile.ARTICLE)


# The guidelines as last read by this process, with the settings version they had.
_process_cache: tuple[int, Guidelines] | None = None
_process_lock = Lock()


def load_guidelines(session: Session, *, version: int | None = None) -> Guidelines:
    """The guidelines in force: an admin's, or Haven's defaults.

    A request that already read the settings version (the discussion lookup
    does) passes it and costs no query while this process has that version;
    otherwise one primary-key read, and the row only when the version changed.
    """
    global _process_cache
    if version is None:
        version = counters.read(session, [counters.SETTINGS_VERSION])[
            counters.SETTINGS_VERSION
        ]
    known = _process_cache
    if known is not None and known[0] == version:
        return known[1]
    guidelines = _read_guidelines(session)
    with _process_lock:
        _process_cache = (version, guidelines)
    return guidelines


def _read_guidelines(session: Session) -> Guidelines:
    row = session.get(SiteSetting, KEY)
    if row is None or not isinstance(row.value, dict):
        return default_guidelines()
    return _guidelines(row.value["markdown"], row.value["html"], row.updated_at)


def update_guidelines(
    session: Session, data: GuidelinesUpdate, *, actor: User | None
) -> Guidelines:
    """Store an admin's guidelines with their sanitized HTML (audited); every
    worker shows them from its next page on. Saving the same text changes nothing."""
    admin = ensure_admin(actor)
    current = load_guidelines(session)
    if data.markdown == current.markdown:
        return current
    value = {"markdown": data.markdown, "html": preview(data.markdown)}
    store_settings(session, {KEY: value}, actor=admin)
    moderation_service.record(session, ActionKind.EDIT_GUIDELINES, actor=admin)
    session.flush()
    return load_guidelines(session)


def can_edit(actor: User | None) -> bool:
    """Whether ``actor`` may rewrite the guidelines (admins)."""
    return actor is not None and actor.administers


_HAS_COMMENTED = select(exists().where(Comment.author_id == bindparam("user_id")))


def has_seen(session: Session, user: User) -> bool:
    """Whether ``user`` is past their first comment: shown the guidelines and
    posted since, or a member who commented before there were guidelines to show."""
    if user.guidelines_seen_at is not None:
        return True
    return bool(session.scalar(_HAS_COMMENTED, {"user_id": user.id}))


def mark_seen(user: User | None) -> None:
    """A member posts: from now on only the short line stands beside their forms."""
    if user is not None and user.guidelines_seen_at is None:
        user.guidelines_seen_at = utcnow()


def beside_form(
    session: Session,
    policy: Policy,
    *,
    viewer: User | None,
    version: int | None = None,
) -> Guidance:
    """What stands beside the form ``viewer`` writes a new comment in: the
    guidelines themselves before a member's first comment (not while banned:
    there is no form then), otherwise the short line."""
    first = (
        viewer is not None and not viewer.is_banned() and not has_seen(session, viewer)
    )
    return Guidance(
        disclaimer=policy.medical_disclaimer,
        guidelines_url=paths.GUIDELINES,
        first_comment_html=load_guidelines(session, version=version).boxed_html
        if first
        else None,
    )


def beside_edit_form(policy: Policy) -> Guidance:
    """What stands beside the form that edits a comment: the short line only."""
    return Guidance(
        disclaimer=policy.medical_disclaimer, guidelines_url=paths.GUIDELINES
    )
