"""The browser starts and renders Haven: a future Playwright/Chromium break shows here."""

import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser


def test_browser_launches_and_renders_the_home_page(
    browser: Browser, page: Page
) -> None:
    assert browser.version
    page.goto("/")
    expect(page).to_have_title("Haven")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.evaluate("() => document.readyState") == "complete"
