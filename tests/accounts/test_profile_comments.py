"""A member's profile lists their published comments (page and API twin)."""

import re
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.articles.models import ArticleStatus
from app.comments import profile
from app.comments.models import Comment, CommentStatus
from app.db import utcnow
from app.markup import excerpt, html_excerpt, shorten
from tests.conftest import AppFactory, QueryCounter
from tests.factories import make_article, make_comment, make_user
from tests.helpers import login

PER_PAGE = profile.PROFILE_COMMENTS_PER_PAGE
_PERMALINK = re.compile(r'href="[^"]*/comments/(\d+)"')


@pytest.fixture
def writer(session: Session) -> User:
    return make_user(session, username="wren", display_name="Wren")


def listed_ids(html: str) -> list[int]:
    """The comments a profile page links to, in page order."""
    return [int(found) for found in _PERMALINK.findall(html)]


def hours_ago(hours: int) -> datetime:
    return utcnow() - timedelta(hours=hours)


def test_profile_lists_approved_comments_with_article_link_date_and_excerpt(
    client: TestClient, session: Session, writer: User
) -> None:
    article = make_article(session, title="Living with spasticity")
    comment = make_comment(
        session, article, author=writer, body="Stretching in the *morning* helps me."
    )

    response = client.get(f"/users/{writer.username}")

    assert response.status_code == 200
    assert response.template.name == "accounts/profile.html"  # type: ignore[attr-defined]
    assert listed_ids(response.text) == [comment.id]
    link = f'href="/comments/{comment.id}">Living with spasticity</a>'
    assert link in response.text
    assert "Stretching in the morning helps me." in response.text
    assert "<em>morning</em>" not in response.text  # an excerpt is plain text
    assert f'datetime="{comment.created_at.isoformat()}' in response.text
    assert "hasn't commented yet" not in response.text


@pytest.mark.parametrize("signed_in_as_owner", [False, True])
def test_profile_shows_only_what_every_reader_may_see(
    app_factory: AppFactory, session: Session, writer: User, signed_in_as_owner: bool
) -> None:
    article = make_article(session)
    draft = make_article(session, status=ArticleStatus.DRAFT)
    shown = make_comment(session, article, author=writer)
    not_shown = [
        make_comment(session, article, author=writer, status=status)
        for status in CommentStatus
        if status != CommentStatus.APPROVED
    ]
    hidden = make_comment(session, article, author=writer)
    hidden.hidden_at = utcnow()
    not_shown.append(hidden)
    not_shown.append(make_comment(session, draft, author=writer))
    not_shown.append(make_comment(session, article, author=make_user(session)))
    session.flush()

    with TestClient(app_factory(), follow_redirects=False) as client:
        if signed_in_as_owner:
            login(client, writer.username)
        page = client.get(f"/users/{writer.username}")
        api = client.get(f"/api/v1/users/{writer.username}/comments")

    assert listed_ids(page.text) == [shown.id]
    assert [item["id"] for item in api.json()["items"]] == [shown.id]
    assert api.json()["total"] == 1
    for comment in not_shown:
        assert comment.body not in page.text
        assert comment.body not in api.text
    assert draft.title not in page.text


def test_profile_lists_newest_first(
    client: TestClient, session: Session, writer: User
) -> None:
    first, second = make_article(session), make_article(session)
    old = make_comment(session, first, author=writer, created_at=hours_ago(30))
    new = make_comment(session, second, author=writer, created_at=hours_ago(1))
    middle = make_comment(session, first, author=writer, created_at=hours_ago(10))
    reply = make_comment(
        session, second, author=writer, parent=new, created_at=hours_ago(5)
    )

    page = client.get(f"/users/{writer.username}")
    api = client.get(f"/api/v1/users/{writer.username}/comments")

    expected = [new.id, reply.id, middle.id, old.id]
    assert listed_ids(page.text) == expected
    assert [item["id"] for item in api.json()["items"]] == expected


