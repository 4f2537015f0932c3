"""Joining the discussion: sign up, sign in, post, reply; guests; a banned member."""

import itertools
import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import LiveServer, OpenAs, Screenshot, Seed, sign_in

pytestmark = pytest.mark.browser

PASSWORD = "violet tractor moonbeam 77"
AWAITING = "Thanks! Your comment is awaiting moderation."
_names = itertools.count(1)


def post(scope: Page | Locator, body: str, button: str = "Post comment") -> None:
    scope.get_by_label("Your comment").fill(body)
    scope.get_by_role("button", name=button).click()


def expect_pending(page: Page, body: str) -> Locator:
    """The flash, then the new comment, marked as awaiting moderation, in view."""
    expect(page.get_by_role("status")).to_contain_text(AWAITING)
    comment = page.locator("article.comment", has_text=body)
    expect(comment).to_be_in_viewport()
    expect(comment).to_contain_text("Awaiting moderation")
    expect(page).to_have_url(re.compile(r"#comment-\d+$"))
    assert page.url.endswith(f"#{comment.get_attribute('id')}")
    return comment


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_member_signs_up_signs_in_posts_and_replies(
    open_as: OpenAs, seed: Seed, screenshot: Screenshot, javascript: bool
) -> None:
    username = f"newcomer{next(_names)}{'js' if javascript else 'nojs'}"
    page = open_as(javascript=javascript)
    page.goto("/register")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status")).to_contain_text(f"Welcome to Haven, {username}")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")
    sign_in(page, username, PASSWORD)

    page.goto(f"/articles/{seed.journey}")
    post(page, f"Hello from {username}.")
    expect_pending(page, f"Hello from {username}.")

    approved = page.locator("article.comment", has_text="I keep a cool room.")
    approved.get_by_role("link", name=re.compile("^Reply")).click()
    if javascript:
        box = page.locator(".reply-form")
        expect(box.get_by_label("Your comment")).to_be_focused()
        expect(page).not_to_have_url(re.compile("/reply$"))
        expect(
            approved.get_by_role("link", name=re.compile("^Reply"))
        ).to_have_attribute("aria-expanded", "true")
        screenshot(page, "reply-inline-member")
        post(box, f"A reply from {username}.", "Post reply")
    else:
        expect(page).to_have_url(re.compile(r"/comments/\d+/reply$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(
            re.compile("^Reply to")
        )
        post(page, f"A reply from {username}.", "Post reply")
    reply = expect_pending(page, f"A reply from {username}.")
    # The reply is nested under the comment it answers.
    parent_item = page.locator("li.thread__item", has=approved).first
    expect(parent_item.locator(f"#{reply.get_attribute('id')}")).to_have_count(1)


def test_inline_reply_form_closes_with_cancel_and_returns_focus(
    open_as: OpenAs, seed: Seed
) -> None:
    page = open_as("member")
    page.goto(f"/articles/{seed.journey}")
    link = page.get_by_role("link", name=re.compile("^Reply"))
    link.first.click()
    expect(page.locator(".reply-form")).to_have_count(1)
    page.locator(".reply-form").get_by_role("button", name="Cancel").click()
    expect(page.locator(".reply-form")).to_have_count(0)
    expect(link.first).to_be_focused()
    expect(link.first).to_have_attribute("aria-expanded", "false")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_guest_posts_when_the_site_allows_guests(
    live_server: LiveServer, open_as: OpenAs, seed: Seed, javascript: bool
) -> None:
    page = open_as(javascript=javascript)
    body = f"A guest's experience {next(_names)}."
    with live_server.settings_changed(allow_guest_comments=True):
        page.goto(f"/articles/{seed.journey}")
        page.get_by_label("Your name").fill("Visiting Val")
        page.get_by_label("Your email").fill("val@example.org")
        post(page, body)
        comment = expect_pending(page, body)
    expect(comment).to_contain_text("Visiting Val")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_refused_guest_post_can_be_sent_again_from_the_form_shown_again(
    live_server: LiveServer, open_as: OpenAs, seed: Seed, javascript: bool
) -> None:
    """Each form token is taken once: the form shown again after a refusal
    carries a fresh one, so the guest's next try goes through."""
    page = open_as(javascript=javascript)
    body = f"Twice the same words {next(_names)}."
    with live_server.settings_changed(allow_guest_comments=True):
        page.goto(f"/articles/{seed.journey}")
        page.get_by_label("Your name").fill("Visiting Val")
        page.get_by_label("Your email").fill("val@example.org")
        post(page, body)
        expect_pending(page, body)
        # The same text again, under a new email: the same guest, refused.
        page.goto(f"/articles/{seed.journey}")
        page.get_by_label("Your name").fill("Val again")
        page.get_by_label("Your email").fill("val2@example.org")
        with page.expect_response(f"**/articles/{seed.journey}/comments") as sent:
            post(page, body)
        assert sent.value.status == 409
        expect(
            page.get_by_text("You have already posted this comment.").first
        ).to_be_visible()
        expect(page.get_by_label("Your comment")).to_have_value(body)
        changed = f"{body} Said differently."
        post(page, changed)
        expect(page.locator(".flash-region")).to_contain_text(AWAITING)
        expect(page.locator("article.comment", has_text=changed)).to_be_in_viewport()


def test_guest_is_asked_to_sign_in_when_guests_may_not_post(
    open_as: OpenAs, seed: Seed
) -> None:
    page = open_as()
    page.goto(f"/articles/{seed.journey}")
    expect(page.get_by_role("button", name="Post comment")).to_have_count(0)
    page.get_by_role("link", name="Sign in to join the discussion").click()
    expect(page).to_have_url(re.compile(r"/login\?next="))
    sign_in(page, seed.usernames["member"])
    expect(page).to_have_url(re.compile(f"/articles/{seed.journey}#comments$"))


def test_banned_member_is_refused_and_told_why(
    open_as: OpenAs, seed: Seed, screenshot: Screenshot
) -> None:
    page = open_as(javascript=False)
    sign_in(page, seed.usernames["banned"])
    page.goto(f"/articles/{seed.journey}")
    body = "Buy my miracle cure."
    # The form may be withheld with a notice; if it is offered, the post is refused.
    if page.get_by_label("Your comment").count():
        with page.expect_response(f"**/articles/{seed.journey}/comments") as sent:
            post(page, body)
        assert sent.value.status == 403
        expect(page.get_by_label("Your comment")).to_have_value(body)

    expect(
        page.get_by_text("Your account can't post at the moment.").first
    ).to_be_visible()
    expect(page.locator("article.comment", has_text=body)).to_have_count(0)
    screenshot(page, "comment-refused-banned")
