"""Searching from the header, with JavaScript and without (#17)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OpenAs, Seed

pytestmark = pytest.mark.browser

JS = pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])


@JS
def test_reader_finds_a_comment_by_its_words_and_opens_it(
    open_as: OpenAs, seed: Seed, javascript: bool
) -> None:
    page = open_as(javascript=javascript)
    page.goto("/")
    search = page.get_by_role("search").first
    search.get_by_label("Search articles and comments").fill("warm showers")
    search.get_by_role("button", name="Search").click()

    expect(page).to_have_url(re.compile(r"/search\?q=warm\+showers$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Search results for “warm showers”"
    )
    hit = page.locator(".search-hit--comment").first
    expect(hit.locator("mark").first).to_have_text(re.compile("warm", re.IGNORECASE))
    hit.get_by_role("link").click()

    expect(page).to_have_url(re.compile(rf"/articles/{seed.article}.*#comment-\d+$"))


def test_a_search_that_finds_nothing_says_so(open_as: OpenAs) -> None:
    page = open_as(javascript=False)
    page.goto("/search?q=zanzibar")

    expect(
        page.get_by_role("heading", name="No results for “zanzibar”")
    ).to_be_visible()