def test_profile_pages_through_comments(
    client: TestClient, session: Session, writer: User
) -> None:
    article = make_article(session)
    comments = [
        make_comment(session, article, author=writer, created_at=hours_ago(i))
        for i in range(PER_PAGE + 3)
    ]  # newest first

    first = client.get(f"/users/{writer.username}")
    second = client.get(f"/users/{writer.username}?page=2")
    beyond = client.get(f"/users/{writer.username}?page=9")

    assert listed_ids(first.text) == [c.id for c in comments[:PER_PAGE]]
    assert listed_ids(second.text) == [c.id for c in comments[PER_PAGE:]]
    assert 'aria-label="Comment pages"' in first.text
    assert f"/users/{writer.username}?page=2#comments" in first.text
    assert "Page 2 of 2" in second.text
    assert f"/users/{writer.username}?page=1#comments" in second.text
    assert beyond.status_code == 200
    assert listed_ids(beyond.text) == []
    assert "There are no more comments." in beyond.text
    assert "hasn't commented yet" not in beyond.text
    assert client.get(f"/users/{writer.username}?page=0").status_code == 400


def test_profile_escapes_names_titles_and_comment_text(
    client: TestClient, session: Session
) -> None:
    writer = make_user(session, display_name="<script>alert('name')</script>")
    article = make_article(session, title="<script>alert('title')</script>")
    make_comment(session, article, author=writer, body="<script>alert('body')</script>")
    quiet = make_user(session, display_name="<b>Quiet</b>")

    page = client.get(f"/users/{writer.username}")
    empty = client.get(f"/users/{quiet.username}")

    assert page.status_code == 200
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in page.text
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in page.text
    assert "&lt;script&gt;alert(&#39;body&#39;)&lt;/script&gt;" in page.text
    assert "<b>Quiet</b>" not in empty.text
    assert "&lt;b&gt;Quiet&lt;/b&gt; hasn't commented yet." in empty.text


def test_profile_without_comments_says_so(
    client: TestClient, session: Session, writer: User
) -> None:
    make_comment(
        session, make_article(session), author=writer, status=CommentStatus.PENDING
    )

    response = client.get(f"/users/{writer.username}")

    assert response.status_code == 200
    assert "Wren hasn't commented yet." in response.text
    assert listed_ids(response.text) == []
    assert 'aria-label="Comment pages"' not in response.text


def test_api_lists_a_members_comments_like_other_lists(
    client: TestClient, session: Session, writer: User
) -> None:
    article = make_article(session, title="Heat and fatigue")
    comment = make_comment(
        session, article, author=writer, body="A **cool** vest <b>works</b>."
    )

    response = client.get(f"/api/v1/users/{writer.username.upper()}/comments")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"items", "page", "pages", "total"}
    assert (body["page"], body["pages"], body["total"]) == (1, 1, 1)
    assert body["items"] == [
        {
            "id": comment.id,
            "article": {"slug": article.slug, "title": "Heat and fatigue"},
            "body_html": comment.body_html,
            "excerpt": "A cool vest <b>works</b>.",
            "created_at": comment.created_at.isoformat().replace("+00:00", "Z"),
            "edited_at": None,
            "url": f"http://testserver/comments/{comment.id}",
        }
    ]
    assert "<strong>cool</strong>" in comment.body_html
    assert "<b>" not in comment.body_html  # sanitized: the excerpt's tag is text
    missing = client.get("/api/v1/users/nobody-here/comments")
    assert missing.status_code == 404
    assert set(missing.json()) == {"detail"}


def test_api_pages_like_the_profile(
    client: TestClient, session: Session, writer: User
) -> None:
    article = make_article(session)
    for i in range(PER_PAGE + 1):
        make_comment(session, article, author=writer, created_at=hours_ago(i))

    first = client.get(f"/api/v1/users/{writer.username}/comments").json()
    second = client.get(f"/api/v1/users/{writer.username}/comments?page=2").json()

    assert (len(first["items"]), first["pages"], first["total"]) == (PER_PAGE, 2, 21)
    assert (len(second["items"]), second["page"]) == (1, 2)
    assert {i["id"] for i in first["items"]}.isdisjoint(
        i["id"] for i in second["items"]
    )


