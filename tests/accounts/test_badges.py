"""Roles people trust (issue #15): admins give a member a badge from the
site's list, shown beside their name everywhere; an article's author is marked
"Author" in its discussion."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.articles.models import Article
from app.comments.models import CommentStatus
from app.moderation.models import ActionKind, ModerationAction
from tests.factories import make_admin, make_article, make_comment, make_user
from tests.helpers import api_token, login, post_form

NURSE = '<span class="badge badge--member">MS nurse</span>'


@pytest.fixture
def nurse(session: Session) -> User:
    return make_user(session, username="nina", display_name="Nina")


@pytest.fixture
def article(session: Session, admin: User) -> Article:
    return make_article(session, author=admin)


def _bearer(client: TestClient, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(client, user.username)}"}


def test_an_admin_gives_a_badge_shown_beside_the_name_everywhere(
    session: Session,
    client: TestClient,
    admin: User,
    nurse: User,
    article: Article,
) -> None:
    make_comment(session, article, author=nurse, body="Baclofen tips")
    page = f"/articles/{article.slug}"
    assert NURSE not in client.get(page).text  # cached before the badge

    response = client.put(
        f"/api/v1/users/{nurse.username}/badge",
        json={"badge": "ms NURSE"},
        headers=_bearer(client, admin),
    )

    assert response.status_code == 200
    assert response.json()["badge"] == "MS nurse"
    assert NURSE in client.get(page).text  # the discussion's version moved
    items = client.get(f"/api/v1/articles/{article.slug}/comments").json()["items"]
    assert [item["badge"] for item in items] == ["MS nurse"]
    assert NURSE in client.get(f"/users/{nurse.username}").text
    assert client.get(f"/api/v1/users/{nurse.username}").json()["badge"] == "MS nurse"
    (entry,) = session.scalars(
        select(ModerationAction).where(ModerationAction.action == ActionKind.SET_BADGE)
    )
    assert (entry.actor_id, entry.subject_user_id, entry.reason) == (
        admin.id,
        nurse.id,
        "badge set to MS nurse",
    )


def test_a_badge_not_on_the_list_is_refused(
    session: Session, client: TestClient, admin: User, nurse: User
) -> None:
    response = client.put(
        f"/api/v1/users/{nurse.username}/badge",
        json={"badge": "doctor"},
        headers=_bearer(client, admin),
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "Please choose a badge from the list, or none."
    session.refresh(nurse)
    assert nurse.badge is None


def test_moderators_and_members_may_not_give_badges(
    session: Session, client: TestClient, moderator: User, nurse: User
) -> None:
    for user in (moderator, nurse):
        response = client.put(
            f"/api/v1/users/{nurse.username}/badge",
            json={"badge": "carer"},
            headers=_bearer(client, user),
        )
        assert response.status_code == 403
    session.refresh(nurse)
    assert nurse.badge is None


def test_the_member_record_offers_admins_the_badge_form(
    session: Session, client: TestClient, admin: User, nurse: User
) -> None:
    login(client, admin.username)
    record = f"/users/{nurse.username}/moderation"
    assert '<select id="badge-choice" name="badge">' in client.get(record).text

    given = post_form(
        client, record, f"/users/{nurse.username}/badge", {"badge": "physio"}
    )
    assert given.status_code == 303
    assert given.headers["location"] == f"{record}#badge"
    assert "Nina now wears the badge “physio”." in client.get(record).text
    taken = post_form(client, record, f"/users/{nurse.username}/badge", {"badge": ""})
    assert taken.status_code == 303
    session.refresh(nurse)
    assert nurse.badge is None
    reasons = session.scalars(
        select(ModerationAction.reason)
        .where(ModerationAction.action == ActionKind.SET_BADGE)
        .order_by(ModerationAction.id)
    ).all()
    assert reasons == ["badge set to physio", "badge removed"]


def test_moderators_see_no_badge_form(mod_client: TestClient, nurse: User) -> None:
    record = mod_client.get(f"/users/{nurse.username}/moderation").text
    assert 'name="badge"' not in record


def test_the_articles_author_is_marked_in_its_discussion(
    session: Session, client: TestClient, admin: User, nurse: User, article: Article
) -> None:
    by_author = make_comment(session, article, author=admin, body="Thanks all")
    by_member = make_comment(session, article, author=nurse, body="Thank you")
    other_article = make_article(session, author=make_admin(session))
    make_comment(session, other_article, author=admin)

    page = client.get(f"/articles/{article.slug}").text
    author_mark = '<span class="badge badge--author">Author</span>'
    assert page.count(author_mark) == 1
    block = page[page.index(f'id="comment-{by_author.id}"') :]
    assert block.index(author_mark) < block.index("Thanks all")
    items = client.get(f"/api/v1/articles/{article.slug}/comments").json()["items"]
    assert {item["id"]: item["is_article_author"] for item in items} == {
        by_author.id: True,
        by_member.id: False,
    }
    other = client.get(f"/api/v1/articles/{other_article.slug}/comments").json()
    assert [item["is_article_author"] for item in other["items"]] == [False]


def test_the_queue_shows_the_badge_in_both_faces(
    session: Session,
    mod_client: TestClient,
    mod_api: TestClient,
    nurse: User,
    article: Article,
) -> None:
    nurse.badge = "MS nurse"
    make_comment(session, article, author=nurse, status=CommentStatus.PENDING)

    assert NURSE in mod_client.get("/moderation").text
    (item,) = mod_api.get("/api/v1/moderation/queue").json()["items"]
    assert item["author"]["badge"] == "MS nurse"
