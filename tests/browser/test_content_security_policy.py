"""Haven's pages run under their Content-Security-Policy without a violation (#16).

Each page is opened with JavaScript on, so haven.js runs and enhances it; a
listener installed before any of the page's own scripts records every
``securitypolicyviolation`` event and every console message about the policy.
"""

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser.conftest import OpenAs, Seed, Who

pytestmark = pytest.mark.browser

_RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def watched(open_as: OpenAs, who: Who) -> tuple[Page, list[str]]:
    """A page for ``who`` whose policy violations are collected in the list."""
    page = open_as(who, javascript=True)
    page.add_init_script(_RECORD_VIOLATIONS)
    console: list[str] = []

    def note(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            console.append(message.text)

    page.on("console", note)
    return page, console


def violations(page: Page, console: list[str]) -> list[str]:
    recorded: list[str] = page.evaluate("() => window.__cspViolations")
    return recorded + console


@pytest.mark.parametrize(
    ("who", "paths"),
    [
        ("guest", ["/", "/articles/{article}", "/login", "/register"]),
        ("member", ["/", "/articles/{article}", "/settings"]),
        ("moderator", ["/moderation", "/articles/{article}"]),
    ],
)
def test_pages_run_with_javascript_and_break_no_policy(
    open_as: OpenAs, seed: Seed, who: Who, paths: list[str]
) -> None:
    page, console = watched(open_as, who)
    for path in paths:
        response = page.goto(path.format(article=seed.article))
        assert response is not None
        assert "script-src 'self'" in response.headers["content-security-policy"]
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        page.wait_for_load_state("networkidle")
        assert violations(page, console) == [], path


def test_the_check_sees_an_inline_handler_the_policy_blocks(
    open_as: OpenAs,
) -> None:
    page, console = watched(open_as, "guest")
    page.goto("/")
    page.evaluate(
        """() => document.body.insertAdjacentHTML(
            "beforeend", '<img src="/static/img/favicon.svg" onload="window.ran = 1">'
        )"""
    )

    page.wait_for_function("() => window.__cspViolations.length > 0")
    assert page.evaluate("() => window.ran") is None
    assert violations(page, console)
