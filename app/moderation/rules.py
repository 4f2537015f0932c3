"""The policy's rules for a comment's words: trust, links and the word lists.

``screen()`` judges a body (new or edited) against the hold and spam lists and
the link limit; ``is_trusted()`` says whether an author's clean comments publish
without waiting; ``review_for()`` names the path an author's new comment takes.
Matching survives the usual disguises: letter case, accents,
compatibility forms NFKC folds (full-width letters, ligatures), every invisible
format character (zero-width, bidi controls, variation selectors, tag
characters, also written as HTML entities), look-alike letters from other
scripts (the Unicode confusables skeleton, UTS #39, through ICU) and phrases
split over several spaces or lines. The normalised text is for matching only:
the stored comment is never changed.
"""

import html
import re
import sys
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from threading import Lock

import icu
from sqlalchemy import Select, bindparam, exists, func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.comments.models import Comment, CommentStatus
from app.db import UTCDateTime, utcnow
from app.markup import count_links
from app.moderation import service as moderation_service
from app.moderation.models import ActionKind, ModerationAction
from app.moderation.policy import Policy

# A rejection or spam verdict this recent keeps an author's comments waiting.
TRUST_LOOKBACK = timedelta(days=30)

# Characters that split a word without showing: the whole format category
# (zero-width space and joiners, soft hyphen, bidi controls, tag characters)
# and the variation selectors, which are marks but show nothing by themselves.
_INVISIBLE = dict.fromkeys(
    [
        point
        for point in range(sys.maxunicode + 1)
        if unicodedata.category(chr(point)) == "Cf"
    ]
    + [*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0), *range(0xE0000, 0xE0080)]
)
# ICU's UTS #39 confusables data: one skeleton for letters that look alike.
_SPOOF = icu.SpoofChecker()
_SPOOF_LOCK = Lock()
# Inline tags join the text around them ("mir<em>acle</em>"); others separate it.
_INLINE_TAG = re.compile(
    r"</?(?:a|abbr|code|del|em|s|strong|sub|sup)\b[^>]*>", re.IGNORECASE
)
_ANY_TAG = re.compile(r"<[^>]*>")


def fold(text: str) -> str:
    """Text reduced to what a reader sees: one case, no accents, no invisible marks."""
    text = unicodedata.normalize("NFKC", text.translate(_INVISIBLE)).casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFKC", bare).translate(_INVISIBLE)


def skeleton(text: str) -> str:
    """The UTS #39 confusables skeleton of ``text``: Cyrillic a and Greek
    omicron read as Latin "a" and "o" (so, too, "m" as "rn")."""
    with _SPOOF_LOCK:  # an ICU service object is not shared between threads
        return str(_SPOOF.getSkeleton(0, text))


@lru_cache(maxsize=32)
def matchable(text: str) -> str:
    """A text as the word lists are matched against it: HTML entities decoded,
    folded (app.moderation.rules.fold) and reduced to its confusables skeleton.
    Cached: one comment is matched against several lists in a row."""
    return skeleton(fold(html.unescape(text)))


def _visible_text(body_html: str) -> str:
    return html.unescape(_ANY_TAG.sub(" ", _INLINE_TAG.sub("", body_html)))


@dataclass(frozen=True)
class _Matcher:
    """A word list ready to search: one regex, and each entry by its matched form."""

    pattern: re.Pattern[str] | None
    entries: dict[str, str]


@lru_cache(maxsize=64)
def _matcher(words: tuple[str, ...]) -> _Matcher:
    """A list's regex, built once per list (a policy version's lists are the
    same tuples): each entry on word boundaries, any whitespace between words."""
    alternatives = []
    entries: dict[str, str] = {}
    for word in words:
        parts = matchable(word).split()
        if parts:
            alternatives.append(r"\s+".join(re.escape(part) for part in parts))
            entries.setdefault(" ".join(parts), word)
    if not alternatives:
        return _Matcher(None, entries)
    # Longest first, so "miracle cure" is named rather than "miracle".
    alternatives.sort(key=len, reverse=True)
    pattern = re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})(?!\w)")
    return _Matcher(pattern, entries)


def find_words(words: tuple[str, ...], *texts: str) -> list[str]:
    """The entries of ``words`` found in any of ``texts``, as the list spells them."""
    matcher = _matcher(words)
    if matcher.pattern is None:
        return []
    found: dict[str, None] = {}
    for text in texts:
        for match in matcher.pattern.finditer(matchable(text)):
            key = " ".join(match.group().split())
            found.setdefault(matcher.entries.get(key, match.group()))
    return list(found)


