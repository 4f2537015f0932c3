"""Comment drafts kept in the browser: back after a reload or a failed post, gone once sent.

haven.js saves what is typed in a comment or reply form to localStorage and drops it
when the next page carries the server's "received" message. Without JavaScript the
server keeps the text on every error it answers; these tests cover what it can't see.
The member's copy on the server (tests/browser/test_server_drafts.py) is cleared
before each test, so what the page arrives with is this test's doing.
"""

import itertools
import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import delete

from app.accounts import service as accounts_service
from app.comments.models import CommentDraft
from tests.browser.conftest import LiveServer, OpenAs, Seed

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _no_server_drafts(live_server: LiveServer, seed: Seed) -> None:
    """Another test's refused post may have left the seeded member a draft."""
    with live_server.data() as session:
        member = accounts_service.get_user(session, seed.usernames["member"])
        session.execute(delete(CommentDraft).where(CommentDraft.user_id == member.id))


RESTORED = "We restored the comment you had not sent yet."
# The seeded member may be trusted by now, so a comment may go straight out.
RECEIVED = re.compile("Your comment is published|awaiting moderation")
_texts = itertools.count(1)


def unique(text: str) -> str:
    # Posting the same text twice in a day is refused as a duplicate.
    return f"{text} (draft {next(_texts)})"


def main_box(page: Page) -> Locator:
    return page.locator("#comment-form").get_by_label("Your comment")


def send(page: Page, text: str) -> None:
    """Posts and waits for the answer page to load, so its deferred haven.js has
    run: leaving a page before its scripts run is no reader's pace."""
    main_box(page).fill(text)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Post comment").click()


def test_a_draft_comes_back_after_a_reload(open_as: OpenAs, seed: Seed) -> None:
    page = open_as("member")
    page.goto(f"/articles/{seed.journey}")
    text = unique("Half-written thoughts about cool rooms")
    main_box(page).fill(text)
    page.reload()
    expect(main_box(page)).to_have_value(text)
    expect(page.get_by_role("status").filter(has_text=RESTORED)).to_be_visible()


def test_a_draft_survives_a_post_that_never_reached_the_server(
    open_as: OpenAs, seed: Seed
) -> None:
    page = open_as("member")
    page.goto(f"/articles/{seed.journey}")
    text = unique("Typed on a train, sent in a tunnel")
    main_box(page).fill(text)
    page.context.set_offline(True)
    with (
        pytest.raises(PlaywrightError, match="ERR_INTERNET_DISCONNECTED"),
        page.expect_navigation(),
    ):
        page.get_by_role("button", name="Post comment").click()
    page.context.set_offline(False)
    page.goto(f"/articles/{seed.journey}")
    expect(main_box(page)).to_have_value(text)


def test_a_sent_comment_leaves_no_draft_behind(open_as: OpenAs, seed: Seed) -> None:
    page = open_as("member")
    page.goto(f"/articles/{seed.journey}")
    text = unique("Sent properly this time")
    send(page, text)
    expect(page.get_by_role("status")).to_contain_text(RECEIVED)
    page.goto(f"/articles/{seed.journey}")
    expect(main_box(page)).to_have_value("")
    expect(page.get_by_text(RESTORED)).to_have_count(0)


def test_a_refused_post_keeps_the_draft(open_as: OpenAs, seed: Seed) -> None:
    page = open_as("member")
    page.goto(f"/articles/{seed.journey}")
    text = unique("Said once, then by mistake again")
    send(page, text)
    expect(page.get_by_role("status")).to_contain_text(RECEIVED)
    send(page, text)  # a duplicate: the server refuses it and shows it again
    expect(page.get_by_role("alert")).to_be_visible()
    page.goto(f"/articles/{seed.journey}")
    expect(main_box(page)).to_have_value(text)


def test_a_reply_draft_returns_to_its_own_reply_form(
    open_as: OpenAs, seed: Seed
) -> None:
    page = open_as("member")
    page.goto(f"/articles/{seed.journey}")
    reply_link = page.get_by_role("link", name=re.compile("^Reply")).first
    reply_link.click()
    text = unique("A reply I will finish later")
    page.locator(".reply-form").get_by_label("Your comment").fill(text)
    page.reload()
    expect(main_box(page)).to_have_value("")  # not in the main form
    reply_link.click()
    expect(page.locator(".reply-form").get_by_label("Your comment")).to_have_value(text)


def test_discarding_a_draft_empties_the_form_for_good(
    open_as: OpenAs, seed: Seed
) -> None:
    page = open_as("member")
    page.goto(f"/articles/{seed.journey}")
    main_box(page).fill(unique("Second thoughts"))
    page.reload()
    page.get_by_role("button", name="Discard draft").click()
    expect(main_box(page)).to_have_value("")
    expect(main_box(page)).to_be_focused()
    page.reload()
    expect(main_box(page)).to_have_value("")
    expect(page.get_by_text(RESTORED)).to_have_count(0)
