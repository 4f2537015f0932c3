"""The one pipeline that turns user Markdown into safe HTML.

Markdown (CommonMark, raw HTML off) -> HTML -> bleach allow-list -> linkify.
Articles, comments and bios all pass through here; templates mark only the
resulting ``*_html`` fields as safe. This is the one module that imports bleach
(tests/test_markup.py checks it): a successor such as nh3 replaces it here.
"""

import re
from collections.abc import MutableMapping
from enum import StrEnum
from functools import cache, partial

import bleach
from bleach.linkifier import LinkifyFilter
from markdown_it import MarkdownIt
from markupsafe import Markup

LINK_REL = "nofollow ugc noopener"
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
_LANGUAGE_CLASS = re.compile(r"language-[A-Za-z0-9_+-]{1,30}")

_INLINE_TAGS = frozenset(
    {"a", "abbr", "br", "code", "del", "em", "s", "strong", "sub", "sup"}
)
_BLOCK_TAGS = frozenset(
    {
        "blockquote",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "ul",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }
)
_HEADING_TAGS = frozenset({"h2", "h3", "h4", "h5", "h6"})


class Profile(StrEnum):
    """Where text is shown: articles may use headings and images, people may not."""

    ARTICLE = "article"
    COMMENT = "comment"
    BIO = "bio"


def _code_class(tag: str, name: str, value: str) -> bool:  # noqa: ARG001 (bleach API)
    return name == "class" and _LANGUAGE_CLASS.fullmatch(value) is not None


def _allowed_attributes(profile: Profile) -> dict[str, object]:
    attributes: dict[str, object] = {
        "a": ["href", "title", "rel"],
        "abbr": ["title"],
        "code": _code_class,
        "ol": ["start"],
        "th": ["align"],
        "td": ["align"],
    }
    if profile is Profile.ARTICLE:
        attributes["img"] = ["src", "alt", "title"]
    return attributes


def allowed_tags(profile: Profile) -> frozenset[str]:
    """The elements text shown as ``profile`` may keep."""
    tags = _INLINE_TAGS | _BLOCK_TAGS
    if profile is Profile.ARTICLE:
        tags |= _HEADING_TAGS | {"img"}
    return tags


@cache
def _parser(profile: Profile) -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "typographer": False})
    parser.enable(["strikethrough", "table"])
    if profile is not Profile.ARTICLE:
        # People's text stays in the conversation's voice: "# hi" is just text.
        parser.disable(["heading", "lheading", "image"])
    return parser


def _set_rel(
    attrs: MutableMapping[tuple[str | None, str], str],
    new: bool = False,  # noqa: ARG001 (bleach's linkify callback signature)
) -> MutableMapping[tuple[str | None, str], str]:
    attrs[(None, "rel")] = LINK_REL
    return attrs


@cache
def _cleaner(profile: Profile) -> bleach.Cleaner:
    """Sanitizes and links bare addresses in one pass over the HTML (built once)."""
    return bleach.Cleaner(
        tags=allowed_tags(profile),
        attributes=_allowed_attributes(profile),  # type: ignore[arg-type]
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[
            partial(
                LinkifyFilter,
                callbacks=[_set_rel],
                skip_tags={"pre", "code"},
                parse_email=False,
            )
        ],
    )


def render_markdown(text: str, profile: Profile = Profile.COMMENT) -> str:
    """Sanitized HTML for ``text``; safe to mark as such in a template."""
    text = text.replace("\x00", "\ufffd")
    html = _parser(profile).render(text)
    if profile is Profile.ARTICLE:
        # The page title is the one h1; an article's own top headings start at h2.
        html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return clean_html(html, profile)


def clean_html(html: str, profile: Profile = Profile.COMMENT) -> str:
    """``html`` with every tag, attribute and link scheme outside ``profile``'s
    allow-list taken out, and bare addresses made links."""
    return _cleaner(profile).clean(html).strip()


def count_links(html: str) -> int:
    """How many links a rendered body holds (moderation holds link-heavy text)."""
    return html.count("<a ")


def excerpt(text: str, length: int = 160) -> str:
    """A plain-text excerpt of Markdown for previews (escaped later by templates)."""
    return shorten(re.sub(r"[`*_>#\[\]()!~|-]+", " ", text), length)


def html_excerpt(body_html: str, length: int = 200) -> str:
    """A plain-text excerpt of sanitized HTML (a comment's ``body_html``).

    The result is unescaped text: templates and JSON escape it like any other.
    """
    # Markup only to strip the (already sanitized) tags: the result is a plain str.
    return shorten(Markup(body_html).striptags(), length)  # noqa: S704


def shorten(text: str, length: int = 160) -> str:
    """``text`` on one line, cut at a word to fit ``length`` characters with its
    ellipsis: the one cut every excerpt on the site makes."""
    plain = " ".join(text.split())
    if len(plain) <= length:
        return plain
    cut = plain[: length - 1]
    space = cut.rfind(" ")
    if space > length // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-") + "\u2026"