@dataclass(frozen=True)
class Verdict:
    """What the rules say of a body: SPAM, PENDING (held for review) or None (no rule)."""

    status_hint: CommentStatus | None
    reasons: tuple[str, ...] = ()

    @property
    def reason(self) -> str | None:
        """The reasons as one line for Comment.held_reason."""
        return "; ".join(self.reasons) or None


def screen(body: str, body_html: str, policy: Policy) -> Verdict:
    """Judge a comment body (Markdown and its rendered HTML) against the policy.

    The Markdown and the text the reader sees are both searched, so markup can't
    split a listed word. A spam-list word makes it spam; a hold-list word or more
    links than the limit hold it for review, however trusted its author.
    """
    texts = (body, _visible_text(body_html))
    spam = find_words(policy.spam_words, *texts)
    held = find_words(policy.hold_words, *texts)
    links = count_links(body_html)
    reasons = [f'Contains "{word}" (spam list)' for word in spam]
    reasons += [f'Contains "{word}" (hold list)' for word in held]
    if links > policy.max_links:
        reasons.append(f"{links} links (limit {policy.max_links})")
    if spam:
        return Verdict(CommentStatus.SPAM, tuple(reasons))
    if reasons:
        return Verdict(CommentStatus.PENDING, tuple(reasons))
    return Verdict(None)


def is_trusted(
    session: Session, author: User | None, policy: Policy, now: datetime | None = None
) -> bool:
    """Whether an author's comments publish without waiting (one query for members).

    Moderators and admins always; guests never; a member once they have
    ``policy.trust_threshold`` approved comments and no comment rejected or
    marked as spam in the last 30 days.
    """
    if author is None:
        return False
    if author.is_moderator:
        return True
    approved, recently_refused = session.execute(
        _TRUST,
        {
            "author_id": author.id,
            "threshold": policy.trust_threshold,
            "since": (now or utcnow()) - TRUST_LOOKBACK,
        },
    ).one()
    return (approved or 0) >= policy.trust_threshold and not recently_refused


def _trust_statement() -> Select[int, bool]:
    """Approved comments counted up to the threshold only, and a recent refusal
    found or not: the same cost after ten comments as after ten thousand.
    Built once, run with bound parameters.

    A refusal is read from the audit log (ix_moderation_action_subject), not
    from the comments: a refused comment its author deletes, or that is
    decided again later, still counts for the whole window.
    """
    mine = Comment.author_id == bindparam("author_id")
    enough = (
        select(Comment.id)
        .where(mine, Comment.status == CommentStatus.APPROVED)
        .limit(bindparam("threshold"))
        .subquery()
    )
    refused = exists().where(
        ModerationAction.subject_user_id == bindparam("author_id"),
        ModerationAction.action.in_((ActionKind.REJECT, ActionKind.SPAM)),
        ModerationAction.created_at >= bindparam("since", type_=UTCDateTime),
    )
    return select(select(func.count()).select_from(enough).scalar_subquery(), refused)


_TRUST = _trust_statement()


class Review(StrEnum):
    """What an author's new comment goes through before it is published."""

    NONE = "none"  # a moderator's: published at once, the rules unasked
    RULES = "rules"  # a trusted member's: published unless the rules hold it
    MODERATOR = "moderator"  # anyone else's: waits for a moderator


def review_for(
    session: Session, author: User | None, policy: Policy, now: datetime | None = None
) -> Review:
    """The path a new comment by ``author`` takes (one query for members)."""
    if author is not None and author.is_moderator:
        return Review.NONE
    if is_trusted(session, author, policy, now):
        return Review.RULES
    return Review.MODERATOR


def initial_status(
    session: Session,
    author: User | None,
    body: str,
    body_html: str,
    policy: Policy,
    now: datetime | None = None,
) -> tuple[CommentStatus, Verdict]:
    """The status a new comment starts with, and the rules' verdict behind it.

    A moderator's comment publishes at once. Anyone else's is judged by the
    rules first (spam, or held with a reason), then by the author's trust.
    """
    review = review_for(session, author, policy, now)
    if review is Review.NONE:
        return CommentStatus.APPROVED, Verdict(None)
    verdict = screen(body, body_html, policy)
    if verdict.status_hint is not None:
        return verdict.status_hint, verdict
    published = review is Review.RULES
    return (CommentStatus.APPROVED if published else CommentStatus.PENDING), verdict


def apply_verdict(session: Session, comment: Comment, verdict: Verdict) -> None:
    """Keep why the rules held a comment; a spam verdict is the system's decision, audited."""
    comment.held_reason = verdict.reason
    if verdict.status_hint is CommentStatus.SPAM:
        comment.decided_at = utcnow()
        comment.decided_by_id = None
        moderation_service.record(
            session, ActionKind.SPAM, actor=None, comment=comment, reason=verdict.reason
        )
    session.flush()
