"""A reader's journey, with JavaScript and without: home, article, thread, permalink."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OpenAs, Seed

pytestmark = pytest.mark.browser

JS = pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])


@JS
def test_reader_goes_from_home_to_an_article_and_reads_its_thread(
    open_as: OpenAs, seed: Seed, javascript: bool
) -> None:
    page = open_as(javascript=javascript)
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Latest articles")
    # Other journeys add articles of their own, so the reader searches for this one.
    search = page.get_by_role("search")
    search.get_by_label("Search articles").fill("spasticity")
    search.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="What is spasticity?").first.click()

    expect(page).to_have_url(re.compile(f"/articles/{seed.article}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("What is spasticity?")
    expect(page.get_by_role("heading", name="What it feels like")).to_be_visible()
    thread = page.locator("#comments")
    expect(thread.get_by_role("heading", level=2)).to_contain_text("16 comments")
    expect(thread.locator("article.comment")).to_have_count(len(seed.comment_ids))
    expect(thread.get_by_text("Held.")).to_have_count(0)  # pending: author only
    reply = page.locator(f"#comment-{seed.comment_ids[1]}")
    expect(reply).to_contain_text("A warm shower first")
    # A reply sits inside its parent's list item.
    parent_item = page.locator(
        "li.thread__item", has=page.locator(f"#comment-{seed.first_comment}")
    )
    expect(parent_item.first.locator(f"#comment-{seed.comment_ids[1]}")).to_have_count(
        1
    )
    expect(
        page.get_by_role("link", name="Sign in to join the discussion")
    ).to_be_visible()


@JS
def test_permalink_brings_its_comment_into_view(
    open_as: OpenAs, seed: Seed, javascript: bool
) -> None:
    page = open_as(javascript=javascript)
    target = f"#comment-{seed.last_comment}"
    page.goto(f"/articles/{seed.article}{target}")

    comment = page.locator(target)
    expect(comment).to_be_in_viewport()
    assert comment.evaluate("el => el.matches(':target')")
    # The :target outline marks which comment the link meant.
    assert comment.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"

    first = page.locator(f"#comment-{seed.first_comment}")
    first.get_by_role("link", name=re.compile("^Link to this comment")).click()
    expect(page).to_have_url(re.compile(f"#comment-{seed.first_comment}$"))
    expect(first).to_be_in_viewport()
    assert first.evaluate("el => el.matches(':target')")


def test_closed_thread_shows_its_comments_and_takes_no_more(
    open_as: OpenAs, seed: Seed
) -> None:
    page = open_as("member")
    page.goto(f"/articles/{seed.closed}")

    expect(page.get_by_text("Short days help me.")).to_be_visible()
    # Said beside the Discussion heading and again where the form would be.
    expect(page.get_by_text("Comments are closed.")).to_have_count(2)
    expect(page.locator("#comments-closed")).to_be_visible()
    expect(page.locator("#comments-closed")).to_contain_text(
        "This discussion has run its course."
    )
    expect(page.get_by_role("button", name="Post comment")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("^Reply"))).to_have_count(0)
