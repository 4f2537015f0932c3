"""axe-core on every page type, signed out and signed in; touch targets; skip link.

Only violations of impact serious or critical fail a test; the report names each
rule, element and fix. A deliberately broken page proves the check can fail.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, StorageState, expect

from tests.browser.conftest import TIMEOUT_MS, OpenAs, Screenshot, Seed, Who

pytestmark = pytest.mark.browser

SERIOUS = ("serious", "critical")
MIN_TARGET_PX = 44
axe = Axe()


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now, serious or critical only."""
    response: dict[str, Any] = axe.run(page).response
    return [v for v in response["violations"] if v["impact"] in SERIOUS]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = [f"{len(violations)} serious or critical accessibility violations:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html']}")
            lines.append(f"      {node['failureSummary']}".replace("\n", " "))
    return "\n".join(lines)


@dataclass(frozen=True)
class PageType:
    name: str
    who: Who
    path: str  # formatted with the seed: "{seed.article}"
    status: int = 200

    @property
    def id(self) -> str:
        return f"{self.name}-{self.who}"


ARTICLE = "/articles/{seed.article}"
REPLY = "/articles/{seed.article}/comments/{seed.first_comment}/reply"
SIGNED_OUT_AND_IN = [
    ("home", "/", 200),
    ("article", ARTICLE, 200),
    ("closed-thread", "/articles/{seed.closed}", 200),
    ("profile", "/users/{seed.usernames[member]}", 200),
    ("reply", REPLY, 200),
    ("not-found", "/no/such/page", 404),
]
PAGE_TYPES = [
    *(
        PageType(name, who, path, status)
        for who in ("guest", "member")
        for name, path, status in SIGNED_OUT_AND_IN
    ),
    PageType("tag", "guest", "/tags/symptoms"),
    PageType("login", "guest", "/login"),
    PageType("register", "guest", "/register"),
    PageType("settings", "member", "/settings"),
    PageType("article", "moderator", ARTICLE),
    PageType("article", "admin", ARTICLE),
    PageType("admin-list", "admin", "/admin/articles"),
    PageType("editor-new", "admin", "/admin/articles/new"),
    PageType("editor-edit", "admin", ARTICLE + "/edit"),
]


@pytest.fixture(scope="module")
def page_as(
    browser: Browser,
    browser_context_args: dict[str, Any],
    signed_in_state: Callable[[Who], StorageState],
) -> Iterator[Callable[[Who], Page]]:
    """One page per role for the whole module: a page type is one navigation."""
    pages: dict[Who, Page] = {}

    def page_for(who: Who) -> Page:
        if who not in pages:
            state = None if who == "guest" else signed_in_state(who)
            context = browser.new_context(**browser_context_args, storage_state=state)
            context.set_default_timeout(TIMEOUT_MS)
            pages[who] = context.new_page()
        return pages[who]

    yield page_for
    for page in pages.values():
        page.context.close()


@pytest.mark.parametrize("page_type", PAGE_TYPES, ids=lambda p: p.id)
def test_page_type_has_no_serious_accessibility_violations(
    page_type: PageType,
    page_as: Callable[[Who], Page],
    seed: Seed,
    screenshot: Screenshot,
) -> None:
    page = page_as(page_type.who)
    response = page.goto(page_type.path.format(seed=seed))
    assert response is not None
    assert response.status == page_type.status
    screenshot(page, page_type.id)
    violations = serious_violations(page)
    assert not violations, describe(violations)


BROKEN_PAGE = """<!doctype html>
<html><head><title>Broken on purpose</title></head>
<body><main>
  <h1>Broken on purpose</h1>
  <p style="color: #bbb; background: #fff">Pale grey text on white.</p>
  <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
  <form><input type="text" name="q"><button type="submit">Go</button></form>
</main></body></html>
"""


def test_accessibility_check_flags_a_broken_page(page: Page) -> None:
    page.set_content(BROKEN_PAGE)
    found = {violation["id"] for violation in serious_violations(page)}
    assert {"color-contrast", "image-alt", "label"} <= found, found


# Links and buttons a reader acts on in a comment; links inside the text are exempt
# (WCAG 2.5.8 spares inline targets).
COMMENT_TARGETS = ".comment :is(a, button, summary):not(.prose a, .comment__reply-to a)"


@pytest.mark.parametrize("who", ["member", "moderator"])
def test_comment_actions_are_at_least_44px_square(
    who: Who, open_as: OpenAs, seed: Seed
) -> None:
    page = open_as(who)
    page.goto(ARTICLE.format(seed=seed))
    # Tools folded into <details> count too.
    page.evaluate(
        "() => document.querySelectorAll('.comment details').forEach(d => d.open = true)"
    )
    targets = page.locator(COMMENT_TARGETS)
    expect(targets.first).to_be_visible()
    small, checked = [], 0
    for target in targets.all():
        box = target.bounding_box()
        if box is None:  # not rendered
            continue
        checked += 1
        if box["width"] < MIN_TARGET_PX or box["height"] < MIN_TARGET_PX:
            small.append(f"{target.evaluate('el => el.outerHTML')[:120]}: {box}")
    assert checked >= len(seed.comment_ids)  # a permalink and a Reply each
    assert not small, "targets smaller than 44x44 px:\n" + "\n".join(small)


def test_skip_link_is_the_first_stop_and_moves_focus_to_main(
    open_as: OpenAs, seed: Seed
) -> None:
    page = open_as("guest")
    page.goto(ARTICLE.format(seed=seed))
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # shown when focused, hidden otherwise
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")
    focused_in_main = page.evaluate(
        "() => document.querySelector('main').contains(document.activeElement)"
    )
    assert focused_in_main, "Tab after the skip link should stay inside <main>"
