"""Moderator insights (issue #19): the figures, the page, its CSVs and the API."""

import csv
import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.comments import reporting as comment_flags
from app.comments.models import CommentStatus, Flag, FlagReason
from app.comments.schemas import FlagCreate
from app.db import utcnow
from app.errors import Invalid, PermissionDenied
from app.moderation import insights
from app.moderation import service as moderation_service
from app.moderation.models import Decision
from tests.factories import make_article, make_comment, make_user


@pytest.fixture
def activity(session: Session, moderator: User) -> None:
    """One comment waiting three days, one approved today after two days, one
    published at once and reported as a medical claim."""
    now = utcnow()
    article = make_article(session, title="=Spasticity in MS")
    make_comment(
        session,
        article,
        status=CommentStatus.PENDING,
        created_at=now - timedelta(days=3),
    )
    decided = make_comment(
        session,
        article,
        status=CommentStatus.PENDING,
        created_at=now - timedelta(days=2),
    )
    moderation_service.decide(session, decided, Decision.APPROVE, actor=moderator)
    live = make_comment(session, article)
    reader = make_user(session)
    comment_flags.flag_comment(
        session, live.id, FlagCreate(reason=FlagReason.MEDICAL_CLAIM), actor=reader
    )
    session.flush()


def test_stats_count_each_day_and_follow_the_queue(
    session: Session, moderator: User, activity: None
) -> None:
    figures = insights.stats(session, days=7, actor=moderator)
    assert len(figures.days) == 7
    today, yesterday, two_ago, three_ago = figures.days[-1], *figures.days[-2:-5:-1]
    assert (three_ago.posted, two_ago.posted, yesterday.posted, today.posted) == (
        1,
        1,
        0,
        1,
    )
    assert (today.approved, today.rejected, today.spam) == (1, 0, 0)
    assert (three_ago.pending_end, two_ago.pending_end, yesterday.pending_end) == (
        1,
        2,
        2,
    )
    assert today.pending_end == 1
    assert today.oldest_pending_hours == pytest.approx(72, abs=0.2)
    assert today.median_decision_minutes == pytest.approx(2 * 24 * 60, abs=5)
    assert yesterday.median_decision_minutes is None
    assert figures.days[0].pending_end == 0
    assert figures.days[0].oldest_pending_hours is None
    assert figures.reports_by_reason["medical_claim"] == 1
    assert figures.reports_by_reason["spam"] == 0
    assert [(b.title, b.comments) for b in figures.busiest] == [
        ("=Spasticity in MS", 3)
    ]


def test_stats_leave_out_comments_and_reports_before_the_window(
    session: Session, moderator: User
) -> None:
    """The busiest discussions and the reports count only the chosen days."""
    now = utcnow()
    old, recent = make_article(session, title="Old news"), make_article(session)
    reader = make_user(session)
    for n in range(3):
        comment = make_comment(session, old, created_at=now - timedelta(days=40 + n))
        comment_flags.flag_comment(
            session, comment.id, FlagCreate(reason=FlagReason.SPAM), actor=reader
        )
    session.flush()
    session.execute(
        update(Flag)
        .values(created_at=now - timedelta(days=40))
        .execution_options(synchronize_session=False)
    )
    make_comment(session, recent, created_at=now - timedelta(days=6))
    figures = insights.stats(session, days=7, actor=moderator)
    assert [b.title for b in figures.busiest] == [recent.title]
    assert figures.reports_by_reason["spam"] == 0
    wider = insights.stats(session, days=60, actor=moderator)
    assert [(b.title, b.comments) for b in wider.busiest] == [
        ("Old news", 3),
        (recent.title, 1),
    ]
    assert wider.reports_by_reason["spam"] == 3


def test_stats_are_for_moderators_within_a_year(session: Session) -> None:
    member = make_user(session)
    with pytest.raises(PermissionDenied):
        insights.stats(session, days=30, actor=member)
    with pytest.raises(PermissionDenied):
        insights.stats(session, days=30, actor=None)


@pytest.mark.parametrize("days", [0, 366, -5])
def test_stats_refuse_a_period_outside_one_to_365_days(
    session: Session, moderator: User, days: int
) -> None:
    with pytest.raises(Invalid, match="from 1 to 365"):
        insights.stats(session, days=days, actor=moderator)


def test_api_stats_give_the_contract_shape(mod_api: TestClient, activity: None) -> None:
    response = mod_api.get("/api/v1/moderation/stats?days=30")
    assert response.status_code == 200
    body = response.json()
    assert len(body["days"]) == 30
    assert set(body["days"][-1]) == {
        "date",
        "posted",
        "approved",
        "rejected",
        "spam",
        "pending_end",
        "oldest_pending_hours",
        "median_decision_minutes",
    }
    assert body["days"][-1]["date"] == utcnow().date().isoformat()
    assert body["reports_by_reason"]["medical_claim"] == 1
    assert body["busiest"][0]["comments"] == 3
    assert body["busiest"][0]["slug"]


@pytest.mark.parametrize("days", ["0", "366", "many"])
def test_api_stats_refuse_a_bad_period_in_a_sentence(
    mod_api: TestClient, days: str
) -> None:
    response = mod_api.get(f"/api/v1/moderation/stats?days={days}")
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], str)


def test_insights_page_shows_charts_with_tables(
    mod_client: TestClient, activity: None
) -> None:
    response = mod_client.get("/moderation/insights?days=7")
    assert response.status_code == 200
    assert response.template.name == "moderation/insights.html"  # type: ignore[attr-defined]
    html = response.text
    assert html.count('role="img"') == 6
    assert 'aria-labelledby="chart-status-title chart-status-desc"' in html
    assert '<title id="chart-queue-title">' in html
    assert html.count("<table>") == 3
    assert "Figures per day, last 7 days" in html
    assert "/moderation/insights/daily.csv?days=7" in html
    assert 'aria-current="page">Insights' in html


def test_insights_page_on_an_empty_site_says_so(mod_client: TestClient) -> None:
    html = mod_client.get("/moderation/insights").text
    assert "Nothing to chart yet" in html
    assert '<svg class="chart"' not in html


def test_insights_csv_is_a_download_safe_from_formulas(
    mod_client: TestClient, activity: None
) -> None:
    response = mod_client.get("/moderation/insights/busiest.csv?days=7")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == (
        'attachment; filename="haven-busiest-7d.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows == [["Article", "Comments"], ["'=Spasticity in MS", "3"]]
    daily = list(
        csv.reader(io.StringIO(mod_client.get("/moderation/insights/daily.csv").text))
    )
    assert len(daily) == 31
    assert mod_client.get("/moderation/insights/other.csv").status_code in (
        400,
        404,
        422,
    )
