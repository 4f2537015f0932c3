"""Drafts kept on the server follow a member to another browser (issue #15).

haven.js sends what a member types to the server a few seconds after they stop,
and at once when they leave the page; another browser they sign in with finds
it in the form. Each test has a member of its own, so no other test's drafts
are in the way.
"""

import itertools
import re
import time
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, Response, expect

from app.accounts import service as accounts_service
from app.articles import service as articles_service
from app.comments import drafts
from tests.browser.conftest import TIMEOUT_MS, LiveServer, Screenshot, Seed, sign_in
from tests.browser.test_accessibility import assert_no_serious_violations
from tests.factories import make_user

pytestmark = pytest.mark.browser

RESTORED = "We restored the comment you had not sent yet."
_names = itertools.count(1)

NewPage = Callable[..., Page]


@pytest.fixture
def member(live_server: LiveServer) -> str:
    """A member of this test's own: their drafts are theirs alone."""
    username = f"drafter{next(_names)}"
    with live_server.data() as session:
        make_user(session, username=username, display_name=username.title())
    return username


@pytest.fixture
def new_page(new_context: Callable[..., BrowserContext]) -> NewPage:
    """A page in a browser of its own (its own cookies and storage)."""

    def open_page(*, javascript: bool = True) -> Page:
        context = new_context(java_script_enabled=javascript)
        context.set_default_timeout(TIMEOUT_MS)
        return context.new_page()

    return open_page


def main_box(page: Page) -> Locator:
    return page.locator("#comment-form").get_by_label("Your comment")


def is_autosave(slug: str) -> Callable[[Response], bool]:
    return lambda r: r.request.method == "POST" and r.url.endswith(f"/me/drafts/{slug}")


def signed_in_at(
    new_page: NewPage, member: str, path: str, *, javascript: bool = True
) -> Page:
    """A browser of the member's own, signed in, at ``path``."""
    page = new_page(javascript=javascript)
    sign_in(page, member)
    page.goto(path)
    return page


def type_until_saved(page: Page, box: Locator, text: str, slug: str) -> Response:
    """Type ``text`` and do nothing else until the autosave has sent it."""
    with page.expect_response(is_autosave(slug)) as saved:
        box.fill(text)
    return saved.value


def server_draft(live_server: LiveServer, username: str, slug: str) -> str | None:
    with live_server.data() as session:
        user = accounts_service.get_user(session, username)
        article = articles_service.get_article(session, slug, viewer=user, bare=True)
        draft = drafts.find_draft(session, article, actor=user)
        return draft.body if draft else None


def test_a_draft_typed_in_one_browser_waits_in_another_after_sign_in(
    new_page: NewPage, member: str, seed: Seed, screenshot: Screenshot
) -> None:
    first = signed_in_at(new_page, member, f"/articles/{seed.journey}")
    text = f"Typed on the laptop by {member}, to finish on the phone."
    saved = type_until_saved(first, main_box(first), text, seed.journey)
    assert saved.status == 204

    second = new_page()
    second.goto(f"/articles/{seed.journey}")
    expect(main_box(second)).to_have_count(0)  # not signed in: no form yet
    second.get_by_role("link", name="Sign in to join the discussion").click()
    sign_in(second, member)
    expect(second).to_have_url(re.compile(f"/articles/{seed.journey}"))
    expect(main_box(second)).to_have_value(text)
    expect(second.get_by_role("status").filter(has_text=RESTORED)).to_be_visible()
    screenshot(second, "server-draft-restored")


def test_a_reply_draft_is_offered_on_the_article_and_filled_in_on_its_page(
    new_page: NewPage, member: str, seed: Seed
) -> None:
    first = signed_in_at(new_page, member, f"/articles/{seed.journey}")
    first.locator("article.comment", has_text="I keep a cool room.").get_by_role(
        "link", name=re.compile("^Reply")
    ).click()
    text = f"A cool room helps me too ({member})."
    reply_box = first.locator(".reply-form").get_by_label("Your comment")
    type_until_saved(first, reply_box, text, seed.journey)

    second = signed_in_at(new_page, member, f"/articles/{seed.journey}")
    expect(main_box(second)).to_have_value("")
    notice = second.locator("#reply-draft")
    expect(notice).to_contain_text("You have an unfinished reply to")
    notice.get_by_role("link", name="Continue writing").click()
    expect(second).to_have_url(re.compile(r"/comments/\d+/reply$"))
    expect(second.get_by_label("Your comment")).to_have_value(text)

    second.get_by_role("button", name="Post reply").click()
    expect(second.get_by_role("status")).to_contain_text("awaiting moderation")
    second.goto(f"/articles/{seed.journey}")
    expect(second.locator("#reply-draft")).to_have_count(0)


