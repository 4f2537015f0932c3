"""Auto-close: discussions close N days after publication; moderators reopen them (#5, part A)."""

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.articles.models import Article
from app.comments import service as comments_service
from app.db import utcnow
from app.errors import Conflict
from app.moderation import service as moderation_service
from app.moderation.models import ActionKind, ModerationAction
from app.moderation.policy import Policy, forget_policy, update_policy
from app.moderation.schemas import PolicyUpdate
from tests.conftest import AppFactory, QueryCounter
from tests.factories import make_admin, make_article, make_user
from tests.helpers import api_token, csrf_from, login
from tests.moderation.pages import hidden_fields

CLOSED = "Comments are closed."


def aged(session: Session, days: float) -> Article:
    return make_article(session, published_at=utcnow() - timedelta(days=days))


@pytest.fixture
def thirty_days(session: Session) -> Policy:
    return update_policy(
        session, PolicyUpdate(auto_close_days=30), actor=make_admin(session)
    )


@pytest.mark.parametrize(
    ("days", "limit", "open_"),
    [(29.9, 30, True), (30.1, 30, False), (3650, 0, True), (0, 1, True)],
)
def test_comments_open_on_both_sides_of_the_limit(
    session: Session, days: float, limit: int, open_: bool
) -> None:
    article = aged(session, days)
    policy = Policy(auto_close_days=limit)
    assert comments_service.comments_open(article, policy) is open_


def test_the_limit_counts_from_publication_to_the_second(session: Session) -> None:
    published = datetime(2026, 1, 1, 12, 0, tzinfo=utcnow().tzinfo)
    article = make_article(session, published_at=published)
    policy = Policy(auto_close_days=10)
    just_before = published + timedelta(days=10, seconds=-1)
    assert comments_service.comments_open(article, policy, just_before)
    assert not comments_service.comments_open(
        article, policy, just_before + timedelta(seconds=1)
    )


@pytest.fixture
def member(session: Session) -> User:
    return make_user(session)


@pytest.fixture
def member_client(app_factory: AppFactory, member: User) -> Iterator[TestClient]:
    with TestClient(app_factory(), follow_redirects=False) as client:
        login(client, member.username)
        client.headers["Authorization"] = f"Bearer {api_token(client, member.username)}"
        yield client


def test_auto_closed_article_shows_closed_and_refuses_both_faces(
    session: Session, member_client: TestClient
) -> None:
    article = aged(session, 31)
    form = member_client.get(f"/articles/{article.slug}").text  # still open
    update_policy(session, PolicyUpdate(auto_close_days=30), actor=make_admin(session))
    page = member_client.get(f"/articles/{article.slug}").text
    assert CLOSED in page
    assert 'id="comment-form"' not in page
    api = member_client.post(
        f"/api/v1/articles/{article.slug}/comments", json={"body": "Still there?"}
    )
    assert (api.status_code, api.json()) == (409, {"detail": CLOSED})
    html = member_client.post(
        f"/articles/{article.slug}/comments",
        data={**hidden_fields(form), "body": "Still there?", "action": "post"},
    )
    assert html.status_code == 409
    assert CLOSED in html.text
    assert "Still there?" in html.text  # what was typed is kept
    detail = member_client.get(f"/api/v1/articles/{article.slug}").json()
    assert detail["comments_open"] is False
    thread = member_client.get(f"/api/v1/articles/{article.slug}/comments").json()
    assert thread["comments_open"] is False


@pytest.mark.usefixtures("thirty_days")
def test_young_article_stays_open(session: Session, member_client: TestClient) -> None:
    article = aged(session, 29)
    page = member_client.get(f"/articles/{article.slug}").text
    assert CLOSED not in page
    assert 'id="comment-form"' in page
    assert member_client.get(f"/api/v1/articles/{article.slug}").json()["comments_open"]


