"""How a closed discussion explains itself, where readers look (issue #18, point 2).

The words stand beside the Discussion heading and again above where the form
was; the API carries the same facts. A long page also offers a way down to the
comment form from its top.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from app.moderation.policy import Policy, is_auto_closed

CLOSED = "Comments are closed."
# A page showing more top-level comments than this puts the form out of sight:
# it gets a "Write a comment" link near its top.
LONG_PAGE_ROOTS = 5
FORM_ANCHOR = "#comment-form"


class Closable(Protocol):
    @property
    def comments_closed_at(self) -> datetime | None: ...
    @property
    def close_reason(self) -> str | None: ...
    @property
    def published_at(self) -> datetime | None: ...
    @property
    def comments_reopened_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class Closure:
    """Why a discussion takes no comments: a moderator (with their reason, if
    they gave one), or the age limit (``after_days`` days after publication, or
    after a moderator last reopened it)."""

    reason: str | None = None
    automatic: bool = False
    after_days: int | None = None
    since_reopening: bool = False

    @property
    def text(self) -> str:
        if self.automatic:
            days = f"{self.after_days} day{'' if self.after_days == 1 else 's'}"
            since = "it was reopened" if self.since_reopening else "publication"
            return (
                f"{CLOSED} This discussion closed automatically {days} after {since}."
            )
        return f"{CLOSED} {self.reason}" if self.reason else CLOSED


@dataclass(frozen=True)
class ClosingFacts:
    """The facts of a discussion read as columns (app.comments.thread)."""

    comments_closed_at: datetime | None
    close_reason: str | None
    published_at: datetime | None
    comments_reopened_at: datetime | None


def closure_of(
    article: Closable, policy: Policy, now: datetime | None = None
) -> Closure | None:
    """Whether and why an article's discussion is closed (None: it is open). A
    moderator's closing comes first: it says more than the age limit."""
    if article.comments_closed_at is not None:
        return Closure(reason=article.close_reason)
    if not is_auto_closed(article, policy, now):
        return None
    reopened = article.comments_reopened_at
    return Closure(
        automatic=True,
        after_days=policy.auto_close_days,
        since_reopening=reopened is not None
        and (article.published_at is None or reopened > article.published_at),
    )


def write_link(closure: Closure | None, roots_on_page: int) -> str | None:
    """The "Write a comment" link at the top of a page: only while comments are
    taken, and only on a page long enough to hide the form."""
    if closure is not None or roots_on_page <= LONG_PAGE_ROOTS:
        return None
    return FORM_ANCHOR


def roots_on_page(root_count: int, page: int, per_page: int) -> int:
    """How many top-level comments page ``page`` of a discussion shows."""
    return max(0, min(per_page, root_count - (page - 1) * per_page))
