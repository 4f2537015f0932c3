"""A member writes words of crisis: helplines at once, calm and accessible."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OpenAs, Screenshot, Seed
from tests.browser.test_accessibility import describe, serious_violations

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_crisis_page_follows_the_submit(
    open_as: OpenAs, seed: Seed, screenshot: Screenshot, javascript: bool
) -> None:
    page = open_as("member", javascript=javascript)
    page_id = "with JavaScript" if javascript else "without JavaScript"
    page.goto(f"/articles/{seed.journey}")
    # (A text of its own per run: the same text twice is refused as a duplicate.)
    page.get_by_label("Your comment").fill(
        f"Since my last relapse I have been thinking about ending my life ({page_id})."
    )
    page.get_by_role("button", name="Post comment").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("You are not alone")
    expect(page.get_by_role("status")).to_contain_text("awaiting moderation")
    helplines = page.get_by_role("list", name="People you can talk to now")
    expect(helplines).to_contain_text("Samaritans")
    expect(helplines).to_contain_text("116 123")
    expect(page.get_by_role("link", name="in the discussion")).to_be_visible()
    screenshot(page, "crisis-support")
    if javascript:  # axe-core runs as a script in the page
        violations = serious_violations(page)
        assert not violations, describe(violations)
