"""Coming back to where you were (#18): "Sign in" and "create a free account"
carry the page to return to, and only a path on this site is ever followed."""

import re
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.articles.models import ArticleStatus
from app.web import safe_next, with_next
from tests.factories import TEST_PASSWORD, make_article, make_user
from tests.helpers import csrf_from

# Ways an address can leave the site while looking like a path.
FOREIGN = [
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "https://evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    "data:text/html,hi",
    "evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/x\r\nSet-Cookie: a=b",
    "/\x00/evil.example",
    "/%2F%2Fevil.example",
    "/%2f/evil.example",
    "%2F%2Fevil.example",
    "/%5Cevil.example",
    "/%5cevil.example",
    "/%252F%252Fevil.example",
    "/%09/evil.example",
    "https%3A%2F%2Fevil.example",
    "/" + "a" * 3000,
]

LOCAL = ["/", "/articles/what-is-spasticity#comments", "/search?q=fatigue&page=2"]


@pytest.mark.parametrize("target", FOREIGN)
def test_safe_next_refuses_every_way_off_the_site(target: str) -> None:
    assert safe_next(target, "/home") == "/home"
    assert with_next("/login", target) == "/login"


@pytest.mark.parametrize("target", LOCAL)
def test_safe_next_keeps_a_path_on_this_site(target: str) -> None:
    assert safe_next(target, "/home") == target


def test_with_next_keeps_the_path_readable_and_the_fragment_inside() -> None:
    assert (
        with_next("/login", "/articles/a#comments")
        == "/login?next=/articles/a%23comments"
    )


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "/%2F%2Fx"])
def test_signing_in_never_leaves_the_site(
    session: Session, client: TestClient, target: str
) -> None:
    member = make_user(session).username
    page = client.get("/login", params={"next": target}).text
    assert f'value="{target}"' not in page

    response = client.post(
        "/login",
        data={
            "username": member,
            "password": TEST_PASSWORD,
            "next": target,
            "csrf_token": csrf_from(page),
        },
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/"


def _links(html: str) -> dict[str, str]:
    """The text and address of each link on a page."""
    return {
        re.sub(r"\s+", " ", text).strip(): unescape(href)
        for href, text in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', html)
    }


def test_article_links_sign_in_and_sign_up_with_the_way_back(
    session: Session, client: TestClient
) -> None:
    article = make_article(session, status=ArticleStatus.PUBLISHED)

    links = _links(client.get(f"/articles/{article.slug}").text)

    back = f"/articles/{article.slug}%23comments"
    assert links["Sign in to join the discussion"] == f"/login?next={back}"
    assert links["create a free account"] == f"/register?next={back}"


def test_registering_returns_to_the_article(
    session: Session, client: TestClient
) -> None:
    article = make_article(session, status=ArticleStatus.PUBLISHED)
    back = f"/articles/{article.slug}#comments"
    page = client.get("/register", params={"next": back}).text
    # Changing one's mind on the way keeps the way back.
    assert _links(page)["Sign in"] == f"/login?next=/articles/{article.slug}%23comments"

    response = client.post(
        "/register",
        data={
            "username": "newcomer",
            "email": "newcomer@example.org",
            "password": "lavender fields in june",
            "next": back,
            "csrf_token": csrf_from(page),
        },
    )

    assert response.status_code == 303
    assert response.headers["location"] == back


def test_a_refused_sign_up_keeps_the_way_back(client: TestClient) -> None:
    page = client.get("/register", params={"next": "/articles/a"}).text

    response = client.post(
        "/register",
        data={"username": "x", "next": "/articles/a", "csrf_token": csrf_from(page)},
    )

    assert response.status_code == 422
    assert 'name="next" value="/articles/a"' in response.text


def test_the_login_page_offers_sign_up_with_the_same_way_back(
    client: TestClient,
) -> None:
    page = client.get("/login", params={"next": "/articles/a#comments"}).text

    assert _links(page)["Create an account"] == "/register?next=/articles/a%23comments"
