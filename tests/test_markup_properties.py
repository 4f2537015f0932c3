"""Properties of the sanitizer over generated input (#16), 10,000 examples in all.

The input mixes random text with HTML and Markdown fragments an attacker would
try: disallowed tags, event attributes, and javascript:/data:/vbscript: links
hidden by case, whitespace, control characters and entities. Each property runs
over ``render_markdown`` (what people's text goes through) and over the cleaner
alone (``clean_html``), which Markdown never hands raw tags but a successor of
bleach must pass just the same.

Outputs are read with html5lib, which builds the tree as browsers do, and with
the standard library's tokenizer, which builds none: when both see the same
tags, attributes and text, a browser can't read the output as anything else.
"""

import re
import tempfile
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import html5lib
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from app.markup import Profile, allowed_tags, clean_html, render_markdown

# Deterministic and bounded: the same examples on every run, and Hypothesis's
# caches kept out of the repository.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "haven-hypothesis")
PROPERTY = settings(
    max_examples=2500,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

ALLOWED_TAGS = {profile: allowed_tags(profile) for profile in Profile}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "rel"},
    "abbr": {"title"},
    "code": {"class"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
    "img": {"src", "alt", "title"},
}
URL_ATTRIBUTES = {"href", "src"}
SAFE_SCHEMES = {"http", "https", "mailto"}

# Elements that can run script or change what a page does: written out here,
# not read from app/markup.py, so that widening the allow-list to one fails.
DISALLOWED_TAGS = [
    "script",
    "style",
    "iframe",
    "svg",
    "math",
    "object",
    "embed",
    "form",
    "input",
    "button",
    "textarea",
    "title",
    "noscript",
    "xmp",
    "template",
    "plaintext",
    "noembed",
    "details",
    "video",
    "base",
    "meta",
    "link",
    "body",
    "frameset",
    "select",
    "option",
    "marquee",
]
TAGS = [*sorted(ALLOWED_TAGS[Profile.ARTICLE]), *DISALLOWED_TAGS, "ScRiPt", "IMG"]
EVENTS = ["onerror", "onload", "onclick", "onmouseover", "onfocus", "ONERROR"]
EVENTS += ["onanimationstart", "onpointerenter", "ontoggle", "onbegin", "OnLoad"]
ATTRIBUTES = [
    *EVENTS,
    "href",
    "src",
    "style",
    "srcdoc",
    "formaction",
    "action",
    "xlink:href",
    "data",
    "background",
    "title",
    "alt",
    "class",
    "rel",
    "autofocus",
]


# Generating examples, not checking them, is what costs time here, so the
# fragments are combined ahead of time and each is a draw or two.
_SCHEMES = [
    f"{lead}{name[:at]}{trick}{name[at:]}{colon}{body}"
    for name in (
        "javascript",
        "JavaScript",
        "jAvAsCrIpT",
        "vbscript",
        "VBScript",
        "data",
        "DaTa",
        "&#106;avascript",
        "&#x6A;avascript",
    )
    for at in (0, 3, len(name))
    for trick in ("", " ", "\t", "\n", "\x00", "\x01", "&#09;", "&Tab;", "&#x0A;")
    for colon in (":", "&colon;", "&#58;", "&#x3a;", "&#0000058", "%3A")
    for lead in ("", " ", "\x01", "&#32;")
    for body in ("alert(1)", "mark()", "text/html,<script>mark()</script>")
]
_VALUES = [
    *_SCHEMES,
    *["mark()", "x", "https://example.org/", "#", "", "expression(mark())", '"><b'],
]
_NAMES = [
    f"{separator}{name}={quote}"
    for separator in (" ", "/", "\t", "\n")
    for name in ATTRIBUTES
    for quote in ('"', "'", "")
]
values = st.sampled_from(_VALUES)


def _attribute(parts: tuple[str, str]) -> str:
    start, value = parts
    return f"{start}{value}{start[-1] if start.endswith(_QUOTES) else ''}"


