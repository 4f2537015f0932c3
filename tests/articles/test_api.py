"""The articles part of the JSON contract."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.articles.models import ArticleStatus
from app.db import utcnow
from tests.factories import make_article, make_comment, make_user


def test_list_returns_published_articles_with_counts(
    client: TestClient, session: Session
) -> None:
    now = utcnow()
    old = make_article(
        session, title="Old", tags=["Symptoms"], published_at=now - timedelta(days=3)
    )
    make_article(session, title="New", published_at=now - timedelta(days=1))
    make_article(session, title="Draft", status=ArticleStatus.DRAFT)
    make_comment(session, old)

    body = client.get("/api/v1/articles").json()

    assert [item["title"] for item in body["items"]] == ["New", "Old"]
    assert body["total"] == 2
    assert body["page"] == 1
    assert body["pages"] == 1
    first_old = body["items"][1]
    assert first_old["comment_count"] == 1
    assert first_old["tags"] == [{"slug": "symptoms", "name": "Symptoms"}]
    assert set(first_old["author"]) == {"username", "display_name", "bio_html"}


def test_list_filters_by_tag_and_query(client: TestClient, session: Session) -> None:
    make_article(session, title="Heat and MS", tags=["Heat"])
    make_article(session, title="Fatigue tips", tags=["Fatigue"])

    by_tag = client.get("/api/v1/articles?tag=heat").json()
    by_query = client.get("/api/v1/articles?q=fatigue").json()

    assert [i["title"] for i in by_tag["items"]] == ["Heat and MS"]
    assert [i["title"] for i in by_query["items"]] == ["Fatigue tips"]
    assert client.get("/api/v1/articles?tag=unknown").status_code == 404


def test_the_query_finds_words_by_the_search_rule(
    client: TestClient, session: Session
) -> None:
    make_article(session, title="Side effects", body="Baclofen can make you drowsy.")
    make_article(session, title="Spasticity", body="Stiff muscles.")

    def titles(q: str) -> list[str]:
        body = client.get("/api/v1/articles", params={"q": q}).json()
        return [item["title"] for item in body["items"]]

    # Whole words and their forms, in any order; not any part of a word.
    assert titles("baclofen side effect") == ["Side effects"]
    assert titles("spas") == []
    assert titles('"%" ( NEAR') == []


def test_detail_has_body_author_bio_and_state(
    client: TestClient, session: Session
) -> None:
    author = make_user(session, role=Role.ADMIN, bio="I am *kind*.")
    article = make_article(session, author=author, body="Hello **world**")

    body = client.get(f"/api/v1/articles/{article.slug}").json()

    assert body["body_html"] == "<p>Hello <strong>world</strong></p>"
    assert body["author"]["bio_html"] == "<p>I am <em>kind</em>.</p>"
    assert body["comments_open"] is True
    assert "email" not in str(body)


def test_unknown_slug_is_json_404(client: TestClient) -> None:
    response = client.get("/api/v1/articles/missing")
    assert response.status_code == 404
    assert response.json() == {"detail": "No article at this address."}


def test_unknown_api_route_is_json_404(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize("page", ["-1", "0", "abc"])
def test_bad_page_is_422_with_detail(client: TestClient, page: str) -> None:
    response = client.get(f"/api/v1/articles?page={page}")
    assert response.status_code == 422
    assert "page" in response.json()["detail"]


def test_page_past_the_end_is_empty(client: TestClient, session: Session) -> None:
    make_article(session)
    body = client.get("/api/v1/articles?page=999999").json()
    assert body["items"] == []
    assert body["total"] == 1


def test_draft_is_404_for_anonymous(client: TestClient, session: Session) -> None:
    draft = make_article(session, status=ArticleStatus.DRAFT)
    assert client.get(f"/api/v1/articles/{draft.slug}").status_code == 404
