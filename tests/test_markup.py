"""The one markup pipeline: Markdown in, sanitized HTML out, for every profile."""

import ast
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from app.markup import LINK_REL, Profile, count_links, excerpt, render_markdown

# A copy of ../shared/corpus (attribution and licences in its README.md).
CORPUS = Path(__file__).resolve().parent / "data" / "xss" / "xss.txt"
FORBIDDEN_TAGS = {
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "base",
    "meta",
    "link",
    "form",
    "input",
    "button",
    "svg",
    "math",
    "frame",
    "frameset",
    "xml",
    "applet",
    "template",
}
FORBIDDEN_ATTRS = {
    "style",
    "srcdoc",
    "formaction",
    "xmlns",
    "background",
    "dynsrc",
    "lowsrc",
}
URL_ATTRS = {"href", "src", "action", "cite", "poster", "data"}
SAFE_SCHEMES = ("http:", "https:", "mailto:")


def load_corpus() -> list[str]:
    """Load the XSS corpus as its README prescribes: split on LF only, decode json: lines."""
    if not CORPUS.exists():
        pytest.fail(f"XSS corpus missing at {CORPUS}", pytrace=False)
    with CORPUS.open(encoding="utf-8", newline="") as handle:
        text = handle.read()
    payloads = []
    for piece in text.split("\n"):
        if not piece or piece.startswith("#"):
            continue
        payloads.append(json.loads(piece[5:]) if piece.startswith("json:") else piece)
    return payloads


PAYLOADS = load_corpus()


class Inspector(HTMLParser):
    """Collect every problem a browser could turn into script."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}")
            if name in FORBIDDEN_ATTRS:
                self.problems.append(f"attribute {name}")
            if name in URL_ATTRS and value is not None:
                compact = "".join(value.split()).lower()
                if ":" in compact.split("/", 1)[0] and not compact.startswith(
                    SAFE_SCHEMES
                ):
                    self.problems.append(f"url {value!r}")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def problems_in(html: str) -> list[str]:
    inspector = Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector.problems


def test_corpus_has_every_payload() -> None:
    assert len(PAYLOADS) == 884


@pytest.mark.parametrize("profile", list(Profile))
def test_no_xss_payload_survives_the_pipeline(profile: Profile) -> None:
    failures = {}
    for index, payload in enumerate(PAYLOADS):
        html = render_markdown(payload, profile)
        found = problems_in(html)
        if found:
            failures[index] = (payload[:80], found)
    assert failures == {}


@pytest.mark.parametrize("profile", list(Profile))
def test_payload_as_link_target_is_neutralised(profile: Profile) -> None:
    for target in (
        "javascript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<b>x</b>",
        "JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",
        "&#106;avascript:alert(1)",
    ):
        html = render_markdown(f"[click]({target}) and <{target}>", profile)
        assert problems_in(html) == [], html
        assert "href" not in html or "http" in html


def test_inspector_catches_what_it_should() -> None:
    # The check itself must be able to fail.
    assert problems_in('<a href="javascript:alert(1)">x</a>')
    assert problems_in('<img src=x onerror="alert(1)">')
    assert problems_in("<script>alert(1)</script>")
    assert problems_in('<p style="x">y</p>')


def test_links_get_rel_and_are_linkified() -> None:
    html = render_markdown(
        "See [the NHS](https://www.nhs.uk/) or https://example.org/page"
    )
    assert html.count(f'rel="{LINK_REL}"') == 2
    assert 'href="https://example.org/page"' in html
    assert count_links(html) == 2


def test_mailto_allowed_other_schemes_not() -> None:
    assert 'href="mailto:help@example.org"' in render_markdown(
        "[mail](mailto:help@example.org)"
    )
    assert "href" not in render_markdown("[ftp](ftp://example.org/file)")


def test_comments_have_no_headings_or_images() -> None:
    html = render_markdown(
        "# Big\n\n![pic](https://example.org/a.png)", Profile.COMMENT
    )
    assert "<h1" not in html
    assert "<h2" not in html
    assert "<img" not in html
    assert "# Big" in html


def test_articles_allow_headings_and_images() -> None:
    html = render_markdown(
        "# Top\n\n## Section\n\n![pic](https://example.org/a.png)", Profile.ARTICLE
    )
    assert "<h2>Top</h2>" in html
    assert "<h2>Section</h2>" in html
    assert '<img src="https://example.org/a.png" alt="pic">' in html
    assert "<h1" not in html


def test_raw_html_is_shown_as_text() -> None:
    html = render_markdown("I <b>love</b> <script>alert(1)</script> this")
    assert "&lt;b&gt;love&lt;/b&gt;" in html
    assert "<script" not in html


def test_code_blocks_keep_language_class_only() -> None:
    html = render_markdown("```python\nprint('hi')\n```")
    assert '<code class="language-python">' in html


def test_nul_bytes_are_replaced() -> None:
    assert "\x00" not in render_markdown("a\x00b")


def test_excerpt_is_plain_and_short() -> None:
    text = "**Bold** start and a [link](https://example.org). " * 10
    short = excerpt(text, 60)
    assert len(short) <= 60
    assert "*" not in short
    assert "](" not in short


class Visible(HTMLParser):
    """The text a reader sees, as a browser decodes it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible_text(html: str) -> str:
    parser = Visible()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts).strip()


