"""Coming back to where you were (#18): "Sign in" and "create a free account"
under an article lead back to that article once the person is in, on a phone
and on a wide screen."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import OpenAs, Screenshot, Seed
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.browser

WIDTHS = (390, 1280)


def _article_at(open_as: OpenAs, seed: Seed, width: int) -> Page:
    page = open_as("guest")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"/articles/{seed.article}")
    return page


def _back_on_the_article(page: Page, seed: Seed) -> None:
    expect(page).to_have_url(re.compile(rf"/articles/{seed.article}#comments$"))
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("button", name="Post comment")).to_be_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_signing_in_from_an_article_returns_to_it(
    open_as: OpenAs, seed: Seed, screenshot: Screenshot, width: int
) -> None:
    page = _article_at(open_as, seed, width)

    page.locator("#comment-form").get_by_role(
        "link", name="Sign in to join the discussion"
    ).click()
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Username").fill(seed.usernames["member"])
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    _back_on_the_article(page, seed)
    page.locator("#comment-form").scroll_into_view_if_needed()
    screenshot(page, f"back-after-sign-in-journey-{width}")


@pytest.mark.parametrize("width", WIDTHS)
def test_registering_from_an_article_returns_to_it(
    open_as: OpenAs, seed: Seed, screenshot: Screenshot, width: int
) -> None:
    page = _article_at(open_as, seed, width)

    page.locator("#comment-form").get_by_role(
        "link", name="create a free account"
    ).click()
    expect(page).to_have_url(re.compile(r"/register\?next="))
    page.get_by_label("Username").fill(f"newcomer{width}")
    page.get_by_label("Email").fill(f"newcomer{width}@example.org")
    page.get_by_label("Password").fill("lavender fields in june")
    screenshot(page, f"register-with-next-journey-{width}")
    page.get_by_role("button", name="Create account").click()

    _back_on_the_article(page, seed)
    screenshot(page, f"back-after-register-journey-{width}")


def test_a_refused_sign_in_still_returns_to_the_article(
    open_as: OpenAs, seed: Seed
) -> None:
    page = _article_at(open_as, seed, 390)
    page.locator("#comment-form").get_by_role(
        "link", name="Sign in to join the discussion"
    ).click()
    page.get_by_label("Username").fill(seed.usernames["member"])
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#form-errors")).to_be_visible()

    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    _back_on_the_article(page, seed)


def test_every_sign_up_problem_shows_at_once_in_plain_words(
    open_as: OpenAs, screenshot: Screenshot
) -> None:
    page = open_as("guest")
    page.goto("/register?next=/")
    page.get_by_label("Username").fill("a!")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()

    summary = page.locator("#form-errors")
    expect(summary.get_by_role("listitem")).to_have_count(3)
    expect(summary).to_contain_text("Your password needs at least 10 characters.")
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "register-errors")