_QUOTES = ('"', "'")
attributes = st.tuples(st.sampled_from(_NAMES), values).map(_attribute)
words = st.text(alphabet="ab <>&\"'`=/\n\t:;#![]()*_\x00é", max_size=8)
tags = st.tuples(
    st.sampled_from(TAGS),
    st.lists(attributes, max_size=2),
    st.sampled_from([">", "/>", " >", "", ">x</{}>", "><p>y</p></{}>"]),
).map(lambda parts: f"<{parts[0]}{''.join(parts[1])}{parts[2].format(parts[0])}")
_MARKDOWN = [
    "[{text}]({target})",
    "![{text}]({target})",
    "<{target}>",
    '[{text}]({target} "{text}")',
    "[{text}][r]\n\n[r]: {target}\n",
    "`{text}`",
    "```{text}\n{target}\n```\n",
    "*{text}*",
    "**{text}**",
    "> {text}\n",
    "- {text}\n",
    "| {text} | {target} |\n| --- | --- |\n| a | b |\n",
    "# {text}\n",
    "{target}",
]
markdown = st.tuples(st.sampled_from(_MARKDOWN), words, values).map(
    lambda parts: parts[0].format(text=parts[1], target=parts[2])
)
fragments = st.one_of(
    words,
    st.text(max_size=6),
    st.sampled_from(["<!--", "-->", "<![CDATA[", "]]>", "&lt;", "&#60;", "\\"]),
    tags,
    markdown,
)
documents = st.lists(fragments, max_size=6).map("".join)
profiles = st.sampled_from(list(Profile))

Token = tuple[str, ...]


class _Tokens(HTMLParser):
    """What a tokenizer that repairs nothing reads."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[Token] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tokens.append(("start", tag, *_attributes(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self.tokens.append(("end", tag))

    def handle_data(self, data: str) -> None:
        _add_text(self.tokens, data)

    def handle_comment(self, data: str) -> None:
        self.tokens.append(("comment", data))

    def handle_decl(self, decl: str) -> None:
        self.tokens.append(("declaration", decl))

    def unknown_decl(self, data: str) -> None:
        self.tokens.append(("declaration", data))

    def handle_pi(self, data: str) -> None:
        self.tokens.append(("pi", data))


# Control characters and noncharacters: a browser keeps them in text and
# attributes, the standard library's parser drops them when they come as
# references (&#1;). Neither can change what the tree is made of.
_INERT = re.compile("[\x01-\x08\x0b\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")


def _attributes(attrs: list[tuple[str, str | None]]) -> list[str]:
    return sorted(f"{name}={_INERT.sub('', value or '')}" for name, value in attrs)


def _add_text(tokens: list[Token], data: str) -> None:
    data = _INERT.sub("", data)
    if tokens and tokens[-1][0] == "text":
        tokens[-1] = ("text", tokens[-1][1] + data)
    else:
        tokens.append(("text", data))


def literal_tokens(html: str) -> list[Token]:
    parser = _Tokens()
    parser.feed(html)
    parser.close()
    return parser.tokens


def browser_tokens(html: str) -> list[Token]:
    """The tree a browser builds from ``html`` (as the fragment of a <div>)."""
    tree = html5lib.parseFragment(
        html, treebuilder="etree", namespaceHTMLElements=False
    )
    tokens: list[Token] = []
    for token in html5lib.getTreeWalker("etree")(tree):
        kind = token["type"]
        if kind in ("StartTag", "EmptyTag"):
            attrs = [(name[1], value) for name, value in token["data"].items()]
            tokens.append(("start", token["name"], *_attributes(attrs)))
        elif kind == "EndTag":
            tokens.append(("end", token["name"]))
        elif kind in ("Characters", "SpaceCharacters"):
            _add_text(tokens, token["data"])
        else:
            tokens.append((kind, str(token.get("data", ""))))
    return tokens


def reserialized(html: str) -> str:
    """``html`` as a browser's ``innerHTML`` would give it back."""
    tree = html5lib.parseFragment(
        html, treebuilder="etree", namespaceHTMLElements=False
    )
    return html5lib.serialize(tree, tree="etree", omit_optional_tags=False)


