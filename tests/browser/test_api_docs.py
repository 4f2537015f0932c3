"""/api/v1/docs works with no internet (#18): Swagger UI comes from Haven itself.

The browser may reach the live server on 127.0.0.1 and nothing else; every
other request is aborted and recorded, so a page that still reached for a CDN
(or Swagger's online validator) fails here twice: blank, and caught asking.
"""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Route, expect

from tests.browser.conftest import OpenAs, Screenshot
from tests.browser.test_content_security_policy import violations, watched

pytestmark = pytest.mark.browser


def test_the_api_docs_render_their_operations_offline(
    open_as: OpenAs, screenshot: Screenshot
) -> None:
    page, console = watched(open_as, "guest")
    elsewhere: list[str] = []

    def only_this_machine(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort("internetdisconnected")

    page.context.route("**/*", only_this_machine)

    page.goto("/api/v1/docs")

    # Swagger UI parses a 1.5 MB bundle, then reads and lays out the whole
    # schema: seconds on a busy two-core machine, so more than expect's 5 s.
    expect(page.get_by_role("heading", name="Haven")).to_be_visible(timeout=20_000)
    articles = page.locator(".opblock").filter(has_text="/api/v1/articles")
    expect(articles.first).to_be_visible()
    assert page.locator(".opblock").count() > 40
    page.wait_for_load_state("networkidle")
    assert elsewhere == []
    assert violations(page, console) == []
    screenshot(page, "api-docs")