@pytest.mark.usefixtures("thirty_days")
def test_moderator_reopens_an_auto_closed_article_in_the_pages(
    session: Session, mod_client: TestClient, member_client: TestClient
) -> None:
    article = aged(session, 90)
    page = mod_client.get(f"/articles/{article.slug}").text
    assert "Reopen comments" in page
    response = mod_client.post(
        f"/articles/{article.slug}/reopen",
        data={"csrf_token": csrf_from(page), "reason": "One more question came in"},
    )
    assert response.status_code == 303
    assert "Discussion reopened." in mod_client.get(response.headers["location"]).text
    reader = member_client.get(f"/articles/{article.slug}").text
    assert CLOSED not in reader
    posted = member_client.post(
        f"/api/v1/articles/{article.slug}/comments",
        json={"body": "Thanks for reopening"},
    )
    assert posted.status_code == 201
    entry = session.scalars(
        select(ModerationAction).where(ModerationAction.article_id == article.id)
    ).one()
    assert (entry.action, entry.reason) == (
        ActionKind.REOPEN,
        "One more question came in",
    )


@pytest.mark.usefixtures("thirty_days")
def test_moderator_reopens_over_the_api_and_the_clock_restarts(
    session: Session, mod_api: TestClient
) -> None:
    article = aged(session, 90)
    response = mod_api.post(f"/api/v1/articles/{article.slug}/reopen", json={})
    assert response.status_code == 200
    body = response.json()
    assert body["comments_closed_at"] is None
    assert body["comments_reopened_at"] is not None
    session.refresh(article)
    policy = Policy(auto_close_days=30)
    assert comments_service.comments_open(article, policy)
    assert not comments_service.comments_open(
        article, policy, utcnow() + timedelta(days=31)
    )
    again = mod_api.post(f"/api/v1/articles/{article.slug}/reopen", json={})
    assert (again.status_code, again.json()) == (
        409,
        {"detail": "This discussion is already open."},
    )


@pytest.mark.usefixtures("thirty_days")
def test_closing_an_auto_closed_article_is_refused(
    session: Session, mod_api: TestClient
) -> None:
    article = aged(session, 31)
    response = mod_api.post(f"/api/v1/articles/{article.slug}/close", json={})
    assert (response.status_code, response.json()) == (
        409,
        {"detail": "This discussion is already closed."},
    )


@pytest.mark.usefixtures("thirty_days")
def test_a_reopened_article_can_be_closed_by_hand_and_reopened(
    session: Session,
) -> None:
    moderator = make_user(session, role=Role.MODERATOR)
    article = aged(session, 31)
    moderation_service.reopen_thread(session, article, actor=moderator)
    moderation_service.close_thread(session, article, actor=moderator)
    assert not comments_service.comments_open(article, Policy(auto_close_days=30))
    moderation_service.reopen_thread(session, article, actor=moderator)
    assert comments_service.comments_open(article, Policy(auto_close_days=30))


@pytest.mark.usefixtures("thirty_days")
def test_members_cannot_reopen(session: Session, member: User) -> None:
    article = aged(session, 31)
    with pytest.raises(Exception, match="Only moderators"):
        moderation_service.reopen_thread(session, article, actor=member)
    with pytest.raises(Conflict):
        moderation_service.close_thread(
            session, article, actor=make_user(session, role=Role.MODERATOR)
        )


@pytest.mark.parametrize("limit", [0, 30])
def test_thread_page_reads_the_policy_once(
    session: Session,
    client: TestClient,
    count_queries: QueryCounter,
    limit: int,
) -> None:
    update_policy(
        session, PolicyUpdate(auto_close_days=limit), actor=make_admin(session)
    )
    article = aged(session, 10)
    session.info.pop("haven_policy", None)  # as a new request's session starts
    forget_policy()  # as a worker that has not read it yet
    with count_queries() as queries:
        assert client.get(f"/articles/{article.slug}").status_code == 200
    reads = [q for q in queries.statements if "site_setting" in q]
    assert len(reads) == 1

    # The process keeps it by the settings version: the next page reads none.
    session.info.pop("haven_policy", None)
    with count_queries() as queries:
        assert client.get(f"/articles/{article.slug}?page=2").status_code == 200
    assert not [q for q in queries.statements if "site_setting" in q]
