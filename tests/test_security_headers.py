"""Security headers on every response, and no-store on every personal one (#16)."""

import base64
import hashlib
import re
from collections.abc import Iterator

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.conftest import AppFactory
from tests.factories import make_article, make_comment, make_user
from tests.helpers import login, sign_in_as

ALWAYS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def assert_hardened(headers: httpx2.Headers) -> None:
    for name, value in ALWAYS.items():
        assert headers[name] == value, name
    policy = headers["content-security-policy"]
    directives = {
        part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()
    }
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in directives["style-src"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        ("/articles/{slug}", 200),
        ("/login", 200),
        ("/api/v1/articles/{slug}/comments", 200),
        ("/api/v1/articles", 200),
        ("/static/css/haven.css", 200),
        ("/static/js/haven.js", 200),
        ("/articles/no-such-article", 404),
        ("/api/v1/articles/no-such-article/comments", 404),
        ("/settings", 303),
        ("/api/v1/me", 401),
        ("/healthz", 200),
    ],
)
def test_every_response_carries_the_security_headers(
    client: TestClient, session: Session, path: str, status: int
) -> None:
    article = make_article(session)
    response = client.get(path.format(slug=article.slug))

    assert response.status_code == status
    assert_hardened(response.headers)
    assert "strict-transport-security" not in response.headers  # base_url is http


def test_a_cached_public_page_keeps_the_headers_when_served_from_the_cache(
    client: TestClient, session: Session
) -> None:
    article = make_article(session)
    client.get(f"/articles/{article.slug}")  # fills the cache
    again = client.get(f"/articles/{article.slug}")
    etag = again.headers["etag"]
    not_modified = client.get(
        f"/articles/{article.slug}", headers={"If-None-Match": etag}
    )

    assert_hardened(again.headers)
    assert again.headers["cache-control"] == "no-cache"
    assert not_modified.status_code == 304
    assert_hardened(not_modified.headers)


def test_a_post_and_a_form_error_carry_the_headers(client: TestClient) -> None:
    response = client.post("/login", data={"username": "x", "password": "y"})

    assert response.status_code == 403  # no CSRF token
    assert_hardened(response.headers)
    assert response.headers["cache-control"] == "no-store"


def test_an_unhandled_error_page_carries_the_headers(
    app_factory: AppFactory,
) -> None:
    app = app_factory()

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False) as test_client:
        response = test_client.get("/boom")

    assert response.status_code == 500
    assert_hardened(response.headers)


def test_strict_transport_security_only_when_the_site_is_https(
    app_factory: AppFactory,
) -> None:
    with TestClient(app_factory(base_url="https://haven.example")) as secure:
        response = secure.get("/login")

    assert response.headers["strict-transport-security"].startswith("max-age=")
    assert_hardened(response.headers)


@pytest.fixture
def member_client(app_factory: AppFactory, session: Session) -> Iterator[TestClient]:
    make_user(session, username="kai")
    with TestClient(app_factory(), follow_redirects=False) as test_client:
        yield test_client


@pytest.mark.parametrize("path", ["/", "/articles/{slug}", "/settings", "/users/kai"])
def test_pages_for_a_signed_in_person_are_never_stored(
    member_client: TestClient, session: Session, path: str
) -> None:
    article = make_article(session)
    login(member_client, "kai")

    response = member_client.get(path.format(slug=article.slug))

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert_hardened(response.headers)


@pytest.mark.parametrize(
    "path",
    ["/api/v1/articles", "/api/v1/articles/{slug}/comments", "/api/v1/me"],
)
def test_api_answers_for_a_bearer_token_are_never_stored(
    member_client: TestClient, session: Session, path: str
) -> None:
    article = make_article(session)
    make_comment(session, article)
    sign_in_as(member_client, "kai", api=True)

    response = member_client.get(path.format(slug=article.slug))

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"


def test_a_page_that_sets_a_cookie_is_never_stored(client: TestClient) -> None:
    response = client.get("/login")  # its form binds a CSRF token to a new cookie

    assert "set-cookie" in response.headers
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "path", ["/", "/articles/{slug}", "/api/v1/articles/{slug}/comments"]
)
def test_anonymous_public_reads_keep_their_cache_headers(
    client: TestClient, session: Session, path: str
) -> None:
    article = make_article(session)

    response = client.get(path.format(slug=article.slug))

    assert "set-cookie" not in response.headers
    assert response.headers.get("cache-control") != "no-store"


@pytest.mark.parametrize("path", ["/api/v1/docs", "/api/v1/docs/oauth2-redirect"])
def test_the_api_docs_allow_their_own_inline_script_by_hash_only(
    client: TestClient, path: str
) -> None:
    response = client.get(path)
    scripts = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    policy = response.headers["content-security-policy"]

    assert scripts
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    assert "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
