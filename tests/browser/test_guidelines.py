"""The community guidelines in Chromium: their page, the admins' editor, and the
box a new member reads before a first comment, all passing axe (JavaScript on,
as axe-core runs in the page)."""

import itertools
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, OpenAs, Screenshot, Seed, sign_in
from tests.browser.test_accessibility import describe, serious_violations
from tests.factories import make_user

pytestmark = pytest.mark.browser

_names = itertools.count(1)


def assert_accessible(page: Page) -> None:
    violations = serious_violations(page)
    assert not violations, describe(violations)


def test_the_guidelines_page_is_reached_from_the_footer_and_accessible(
    open_as: OpenAs, screenshot: Screenshot
) -> None:
    page = open_as("guest")
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role(
        "link", name="Community guidelines"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Community guidelines")
    expect(page.get_by_role("heading", level=2, name="Be kind")).to_be_visible()
    expect(page.get_by_role("link", name="Edit the guidelines")).to_have_count(0)
    screenshot(page, "guidelines")
    assert_accessible(page)


def test_the_admins_editor_previews_and_is_accessible(
    open_as: OpenAs, screenshot: Screenshot
) -> None:
    page = open_as("admin")
    page.goto("/guidelines")
    page.get_by_role("link", name="Edit the guidelines").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Edit the community guidelines"
    )
    assert_accessible(page)

    editor = page.get_by_label("Guidelines", exact=True)
    expect(editor).to_have_value(re.compile("^Haven is a place"))
    editor.fill("## Kindness first\n\nWe listen before we answer.")
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_role("region", name="Preview")
    expect(preview.get_by_role("heading", name="Kindness first")).to_be_visible()
    expect(editor).to_have_value(re.compile("^## Kindness first"))
    screenshot(page, "guidelines-editor-preview")
    assert_accessible(page)


def test_a_new_member_reads_the_guidelines_once_before_a_first_comment(
    live_server: LiveServer, open_as: OpenAs, seed: Seed, screenshot: Screenshot
) -> None:
    username = f"firsttimer{next(_names)}"
    with live_server.data() as session:
        make_user(session, username=username)
    page = open_as("guest")
    sign_in(page, username)
    page.goto(f"/articles/{seed.journey}")

    box = page.get_by_role("region", name="Before your first comment")
    expect(box).to_be_visible()
    expect(box.get_by_role("heading", level=4, name="Be kind")).to_be_visible()
    text = box.get_by_role("region", name="Community guidelines")
    text.focus()  # a scrolling region is reached from the keyboard
    expect(text).to_be_focused()
    screenshot(page, "guidelines-first-comment")
    assert_accessible(page)

    # Replying inline: the line stands beside the copied form too.
    page.locator("article.comment", has_text="I keep a cool room.").get_by_role(
        "link", name=re.compile("^Reply")
    ).click()
    reply = page.locator(".reply-form")
    expect(reply.locator(".comment-guidance")).to_contain_text("not medical advice")
    reply.get_by_role("button", name="Cancel").click()

    page.locator("#comment-form").get_by_label("Your comment").fill(
        f"Hello from {username}: cooling vests help me."
    )
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_role("status")).to_contain_text("awaiting moderation")
    expect(page.get_by_role("region", name="Before your first comment")).to_have_count(
        0
    )
    line = page.locator("#comment-form .comment-guidance")
    expect(line).to_contain_text("not medical advice")
    line.get_by_role("link", name="Community guidelines").click()
    expect(page).to_have_url(re.compile("/guidelines$"))
