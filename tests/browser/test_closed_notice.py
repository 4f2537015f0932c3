"""Issue #18, point 2 in a real browser: a closed discussion says so beside its
heading, with the moderator's reason; a long open one offers "Write a comment"
near its top, which leads to the form. At 390 and 1280 px, passing axe."""

import itertools

import pytest
from playwright.sync_api import Page, expect

from app.accounts import service as accounts_service
from app.moderation import service as moderation_service
from tests.browser.conftest import WIDTHS, LiveServer, OpenAs, Screenshot, Seed
from tests.browser.test_accessibility import describe, serious_violations
from tests.factories import make_article, make_comment, make_user

pytestmark = pytest.mark.browser

REASON = "Thank you all; this topic has run its course."
MADE = itertools.count(1)


def _long_discussion(live_server: LiveServer, seed: Seed, *, closed: bool) -> str:
    with live_server.data() as session:
        article = make_article(session, title=f"Stretching for spasticity {next(MADE)}")
        for number in range(7):
            make_comment(
                session,
                article,
                author=make_user(session, display_name=f"Reader {number + 1}"),
                body="Ten minutes every morning loosens my calves before I walk.",
            )
        if closed:
            moderator = accounts_service.get_user(session, seed.usernames["moderator"])
            moderation_service.close_thread(
                session, article, actor=moderator, reason=REASON
            )
        return f"/articles/{article.slug}"


@pytest.fixture(scope="module")
def open_discussion(live_server: LiveServer, seed: Seed) -> str:
    return _long_discussion(live_server, seed, closed=False)


@pytest.fixture(scope="module")
def closed_discussion(live_server: LiveServer, seed: Seed) -> str:
    return _long_discussion(live_server, seed, closed=True)


def _at_each_width(page: Page) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        violations = serious_violations(page)
        assert not violations, describe(violations)


def test_a_closed_discussion_says_so_beside_its_heading(
    open_as: OpenAs, closed_discussion: str, screenshot: Screenshot
) -> None:
    page = open_as("guest")
    page.goto(closed_discussion)
    notice = page.locator("#comments-closed")
    expect(notice).to_have_text(f"Comments are closed. {REASON}")
    heading = page.locator("#comments-title")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        heading.scroll_into_view_if_needed()
        expect(notice).to_be_in_viewport()
    expect(page.get_by_role("link", name="Write a comment")).to_have_count(0)
    _at_each_width(page)
    screenshot(page, "discussion-closed")


def test_a_long_discussion_leads_from_its_top_to_the_form(
    open_as: OpenAs, open_discussion: str, screenshot: Screenshot
) -> None:
    page = open_as("member")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(open_discussion)
        page.locator("#comments-title").scroll_into_view_if_needed()
        write = page.get_by_role("link", name="Write a comment")
        expect(write).to_be_in_viewport()
        write.click()
        page.wait_for_url("**#comment-form")
        expect(page.locator("#comment-form textarea")).to_be_in_viewport()
    expect(page.locator("#comments-closed")).to_have_count(0)
    _at_each_width(page)
    page.goto(open_discussion)
    screenshot(page, "discussion-write-link")