SHOWN_AS_TYPED = [
    ("`a < b`", "a < b"),
    ("`a < b && c > d`", "a < b && c > d"),
    ("`<script>alert(1)</script>`", "<script>alert(1)</script>"),
    ("`a &lt; b`", "a &lt; b"),
    ("```\nif a < b & c:\n```", "if a < b & c:"),
    ("    x = a < b", "x = a < b"),
    ("`https://example.org/?a=1&b=2`", "https://example.org/?a=1&b=2"),
    ("x < y & z", "x < y & z"),
    ("Tom & Jerry's <3", "Tom & Jerry's <3"),
    ("AT&T &amp; co", "AT&T & co"),
    ("see https://example.org/?a=1&b=2", "see https://example.org/?a=1&b=2"),
    ("**`a < b`** and `c > d`", "a < b and c > d"),
]


@pytest.mark.parametrize("profile", list(Profile))
@pytest.mark.parametrize(("markdown", "shown"), SHOWN_AS_TYPED)
def test_safe_text_is_shown_exactly_as_typed(
    profile: Profile, markdown: str, shown: str
) -> None:
    assert visible_text(render_markdown(markdown, profile)) == shown


@pytest.mark.parametrize("profile", list(Profile))
def test_no_corpus_payload_is_escaped_twice(profile: Profile) -> None:
    # An entity a reader can see must have been typed: otherwise something
    # escaped text that was escaped already.
    failures = {}
    for index, payload in enumerate(PAYLOADS):
        shown = visible_text(render_markdown(payload, profile))
        extra = [
            entity
            for entity in ("&lt;", "&gt;", "&amp;", "&quot;", "&#")
            if shown.count(entity) > payload.count(entity)
        ]
        if extra:
            failures[index] = (payload[:80], extra)
    assert failures == {}


def test_visible_text_sees_an_escape_twice() -> None:
    # The check itself must be able to fail.
    assert visible_text("<code>a &amp;lt; b</code>") == "a &lt; b"


def bleach_importers(root: Path) -> set[str]:
    """The modules under ``root`` that import bleach, as paths relative to it."""
    found = set()
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            if any(name == "bleach" or name.startswith("bleach.") for name in names):
                found.add(path.relative_to(root).as_posix())
    return found


def test_only_the_markup_module_imports_bleach() -> None:
    # One module to change when bleach gives way to a successor such as nh3.
    app = Path(__file__).resolve().parents[1] / "app"
    assert bleach_importers(app) == {"markup.py"}


def test_the_import_check_sees_every_form(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import bleach\n")
    (tmp_path / "b.py").write_text("from bleach.linkifier import LinkifyFilter\n")
    (tmp_path / "c.py").write_text("import os, bleach.sanitizer as s\n")
    (tmp_path / "d.py").write_text("import bleachers\n# import bleach\n")
    assert bleach_importers(tmp_path) == {"a.py", "b.py", "c.py"}
