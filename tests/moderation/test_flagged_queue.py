"""The queue's "flagged" view, and resolving reports: keep (dismiss) or remove."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.articles.models import Article
from app.comments import reporting
from app.comments.models import Comment, CommentStatus, Flag, FlagReason, QueueStatus
from app.comments.schemas import FlagCreate
from app.errors import Conflict, PermissionDenied
from app.moderation import service
from app.moderation.models import ActionKind, ModerationAction
from tests.conftest import QueryCounter
from tests.factories import make_article, make_comment, make_trusted_member, make_user
from tests.helpers import audit, csrf_from

FLAGGED = "/moderation?status=flagged"


@pytest.fixture
def article(session: Session) -> Article:
    return make_article(session, title="Fatigue and heat")


def report(
    session: Session,
    comment: Comment,
    *reasons: FlagReason,
    note: str | None = None,
) -> list[User]:
    """One trusted member per reason flags ``comment``; returns them, in order."""
    reporters = []
    for reason in reasons:
        reporter = make_trusted_member(session)
        reporting.flag_comment(
            session, comment.id, FlagCreate(reason=reason, note=note), actor=reporter
        )
        reporters.append(reporter)
    return reporters


def make_moderator(session: Session) -> User:
    return make_user(session, role=Role.MODERATOR)


def open_flags(session: Session, comment: Comment) -> list[Flag]:
    return list(
        session.scalars(
            select(Flag).where(
                Flag.comment_id == comment.id, Flag.resolved_at.is_(None)
            )
        )
    )


def press(client: TestClient, action: str, **fields: str) -> str:
    """Press a button in the flagged view; the page it leads back to."""
    token = csrf_from(client.get(FLAGGED).text)
    response = client.post(action, data={"csrf_token": token, **fields})
    assert response.status_code == 303, response.text
    return client.get(response.headers["location"]).text


def test_flagged_view_lists_reported_comments_most_reported_first(
    session: Session, mod_client: TestClient, mod_api: TestClient, article: Article
) -> None:
    author = make_user(session, display_name="Writer")
    once = make_comment(session, article, author=author, body="Reported once")
    twice = make_comment(session, article, author=author, body="Reported twice")
    older_once = make_comment(session, article, author=author, body="Older report")
    make_comment(session, article, author=author, body="Never reported")
    report(session, older_once, FlagReason.OFF_TOPIC)
    [earlier] = session.scalars(select(Flag).where(Flag.comment_id == older_once.id))
    earlier.created_at -= timedelta(hours=1)
    [reporter] = report(
        session, once, FlagReason.MEDICAL_CLAIM, note="Says to stop <b>all</b> meds"
    )
    report(session, twice, FlagReason.SPAM, FlagReason.ABUSIVE)
    dealt_with = make_comment(session, article, body="Already kept")
    report(session, dealt_with, FlagReason.SPAM)
    service.dismiss_flags(session, dealt_with, actor=make_moderator(session))

    html = mod_client.get(FLAGGED).text
    api = mod_api.get("/api/v1/moderation/queue?status=flagged").json()

    order = [html.index(f'id="queue-{c.id}"') for c in (twice, older_once, once)]
    assert order == sorted(order)
    assert "Never reported" not in html
    assert "Already kept" not in html
    item = html[html.index(f'id="queue-{once.id}"') :]
    assert "1 open report<" in item
    assert "Misleading medical claim" in item
    assert "Says to stop &lt;b&gt;all&lt;/b&gt; meds" in item
    assert reporter.display_name in item
    assert 'name="ids"' not in html  # no bulk approve/reject for published comments
    assert f"/moderation/flags/{once.id}/dismiss" in item
    assert f"/moderation/comments/{once.id}/remove" in item
    assert [entry["id"] for entry in api["items"]] == [twice.id, older_once.id, once.id]
    assert api["counts"]["flagged"] == 3
    assert api["total"] == 3
    flagged = api["items"][2]["flags"]
    assert flagged == [
        {
            "reason": "medical_claim",
            "note": "Says to stop <b>all</b> meds",
            "created_at": flagged[0]["created_at"],
            "reporter": {
                "display_name": reporter.display_name,
                "username": reporter.username,
            },
            "snapshot_body": "Reported once",
            "snapshot_html": once.body_html,
        }
    ]
    assert api["items"][2]["reported_html"] is None
    assert api["items"][0]["hidden_at"] is None


def test_other_views_do_not_carry_flags(
    session: Session, mod_api: TestClient, article: Article
) -> None:
    comment = make_comment(session, article)
    report(session, comment, FlagReason.SPAM)
    make_comment(session, article, status=CommentStatus.PENDING)

    pending = mod_api.get("/api/v1/moderation/queue").json()

    assert [item["flags"] for item in pending["items"]] == [[]]
    assert pending["counts"]["pending"] == 1
    assert pending["counts"]["flagged"] == 1


def test_the_navigation_counts_flagged_comments(
    session: Session, mod_client: TestClient, article: Article
) -> None:
    for _ in range(2):
        report(session, make_comment(session, article), FlagReason.SPAM)

    html = mod_client.get("/moderation").text

    assert '?status=flagged">Flagged <span class="count">2</span>' in html


def test_keeping_a_comment_dismisses_its_reports_and_shows_it_again(
    session: Session,
    mod_client: TestClient,
    moderator: User,
    client: TestClient,
    article: Article,
) -> None:
    comment = make_comment(session, article, body="Cold showers help me.")
    report(
        session, comment, FlagReason.SPAM, FlagReason.SPAM, FlagReason.OTHER, note="?"
    )
    assert comment.hidden_at is not None
    assert "Cold showers help me." not in client.get(f"/articles/{article.slug}").text

    page = press(mod_client, f"/moderation/flags/{comment.id}/dismiss", next=FLAGGED)

    session.refresh(comment)
    assert "kept; its reports are dismissed." in page
    assert "No reports" in page
    assert comment.hidden_at is None
    assert comment.status == CommentStatus.APPROVED
    resolved = session.scalars(select(Flag).where(Flag.comment_id == comment.id))
    assert {(f.resolved_by_id, f.resolved_at is not None) for f in resolved} == {
        (moderator.id, True)
    }
    assert audit(session, comment=comment, fields=("action", "actor_id")) == [
        (ActionKind.HIDE, None),
        (ActionKind.DISMISS_FLAGS, moderator.id),
    ]
    assert "Cold showers help me." in client.get(f"/articles/{article.slug}").text


def test_a_second_dismissal_is_refused(
    session: Session,
    mod_client: TestClient,
    mod_api: TestClient,
    moderator: User,
    article: Article,
) -> None:
    comment = make_comment(session, article)
    report(session, comment, FlagReason.ABUSIVE)

    first = mod_api.post(
        f"/api/v1/moderation/flags/{comment.id}/dismiss", json={"reason": "Fine"}
    )
    second = mod_api.post(f"/api/v1/moderation/flags/{comment.id}/dismiss")
    page = press(mod_client, f"/moderation/flags/{comment.id}/dismiss", next=FLAGGED)

    assert first.status_code == 200
    assert first.json()["status"] == "approved"
    assert first.json()["hidden_at"] is None
    assert second.status_code == 409
    assert second.json() == {
        "detail": "This comment has no open reports; they were already dealt with."
    }
    assert "they were already dealt with." in page
    rows = session.scalars(
        select(ModerationAction).where(ModerationAction.comment_id == comment.id)
    )
    assert [(r.action, r.reason) for r in rows] == [(ActionKind.DISMISS_FLAGS, "Fine")]


def test_a_new_report_after_a_dismissal_opens_the_case_again(
    session: Session, moderator: User, article: Article
) -> None:
    comment = make_comment(session, article)
    report(session, comment, FlagReason.SPAM, FlagReason.SPAM, FlagReason.SPAM)
    service.dismiss_flags(session, comment, actor=moderator)

    report(session, comment, FlagReason.ABUSIVE)

    assert comment.hidden_at is None  # one open report: under the threshold
    page = service.queue(
        session, status=QueueStatus.FLAGGED, per_page=50, actor=moderator
    )
    assert [(i.comment.id, len(i.flags)) for i in page.items] == [(comment.id, 1)]


def test_removing_a_reported_comment_resolves_its_reports(
    session: Session,
    mod_client: TestClient,
    moderator: User,
    client: TestClient,
    article: Article,
) -> None:
    comment = make_comment(session, article, body="Buy cheap baclofen here")
    reply = make_comment(session, article, parent=comment, body="Please don't.")
    report(session, comment, FlagReason.SPAM, FlagReason.SPAM, FlagReason.SPAM)

    page = press(
        mod_client,
        f"/moderation/comments/{comment.id}/remove",
        next=FLAGGED,
        seen="approved",
        reason="Advertising",
    )

    session.refresh(comment)
    assert "removed." in page
    assert "No reports" in page
    assert comment.status == CommentStatus.REMOVED
    assert comment.hidden_at is None
    assert open_flags(session, comment) == []
    assert audit(session, comment=comment, fields=("action", "actor_id")) == [
        (ActionKind.HIDE, None),
        (ActionKind.REMOVE, moderator.id),
    ]
    thread = client.get(f"/articles/{article.slug}").text
    assert "This comment was removed by a moderator." in thread
    assert "Please don't." in thread
    assert reply.status == CommentStatus.APPROVED


def test_removing_through_the_api_and_marking_spam_resolve_reports_too(
    session: Session, mod_api: TestClient, article: Article
) -> None:
    removed = make_comment(session, article)
    spam = make_comment(session, article)
    report(session, removed, FlagReason.ABUSIVE)
    report(session, spam, FlagReason.SPAM)

    answers = [
        mod_api.post(f"/api/v1/moderation/comments/{removed.id}/remove"),
        mod_api.post(
            f"/api/v1/moderation/comments/{spam.id}/spam", json={"seen": "approved"}
        ),
    ]

    assert [a.status_code for a in answers] == [200, 200]
    assert open_flags(session, removed) == []
    assert open_flags(session, spam) == []
    queue = mod_api.get("/api/v1/moderation/queue?status=flagged").json()
    assert queue["items"] == []
    assert queue["counts"]["flagged"] == 0


def test_only_moderators_resolve_reports(
    session: Session, article: Article, moderator: User
) -> None:
    comment = make_comment(session, article)
    [reporter] = report(session, comment, FlagReason.SPAM)
    banned_moderator = make_moderator(session)
    banned_moderator.banned_at = comment.created_at

    for actor in (None, reporter, banned_moderator):
        with pytest.raises(PermissionDenied):
            service.dismiss_flags(session, comment, actor=actor)
        with pytest.raises(PermissionDenied):
            service.queue(session, status=QueueStatus.FLAGGED, per_page=50, actor=actor)
    assert len(open_flags(session, comment)) == 1


def test_dismissing_a_comment_that_is_no_longer_published_is_refused(
    session: Session, moderator: User, article: Article
) -> None:
    comment = make_comment(session, article, status=CommentStatus.PENDING)

    with pytest.raises(Conflict, match="pending now"):
        service.dismiss_flags(session, comment, actor=moderator)


def test_moderators_see_a_hidden_comment_in_the_thread_with_a_badge(
    session: Session, mod_client: TestClient, article: Article
) -> None:
    comment = make_comment(session, article, body="Questionable claim")
    report(session, comment, FlagReason.MEDICAL_CLAIM, FlagReason.SPAM, FlagReason.SPAM)

    html = mod_client.get(f"/articles/{article.slug}").text

    assert "Questionable claim" in html
    assert "Hidden for review" in html


def test_the_flagged_view_costs_the_same_queries_for_few_and_many(
    session: Session,
    mod_client: TestClient,
    count_queries: QueryCounter,
    article: Article,
) -> None:
    authors = [make_user(session) for _ in range(6)]
    reasons = (FlagReason.SPAM, FlagReason.ABUSIVE, FlagReason.OTHER)

    def measure() -> int:
        with count_queries() as log:
            assert mod_client.get(FLAGGED).status_code == 200
        return len(log)

    def add(count: int) -> None:
        for i in range(count):
            comment = make_comment(session, article, author=authors[i % 6])
            report(session, comment, *reasons[: 1 + i % 3], note="why")

    add(2)
    few = measure()
    add(30)
    many = measure()

    assert few == many
    assert many <= 9
