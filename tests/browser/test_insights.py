"""Issue #19 in a real browser: the moderators' insights page, its charts read
as images with a title and a description, a table behind each, at phone and
desktop widths, with nothing wider than the screen."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from app.accounts import service as accounts_service
from app.comments import reporting
from app.comments.models import CommentStatus, Flag, FlagReason
from app.comments.schemas import FlagCreate
from app.db import utcnow
from app.moderation import service as moderation_service
from app.moderation.models import Decision
from tests.browser.conftest import WIDTHS, LiveServer, OpenAs, Screenshot, Seed
from tests.browser.test_accessibility import describe, serious_violations
from tests.factories import make_article, make_comment, make_trusted_member

pytestmark = pytest.mark.browser

# A chart label's box is about 10 px high when its text reads at 12 px; drawn
# 640 units wide and shrunk onto a phone, it was under 6.
READABLE_PX = 8
# Each chart and the table holding its figures.
CHARTS = {
    "chart-status": "Figures per day, last 30 days",
    "chart-queue": "Figures per day, last 30 days",
    "chart-oldest": "Figures per day, last 30 days",
    "chart-median": "Figures per day, last 30 days",
    "chart-reasons": "Reports by reason, last 30 days",
    "chart-busiest": "Busiest discussions, last 30 days",
}


@pytest.fixture(scope="module")
def activity(live_server: LiveServer, seed: Seed) -> int:
    """A fortnight of comments on two discussions (one with a long title), some
    held and decided, some still waiting, and reports of three kinds. Returns
    how many medical-claim reports the site had before (other browser tests
    share its database)."""
    now = utcnow()
    with live_server.data() as session:
        earlier = session.scalar(
            select(func.count())
            .select_from(Flag)
            .where(Flag.reason == FlagReason.MEDICAL_CLAIM)
        )
        moderator = accounts_service.get_user(session, seed.usernames["moderator"])
        busy = make_article(
            session,
            title="Baclofen, tizanidine and the long nights of spasms: "
            "what members found helped",
        )
        quiet = make_article(session, title="Cooling vests")
        reporter = make_trusted_member(session)
        for day in range(14):
            for n in range(day % 4 + 1):
                make_comment(
                    session,
                    busy if n % 3 else quiet,
                    created_at=now - timedelta(days=day, hours=n),
                )
            held = make_comment(
                session,
                busy,
                status=CommentStatus.PENDING,
                created_at=now - timedelta(days=day, hours=6),
            )
            if day % 3:
                moderation_service.decide(
                    session,
                    held,
                    Decision.APPROVE if day % 2 else Decision.REJECT,
                    actor=moderator,
                )
        for reason in (FlagReason.SPAM, FlagReason.ABUSIVE, FlagReason.MEDICAL_CLAIM):
            comment = make_comment(session, quiet)
            reporting.flag_comment(
                session, comment.id, FlagCreate(reason=reason), actor=reporter
            )
    return earlier or 0


def _fits(page: Page, width: int) -> None:
    """Nothing on the page is wider than the screen: no sideways scrolling, and
    every chart drawn inside the viewport with labels still readable (a chart
    shrunk to fit a phone shrinks its text with it)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for chart in page.locator("svg.chart").all():
        box = chart.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= width
    smallest = page.evaluate(
        "Math.min(...[...document.querySelectorAll('svg.chart text')]"
        ".map(t => t.getBoundingClientRect().height))"
    )
    assert smallest >= READABLE_PX, f"chart labels {smallest:.1f} px high"


@pytest.mark.parametrize("width", WIDTHS)
def test_insights_charts_read_as_images_with_their_tables(
    open_as: OpenAs, activity: int, screenshot: Screenshot, width: int
) -> None:
    page = open_as("moderator")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/moderation/insights?days=30")
    expect(page.get_by_role("heading", name="Moderation insights")).to_be_visible()
    for chart_id, caption in CHARTS.items():
        chart = page.locator(f"#{chart_id}")
        expect(chart).to_have_attribute("role", "img")
        expect(chart).to_have_attribute(
            "aria-labelledby", f"{chart_id}-title {chart_id}-desc"
        )
        expect(chart.locator(f"title#{chart_id}-title")).not_to_be_empty()
        expect(chart.locator(f"desc#{chart_id}-desc")).to_contain_text("table below")
        table = page.get_by_role("table", name=caption)
        expect(table).to_be_attached()
    expect(
        page.get_by_role("table", name="Busiest discussions, last 30 days")
    ).to_contain_text("Cooling vests")
    expect(
        page.get_by_role("table", name="Reports by reason, last 30 days")
        .get_by_role("row", name="Medical claim")
        .get_by_role("cell")
    ).to_have_text(str(activity + 1))
    _fits(page, width)
    violations = serious_violations(page)
    assert not violations, describe(violations)
    if width == WIDTHS[0]:
        screenshot(page, "moderation-insights")
