"""Reading pages: home, article, tag, search, errors."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.articles.models import ArticleStatus
from app.comments.models import CommentStatus
from app.db import utcnow
from tests.conftest import AppFactory
from tests.factories import make_article, make_comment, make_user


def test_home_lists_published_articles_newest_first(
    client: TestClient, session: Session
) -> None:
    now = utcnow()
    make_article(session, title="Older piece", published_at=now - timedelta(days=2))
    make_article(session, title="Newer piece", published_at=now - timedelta(days=1))
    make_article(session, title="Secret draft", status=ArticleStatus.DRAFT)

    response = client.get("/")

    assert response.status_code == 200
    assert response.template.name == "articles/index.html"  # type: ignore[attr-defined]
    assert response.text.index("Newer piece") < response.text.index("Older piece")
    assert "Secret draft" not in response.text


def test_home_shows_author_date_tags_and_comment_count(
    client: TestClient, session: Session
) -> None:
    author = make_user(session, display_name="Nurse Rowan", role=Role.ADMIN)
    article = make_article(
        session,
        title="Fatigue",
        author=author,
        tags=["Symptoms"],
        summary="Tired all day",
    )
    make_comment(session, article)
    make_comment(session, article)
    make_comment(session, article, status=CommentStatus.PENDING)

    text = client.get("/").text

    assert "Nurse Rowan" in text
    assert "Tired all day" in text
    assert 'href="/tags/symptoms"' in text
    assert "2 comments" in text


def test_home_paginates(client: TestClient, session: Session) -> None:
    now = utcnow()
    for i in range(12):
        make_article(
            session, title=f"Piece {i:02d}", published_at=now - timedelta(hours=i)
        )

    first = client.get("/").text
    second = client.get("/?page=2").text

    assert "Piece 00" in first
    assert "Piece 09" in first
    assert "Piece 10" not in first
    assert "Piece 10" in second
    assert "Piece 11" in second
    assert "Piece 00" not in second
    assert "Page 2 of 2" in second


@pytest.mark.parametrize(
    ("page", "status"), [("-1", 400), ("0", 400), ("abc", 400), ("1.5", 400)]
)
def test_bad_page_numbers_are_a_clear_4xx(
    client: TestClient, page: str, status: int
) -> None:
    response = client.get(f"/?page={page}")
    assert response.status_code == status
    assert "page" in response.text
    assert response.template.name == "errors/error.html"  # type: ignore[attr-defined]


def test_page_past_the_end_is_empty_not_an_error(
    client: TestClient, session: Session
) -> None:
    make_article(session)
    response = client.get("/?page=999999")
    assert response.status_code == 200
    assert "There are no more articles" in response.text


def test_empty_site_has_a_helpful_empty_state(client: TestClient) -> None:
    assert "No articles yet" in client.get("/").text


def test_search_finds_title_and_body(client: TestClient, session: Session) -> None:
    make_article(session, title="Spasticity explained", body="Muscles feel stiff.")
    make_article(session, title="Fatigue", body="Energy runs low; spasticity is rare.")
    make_article(session, title="Heat", body="Warm days.")

    # The old address of a search now leads to the full-text search (#17),
    # which finds whole words (and their forms), not any part of a word.
    response = client.get("/?q=spasticity", follow_redirects=True)
    text = response.text

    assert response.template.name == "search/results.html"  # type: ignore[attr-defined]
    assert "Spasticity explained" in text
    assert "Fatigue" in text
    assert "Heat" not in text
    assert "2 results in articles and comments" in text


def test_search_treats_wildcards_literally(
    client: TestClient, session: Session
) -> None:
    make_article(session, title="Plain")
    response = client.get("/?q=%25", follow_redirects=True)
    assert "No results for “%”" in response.text


def test_article_page_shows_body_author_box_and_thread(
    client: TestClient, session: Session
) -> None:
    author = make_user(
        session, role=Role.ADMIN, display_name="Dr Ada", bio="MS nurse for *20 years*."
    )
    article = make_article(
        session, title="What is spasticity?", author=author, body="## Stiff\n\nText."
    )
    top = make_comment(session, article, body="First experience")
    reply = make_comment(session, article, parent=top, body="A reply")
    make_comment(session, article, parent=reply, body="A reply to the reply")
    make_comment(
        session, article, body="Not yet approved", status=CommentStatus.PENDING
    )

    response = client.get(f"/articles/{article.slug}")

    assert response.status_code == 200
    text = response.text
    assert "<h2>Stiff</h2>" in text
    assert "About the author" in text
    assert "Dr Ada" in text
    assert "<em>20 years</em>" in text
    assert "First experience" in text
    assert "A reply to the reply" in text
    assert "Not yet approved" not in text
    assert 'id="comment-' in text
    assert text.count('class="thread thread--replies"') == 2


def test_user_text_is_escaped_in_pages(client: TestClient, session: Session) -> None:
    article = make_article(
        session,
        title="<script>alert('t')</script>",
        summary="<img src=x onerror=alert(1)>",
    )
    text = client.get(f"/articles/{article.slug}").text + client.get("/").text
    assert "<script>alert" not in text
    assert "&lt;script&gt;" in text
    assert "<img src=x" not in text


def test_unknown_article_is_a_404_page(client: TestClient) -> None:
    response = client.get("/articles/no-such-thing")
    assert response.status_code == 404
    assert response.template.name == "errors/404.html"  # type: ignore[attr-defined]
    assert "Page not found" in response.text


def test_unknown_route_is_a_404_page(client: TestClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_draft_is_not_found_for_readers(client: TestClient, session: Session) -> None:
    draft = make_article(session, status=ArticleStatus.DRAFT)
    assert client.get(f"/articles/{draft.slug}").status_code == 404


def test_tag_page_lists_only_tagged_articles(
    client: TestClient, session: Session
) -> None:
    make_article(session, title="Tagged one", tags=["Mobility"])
    make_article(session, title="Other one", tags=["Fatigue"])

    response = client.get("/tags/mobility")

    assert response.status_code == 200
    assert "Tagged one" in response.text
    assert "Other one" not in response.text
    assert client.get("/tags/nope").status_code == 404


def test_server_error_renders_the_500_page(app_factory: AppFactory) -> None:
    app = app_factory()

    @app.get("/explode")
    def explode() -> None:
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/explode")
    assert response.status_code == 500
    assert "Sorry, something went wrong" in response.text
    assert "boom" not in response.text