_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


def scheme_of(url: str) -> str | None:
    """The scheme a browser's URL parser takes from an (entity-decoded)
    attribute value; None for a relative address."""
    url = url.strip("".join(map(chr, range(33))))
    url = "".join(char for char in url if char not in "\t\n\r")
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else None


def dangers(html: str, profile: Profile) -> list[str]:
    """Everything in the tree a browser builds that could run script."""
    found = []
    for token in browser_tokens(html):
        if token[0] != "start":
            if token[0] not in ("end", "text"):
                found.append(f"{token[0]} node")
            continue
        tag = token[1]
        if tag not in ALLOWED_TAGS[profile] or tag in DISALLOWED_TAGS:
            found.append(f"element <{tag}>")
        for attribute in token[2:]:
            name, _, value = attribute.partition("=")
            if name.startswith("on"):
                found.append(f"event attribute {name}")
            elif name not in ALLOWED_ATTRIBUTES.get(tag, set()):
                found.append(f"attribute {name} on <{tag}>")
            elif name in URL_ATTRIBUTES and scheme_of(value) not in (
                None,
                *SAFE_SCHEMES,
            ):
                found.append(f"scheme in {name}={value!r}")
    return found


PIPELINES: dict[str, Callable[[str, Profile], str]] = {
    "render": render_markdown,
    "clean": clean_html,
}


@PROPERTY
@given(text=documents, profile=profiles)
@example(text='<a href="&#106;avascript:mark()">x</a>', profile=Profile.ARTICLE)
@example(text="[x](java\tscript:mark())", profile=Profile.COMMENT)
@example(text="[](\x00vbscript:alert(1))", profile=Profile.ARTICLE)
def test_rendered_markdown_holds_nothing_that_runs(text: str, profile: Profile) -> None:
    assert dangers(render_markdown(text, profile), profile) == []


@PROPERTY
@given(text=documents, profile=profiles)
@example(
    text='<img src=x onerror="mark()"><svg onload=mark()>', profile=Profile.ARTICLE
)
@example(
    text='<a href=" &#x01;JaVa&Tab;script&colon;mark()">x</a>', profile=Profile.BIO
)
def test_cleaned_html_holds_nothing_that_runs(text: str, profile: Profile) -> None:
    assert dangers(clean_html(text, profile), profile) == []


@PROPERTY
@given(text=documents, profile=profiles, pipeline=st.sampled_from(list(PIPELINES)))
def test_output_is_stable_under_a_second_clean(
    text: str, profile: Profile, pipeline: str
) -> None:
    once = PIPELINES[pipeline](text, profile)
    assert clean_html(once, profile) == once


@PROPERTY
@given(text=documents, profile=profiles, pipeline=st.sampled_from(list(PIPELINES)))
@example(text="[](&#1;data:alert(1))", profile=Profile.ARTICLE, pipeline="clean")
def test_output_reparses_to_itself(text: str, profile: Profile, pipeline: str) -> None:
    html = PIPELINES[pipeline](text, profile)
    tokens = browser_tokens(html)
    assert literal_tokens(html) == tokens
    assert browser_tokens(reserialized(html)) == tokens


@pytest.mark.parametrize(
    "html",
    [
        '<a href="java&#x09;script:mark()">x</a>',
        '<a href=" JAVASCRIPT:mark()">x</a>',
        '<img src="data:text/html,x">',
        '<p onclick="mark()">x</p>',
        "<p title=x>y</p>",
        "<svg><p>x</p></svg>",
        "<!-- x -->",
    ],
)
def test_the_danger_check_can_fail(html: str) -> None:
    assert dangers(html, Profile.ARTICLE)


@pytest.mark.parametrize(
    "html", ["<p><div>x</div></p>", "<a>1<a>2</a></a>", "<table><p>x</p></table>"]
)
def test_the_reparse_check_can_fail(html: str) -> None:
    assert literal_tokens(html) != browser_tokens(html)
