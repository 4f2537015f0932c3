"""The addresses pages link to for each item they list, one definition each.

Routes are declared with these patterns, and services fill them in with
``fill()`` when they build what a page lists. A discussion page of 500 comments
then costs string formatting, not a ``url_for`` per link per comment, and the
route and the link can't drift apart. Pages still use ``url_for`` for the
handful of links that are not per item.
"""

import re
from urllib.parse import quote, unquote, urlsplit

API_PREFIX = "/api/v1"

ARTICLE = "/articles/{slug}"
TAG = "/tags/{slug}"
COMMENT = "/comments/{comment_id}"
COMMENT_REPLY = "/articles/{slug}/comments/{comment_id}/reply"
COMMENT_REPLIES = "/comments/{comment_id}/replies"
COMMENT_EDIT = "/comments/{comment_id}/edit"
COMMENT_REVISIONS = "/comments/{comment_id}/revisions"
COMMENT_DELETE = "/comments/{comment_id}/delete"
COMMENT_FLAG = "/comments/{comment_id}/flag"
COMMENT_LOCK = "/comments/{comment_id}/lock"
COMMENT_UNLOCK = "/comments/{comment_id}/unlock"
MODERATION_DECIDE = "/moderation/comments/{comment_id}/{decision}"
MODERATION_DISMISS = "/moderation/flags/{comment_id}/dismiss"
MODERATION_HANDLED = "/moderation/urgent/{comment_id}/handled"
# Declared before MODERATION_DECIDE, whose {decision} would match them too.
MODERATION_EDITOR_NOTE = "/moderation/comments/{comment_id}/note"
MODERATION_EDITOR_NOTE_DELETE = "/moderation/comments/{comment_id}/note/delete"
MODERATION_CONTENT_NOTE = "/moderation/comments/{comment_id}/content-note"
MODERATION_PIN = "/moderation/comments/{comment_id}/pin"
MODERATION_UNPIN = "/moderation/comments/{comment_id}/unpin"
MODERATION_FEATURE = "/moderation/comments/{comment_id}/feature"
MODERATION_UNFEATURE = "/moderation/comments/{comment_id}/unfeature"
DRAFTS = "/me/drafts"
DRAFT = "/me/drafts/{slug}"
DRAFT_DISCARD = "/me/drafts/{slug}/discard"
PROFILE = "/users/{username}"
MEMBER_RECORD = "/users/{username}/moderation"
GUIDELINES = "/guidelines"
LOGIN = "/login"
# Atom feeds (app.articles.feeds).
FEED_ARTICLES = "/feeds/articles.atom"
FEED_TAG = "/feeds/tags/{slug}.atom"
FEED_COMMENTS = "/feeds/articles/{slug}/comments.atom"
MODERATION_VISIBILITY = "/moderation/comments/{comment_id}/visibility"
API_COMMENT_REPLIES = API_PREFIX + COMMENT_REPLIES


# Text that needs no percent-encoding in a path segment (slugs, usernames, words).
_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*")


def fill(pattern: str, **values: str | int) -> str:
    """``pattern`` with its placeholders filled in, text percent-encoded."""
    return pattern.format_map(
        {
            name: value
            if isinstance(value, int) or _PLAIN.fullmatch(value)
            else quote(value, safe="")
            for name, value in values.items()
        }
    )


def sign_in_to(target: str) -> str:
    """The sign-in page, sending the visitor back to ``target`` (a site path)."""
    return with_next(LOGIN, target)


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site is followed after a form, never another host.

    Browsers forgive much in an address: they read a backslash as a slash,
    drop tabs and line breaks, and some decode %2F or %5C, so "/\\evil.com",
    "/\t/evil.com" or "/%2F%2Fevil.com" could all leave the site. Any of
    those, in the text or once decoded, falls back to ``default``.
    """
    if not target or len(target) > MAX_NEXT:
        return default
    decoded = target
    for _ in range(3):  # encoded once, twice, thrice
        decoded = unquote(decoded)
    for text in (target, decoded):
        parts = urlsplit(text)
        if (
            parts.scheme
            or parts.netloc
            or not text.startswith("/")
            or text.startswith("//")
            or "\\" in text
            or any(ord(char) < 0x20 or ord(char) == 0x7F for char in text)
        ):
            return default
    return target


# A "next" address longer than this is nobody's page.
MAX_NEXT = 2000


def with_next(path: str, target: str | None) -> str:
    """``path`` with ``?next=`` the page to come back to, when there is a safe one."""
    back = safe_next(target, "")
    return f"{path}?next={quote(back, safe='/')}" if back else path
