"""Absolute addresses come from HAVEN_BASE_URL, never from the request's Host.

Only the configured hosts are served (400 otherwise), and a configured alias
must not leak into anything Haven writes: pages, redirects, JSON `url` fields,
mail. The crawl follows every same-site link from a few pages, as anonymous
reader and as a signed-in moderator, so it checks the class, not one page.
"""

import re
from collections import deque
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.comments.models import CommentStatus
from app.notifications.compose import Composer, Letter
from app.notifications.models import Outbox
from tests.conftest import AppFactory
from tests.factories import make_article, make_comment, make_user
from tests.helpers import api_token, csrf_from, form_token, login

BASE = "https://haven.example"
ALIAS = "alias.example"
_LINK = re.compile(r'(?:href|src|action)="([^"#]*)')
# Pages that act when fetched, or take the visitor away.
_NOT_CRAWLED = ("/logout", "/static/", "/api/v1/docs")


@pytest.mark.parametrize(
    "path", ["/", "/login", "/api/v1/articles", "/static/site.css", "/nowhere"]
)
def test_a_forged_host_is_refused(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "host" in response.text.lower()


def test_the_health_check_answers_whatever_host_the_balancer_sends(
    app_factory: AppFactory,
) -> None:
    with TestClient(app_factory(base_url=BASE, env="production")) as client:
        assert client.get("/healthz", headers={"Host": "10.0.0.7"}).status_code == 200
        assert client.get("/", headers={"Host": "10.0.0.7"}).status_code == 400


def test_production_serves_only_the_base_url_host_and_the_listed_aliases(
    app_factory: AppFactory,
) -> None:
    app = app_factory(base_url=BASE, env="production", allowed_hosts=[ALIAS])
    with TestClient(app, follow_redirects=False) as client:
        for host, status in [
            ("haven.example", 200),
            (ALIAS, 200),
            ("localhost", 400),
            ("testserver", 400),
        ]:
            assert client.get("/login", headers={"Host": host}).status_code == status


def _check(response_text: str, location: str | None, where: str) -> None:
    assert ALIAS not in response_text, where
    assert "testserver" not in response_text, where
    if location is not None:
        assert location.startswith("/") or location.startswith(BASE + "/"), (
            where,
            location,
        )


def _crawl(client: TestClient, seeds: list[str], limit: int = 120) -> int:
    """Fetch every same-site page reachable from ``seeds``; check each one."""
    seen: set[str] = set()
    queue = deque(seeds)
    while queue and len(seen) < limit:
        path = queue.popleft()
        if path in seen or path.startswith(_NOT_CRAWLED):
            continue
        seen.add(path)
        response = client.get(path)
        assert response.status_code < 500, (path, response.status_code)
        location = response.headers.get("location")
        _check(response.text + str(response.headers), location, path)
        if location is not None:
            queue.append(location.removeprefix(BASE))
        if response.headers.get("content-type", "").startswith("text/html"):
            for link in _LINK.findall(response.text):
                target = link.replace("&amp;", "&").removeprefix(BASE)
                if target.startswith("/") and not target.startswith("//"):
                    queue.append(target)
    return len(seen)


def test_an_alias_host_never_reaches_pages_redirects_api_or_mail(
    app_factory: AppFactory, session: Session
) -> None:
    admin = make_user(session, role=Role.ADMIN, username="ada")
    moderator = make_user(session, role=Role.MODERATOR, username="mo")
    member = make_user(session, username="sam")
    article = make_article(session, author=admin, tags=["Symptoms"])
    top = make_comment(session, article, author=member, body="Stretching helps.")
    make_comment(session, article, author=moderator, parent=top, body="Agreed.")
    make_comment(session, article, author=member, status=CommentStatus.PENDING)
    app = app_factory(base_url=BASE, allowed_hosts=[ALIAS])
    pages = ["/", f"/articles/{article.slug}", f"/comments/{top.id}", "/users/sam"]
    pages += ["/search?q=Stretching", "/?q=Stretching"]

    with TestClient(app, base_url=f"https://{ALIAS}", follow_redirects=False) as web:
        assert _crawl(web, [*pages, "/login", "/register", "/forgot-password"]) > 10
        # A reset mail, asked for through the alias.
        token = csrf_from(web.get("/forgot-password").text)
        sent = web.post(
            "/forgot-password",
            data={"email": member.email, "csrf_token": token},
        )
        _check(sent.text, sent.headers.get("location"), "forgot-password")
        login(web, moderator.username)
        posted = web.post(
            f"/articles/{article.slug}/comments",
            data={
                "body": "A reply from a moderator.",
                "parent_id": str(top.id),
                "csrf_token": csrf_from(web.get(f"/articles/{article.slug}").text),
                "form_token": form_token(web, article.id, age=10),
            },
        )
        assert posted.status_code == 303
        _check(posted.text, posted.headers["location"], "post a comment")
        assert _crawl(web, [*pages, "/moderation", "/settings", "/me/comments"]) > 20

    with TestClient(app, base_url=f"https://{ALIAS}", follow_redirects=False) as api:
        api.headers["Authorization"] = f"Bearer {api_token(api, member.username)}"
        saved = api.put(
            f"/api/v1/me/drafts/{article.slug}", json={"body": "Half a thought"}
        )
        assert saved.status_code < 300, saved.text
        urls: list[str] = []
        for path in [
            "/api/v1/articles",
            f"/api/v1/articles/{article.slug}",
            f"/api/v1/articles/{article.slug}/comments",
            f"/api/v1/comments/{top.id}",
            "/api/v1/me",
            "/api/v1/me/comments",
            "/api/v1/me/drafts",
            "/api/v1/users/sam/comments",
            "/api/v1/search?q=Stretching",
            "/api/v1/openapi.json",
        ]:
            response = api.get(path)
            assert response.status_code == 200, (path, response.text)
            _check(response.text + str(response.headers), None, path)
            urls += re.findall(
                r'"(?:url|revise_url)":"(https?://[^"]+)"', response.text
            )
        assert urls, "no absolute url fields were checked"
        assert all(url.startswith(BASE + "/") for url in urls), urls

    letters = [
        Composer(app.state.settings).compose(session, row)
        for row in session.scalars(select(Outbox))
    ]
    texts = [f"{x.text}{x.html}" for x in letters if isinstance(x, Letter)]
    assert texts, "no mail was written"
    for text in texts:
        _check(text, None, "mail")
        assert BASE + "/" in text


def test_no_code_builds_an_address_from_the_request(project_root: Path) -> None:
    """request.url_for and request.base_url follow the Host header."""
    pattern = re.compile(r"request\.(url_for|base_url)\b")
    offenders = [
        f"{path.relative_to(project_root)}:{number}"
        for path in sorted((project_root / "app").rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []
