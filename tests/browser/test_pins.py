"""Issue #19 in a real browser: a pinned and a featured comment as readers
and moderators see them, at both widths, and a moderator pinning one."""

import itertools
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from app.accounts import service as accounts_service
from app.db import utcnow
from app.moderation import highlights
from tests.browser.conftest import WIDTHS, LiveServer, OpenAs, Screenshot, Seed
from tests.browser.test_accessibility import describe, serious_violations
from tests.factories import make_article, make_comment, make_user

pytestmark = pytest.mark.browser

MADE = itertools.count(1)


def discussion(live_server: LiveServer, seed: Seed) -> dict[str, int | str]:
    """An article with four conversations: the last pinned, a reply featured."""
    with live_server.data() as session:
        moderator = accounts_service.get_user(session, seed.usernames["moderator"])
        article = make_article(session, title=f"Cooling vests, pinned {next(MADE)}")
        start = utcnow() - timedelta(days=1)
        texts = [
            "Has anyone tried a cooling vest in summer?",
            "I bought one last year; it helps on the bus.",
            "Mine was too heavy to wear for long.",
            "Summary from the editors: cooling vests help some people with heat "
            "sensitivity; try one before buying.",
        ]
        made = [
            make_comment(
                session,
                article,
                author=make_user(session, display_name=name),
                body=text,
                created_at=start + timedelta(minutes=n),
            )
            for n, (name, text) in enumerate(
                zip(("Ann", "Ben", "Cleo", "Dana"), texts, strict=True)
            )
        ]
        reply = make_comment(
            session,
            article,
            author=make_user(session, display_name="Eve"),
            parent=made[0],
            body="A wet scarf works nearly as well, and costs nothing.",
            created_at=start + timedelta(minutes=10),
        )
        highlights.set_pinned(session, made[3], True, actor=moderator)
        highlights.set_featured(session, reply, True, actor=moderator)
        return {
            "slug": article.slug,
            "pinned": made[3].id,
            "first": made[0].id,
            "second": made[1].id,
            "featured": reply.id,
        }


def accessible_at_both_widths(page: Page) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        violations = serious_violations(page)
        assert not violations, f"at {width} px: {describe(violations)}"


def test_readers_see_the_pinned_comment_first_and_the_featured_one_marked(
    open_as: OpenAs, live_server: LiveServer, seed: Seed, screenshot: Screenshot
) -> None:
    made = discussion(live_server, seed)
    page = open_as("guest")
    page.goto(f"/articles/{made['slug']}")

    comments = page.locator("article.comment")
    expect(comments.first).to_have_id(f"comment-{made['pinned']}")
    expect(comments.first.locator(".badge--pinned")).to_have_text("Pinned")
    featured = page.locator(f"#comment-{made['featured']}")
    expect(featured.locator(".badge--featured")).to_have_text("Featured")
    order = page.get_by_role("navigation", name="Order of comments")
    expect(order.get_by_role("link", name="Oldest first")).to_have_attribute(
        "aria-current", "true"
    )
    accessible_at_both_widths(page)
    screenshot(page, "pins-reader")

    order.get_by_role("link", name="Featured first").click()
    expect(page).to_have_url(
        f"{live_server.url}/articles/{made['slug']}?sort=featured#comments"
    )
    ids = page.locator("ol.thread > li > article.comment").evaluate_all(
        "nodes => nodes.map(n => n.id)"
    )
    assert ids[:2] == [f"comment-{made['pinned']}", f"comment-{made['first']}"]
    expect(
        page.get_by_role("navigation", name="Order of comments").get_by_role(
            "link", name="Featured first"
        )
    ).to_have_attribute("aria-current", "true")


def test_a_moderator_pins_a_comment_with_its_button(
    open_as: OpenAs, live_server: LiveServer, seed: Seed, screenshot: Screenshot
) -> None:
    made = discussion(live_server, seed)
    page = open_as("moderator")
    page.goto(f"/articles/{made['slug']}")
    target = page.locator(f"#comment-{made['second']}")
    target.locator("summary", has_text="Moderate").click()
    expect(target.get_by_role("button", name="Feature")).to_be_visible()
    accessible_at_both_widths(page)
    screenshot(page, "pins-moderator-tools")

    target.get_by_role("button", name="Pin to the top").click()

    expect(
        page.get_by_text("Comment pinned at the top of the discussion.")
    ).to_be_visible()
    first = page.locator("article.comment").first
    expect(first).to_have_id(f"comment-{made['second']}")
    expect(first.locator(".badge--pinned")).to_have_text("Pinned")
    # The earlier pin gave way: one pin per discussion.
    expect(page.locator(".badge--pinned")).to_have_count(1)
    assert page.url.endswith(f"#comment-{made['second']}")
    first.locator("summary", has_text="Moderate").click()
    expect(first.get_by_role("button", name="Unpin")).to_be_visible()
    accessible_at_both_widths(page)
    screenshot(page, "pins-moderator-pinned")