def test_leaving_the_page_sends_what_the_pause_had_not(
    new_page: NewPage, member: str, seed: Seed, live_server: LiveServer
) -> None:
    page = signed_in_at(new_page, member, f"/articles/{seed.journey}")
    text = f"Written just before closing the tab ({member})."
    main_box(page).fill(text)
    page.goto("/me/comments")  # at once: the 3 s pause has not passed

    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while server_draft(live_server, member, seed.journey) != text:
        assert time.monotonic() < deadline, "the draft never reached the server"
        time.sleep(0.05)


def test_typing_on_and_on_is_saved_on_the_way(
    new_page: NewPage, member: str, seed: Seed
) -> None:
    page = signed_in_at(new_page, member, f"/articles/{seed.journey}")
    main_box(page).click()
    keys = 0
    with page.expect_response(is_autosave(seed.journey), timeout=20_000) as saved:
        while not saved.is_done():  # never the 3 s pause that sends it sooner
            page.keyboard.type("la ")
            keys += 1
            page.wait_for_timeout(250)
    assert saved.value.status == 204
    # Sent after about ten seconds of typing, while it went on.
    assert 30 <= keys <= 60, keys


def test_a_draft_discarded_here_stays_discarded(
    new_page: NewPage, member: str, seed: Seed, live_server: LiveServer
) -> None:
    page = signed_in_at(new_page, member, f"/articles/{seed.journey}")
    type_until_saved(page, main_box(page), f"Second thoughts ({member})", seed.journey)
    page.reload()
    with page.expect_response(is_autosave(seed.journey)):
        page.get_by_role("button", name="Discard draft").click()
    assert server_draft(live_server, member, seed.journey) is None
    page.reload()
    expect(main_box(page)).to_have_value("")
    expect(page.get_by_text(RESTORED)).to_have_count(0)


def test_without_javascript_a_preview_keeps_the_draft_for_later(
    new_page: NewPage, member: str, seed: Seed
) -> None:
    page = signed_in_at(new_page, member, f"/articles/{seed.journey}", javascript=False)
    text = f"Checking how *this* looks ({member})."
    main_box(page).fill(text)
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#comment-preview")).to_be_visible()

    page.goto("/me/drafts")
    item = page.locator(".draft")
    expect(item).to_contain_text(text)
    item.get_by_role("link", name=re.compile("^Continue writing")).click()
    expect(main_box(page)).to_have_value(text)

    page.goto("/me/drafts")
    page.get_by_role("button", name=re.compile("^Discard")).click()
    expect(page.get_by_role("status")).to_contain_text("is discarded")
    expect(page.get_by_role("heading", name="You have no drafts")).to_be_visible()


def test_your_drafts_has_no_serious_accessibility_violations(
    new_page: NewPage, member: str, seed: Seed, screenshot: Screenshot
) -> None:
    page = signed_in_at(new_page, member, "/me/drafts")
    expect(page.get_by_role("heading", name="You have no drafts")).to_be_visible()
    assert_no_serious_violations(page)

    page.goto(f"/articles/{seed.journey}")
    text = f"Something to <list> ({member})"
    type_until_saved(page, main_box(page), text, seed.journey)
    page.goto("/me/drafts")
    expect(page.locator(".draft")).to_have_count(1)
    screenshot(page, "your-drafts")
    assert_no_serious_violations(page)
    # The article page with a reply draft's notice, too.
    page.goto(f"/articles/{seed.journey}")
    page.get_by_role("link", name=re.compile("^Reply")).first.click()
    reply_box = page.locator(".reply-form").get_by_label("Your comment")
    type_until_saved(page, reply_box, "Indeed.", seed.journey)
    page.reload()
    expect(page.locator("#reply-draft")).to_be_visible()
    screenshot(page, "reply-draft-notice")
    assert_no_serious_violations(page)