def _fill(session: Session, writer: User, count: int) -> None:
    articles = [make_article(session) for _ in range(3)]
    for i in range(count):
        make_comment(session, articles[i % 3], author=writer, created_at=hours_ago(i))


@pytest.mark.parametrize("path", ["/users/{}", "/api/v1/users/{}/comments"])
def test_profile_costs_the_same_queries_for_2_or_30_comments(
    client: TestClient,
    session: Session,
    count_queries: QueryCounter,
    path: str,
) -> None:
    counts = []
    for count in (2, 30):
        writer = make_user(session)
        _fill(session, writer, count)
        client.get(path.format(writer.username))  # warm: templates, policy caches
        with count_queries() as queries:
            response = client.get(path.format(writer.username))
        assert response.status_code == 200
        shown = (
            response.json()["items"]
            if path.startswith("/api/")
            else listed_ids(response.text)
        )
        assert len(shown) == min(count, PER_PAGE)
        counts.append(len(queries))

    assert counts[0] == counts[1]
    assert counts[1] <= 3, counts


def _is_on(page_url: str, article_slug: str, page: int, comment: Comment) -> bool:
    query = f"?page={page}" if page > 1 else ""
    return page_url == (f"/articles/{article_slug}{query}#comment-{comment.id}")


def test_permalink_lands_on_the_discussion_page_that_shows_the_comment(
    app_factory: AppFactory, session: Session, writer: User
) -> None:
    article = make_article(session)
    other = make_user(session)
    tops = [
        make_comment(session, article, author=other, created_at=hours_ago(50 - i))
        for i in range(5)
    ]
    late_top = make_comment(session, article, author=writer, created_at=hours_ago(2))
    reply = make_comment(
        session, article, author=writer, parent=tops[0], created_at=hours_ago(1)
    )

    with TestClient(app_factory(comments_per_page=2), follow_redirects=False) as client:
        to_late = client.get(f"/comments/{late_top.id}")
        to_reply = client.get(f"/comments/{reply.id}")
        to_third = client.get(f"/comments/{tops[2].id}")
        landed = client.get(to_late.headers["location"])

    assert to_late.status_code == 303
    assert _is_on(to_late.headers["location"], article.slug, 3, late_top)
    assert _is_on(to_reply.headers["location"], article.slug, 1, reply)
    assert _is_on(to_third.headers["location"], article.slug, 2, tops[2])
    assert f'id="comment-{late_top.id}"' in landed.text


def test_permalink_of_a_comment_nobody_may_see_is_not_found(
    client: TestClient, session: Session, writer: User
) -> None:
    article = make_article(session)
    pending = make_comment(session, article, author=writer, status=CommentStatus.SPAM)
    draft = make_article(session, status=ArticleStatus.DRAFT)
    on_draft = make_comment(session, draft, author=writer)

    assert client.get(f"/comments/{pending.id}").status_code == 404
    assert client.get(f"/comments/{on_draft.id}").status_code == 404
    assert client.get("/comments/999999").status_code == 404
    assert client.get("/comments/0").status_code == 400


def test_excerpt_is_plain_text_cut_at_a_word() -> None:
    long_html = "<p>" + "word " * 100 + "</p>"

    short = html_excerpt("<p>Hello <em>there</em> &amp; welcome</p>")
    cut = html_excerpt(long_html, length=50)

    assert short == "Hello there & welcome"
    assert cut.endswith("word…")
    assert len(cut) <= 50


def test_every_excerpt_makes_the_same_cut() -> None:
    """Markdown, HTML and typed text are cut by one rule (app.markup.shorten)."""
    words = "Fatigue, heat and stairs: " * 20

    assert html_excerpt(f"<p>{words}</p>", 60) == shorten(words, 60)
    assert excerpt(f"**{words}**", 60) == shorten(words, 60)
    assert shorten(words, 60) == "Fatigue, heat and stairs: Fatigue, heat and stairs…"
