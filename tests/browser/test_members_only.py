"""Issue #19 in a real browser: a members-only comment as a visitor sees it
(a placeholder with a way to sign in) and as a member reads it, on a narrow
and a wide screen, passing axe."""

import itertools
import re

import pytest
from playwright.sync_api import Page, expect

from app.articles.models import Visibility
from app.comments import service as comments_service
from app.comments.models import CommentStatus
from tests.browser.conftest import LiveServer, OpenAs, Screenshot
from tests.browser.test_accessibility import describe, serious_violations
from tests.factories import make_article, make_comment, make_user

pytestmark = pytest.mark.browser

SECRET = "Since the relapse I need a stick on bad days, and I was scared to say so."
MADE = itertools.count(1)


@pytest.fixture(scope="module")
def discussion(live_server: LiveServer) -> tuple[str, int]:
    """An article with a public comment and a members-only one."""
    with live_server.data() as session:
        article = make_article(session, title=f"Walking aids {next(MADE)}")
        make_comment(
            session,
            article,
            author=make_user(session, display_name="Priya"),
            body="A stick helped me on long walks.",
        )
        secret = comments_service.store_comment(
            session,
            article,
            body=SECRET,
            author=make_user(session, display_name="Tom Members"),
            status=CommentStatus.APPROVED,
            visibility=Visibility.MEMBERS,
        )
        return article.slug, secret.id


def _accessible_at_both_widths(page: Page) -> None:
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        violations = serious_violations(page)
        assert not violations, (width, describe(violations))


def test_a_visitor_sees_a_placeholder_inviting_them_to_sign_in(
    open_as: OpenAs, discussion: tuple[str, int], screenshot: Screenshot
) -> None:
    slug, comment_id = discussion
    page = open_as("guest")
    page.goto(f"/articles/{slug}")
    placeholder = page.get_by_role("article", name="Members-only comment")
    expect(placeholder).to_contain_text("This comment is for members only.")
    expect(page.get_by_text(SECRET)).to_have_count(0)
    expect(page.get_by_text("Tom Members")).to_have_count(0)
    expect(page.locator('meta[name="robots"]')).to_have_attribute("content", "noindex")
    _accessible_at_both_widths(page)
    placeholder.scroll_into_view_if_needed()
    screenshot(page, "members-only-visitor")

    placeholder.get_by_role("link", name="Sign in to read it").click()
    expect(page).to_have_url(
        re.compile(rf"/login\?next=/articles/{slug}%23comment-{comment_id}$")
    )
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_a_member_reads_it(
    open_as: OpenAs, discussion: tuple[str, int], screenshot: Screenshot
) -> None:
    slug, comment_id = discussion
    page = open_as("member")
    page.goto(f"/articles/{slug}")
    comment = page.locator(f"#comment-{comment_id}")
    expect(comment).to_contain_text(SECRET)
    expect(comment).to_contain_text("Tom Members")
    expect(comment).to_contain_text("Members only")
    expect(page.locator('meta[name="robots"]')).to_have_count(0)
    _accessible_at_both_widths(page)
    comment.scroll_into_view_if_needed()
    screenshot(page, "members-only-member")
