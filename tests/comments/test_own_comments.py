"""A member's own comments, with where each stands (issue #14): the "Your
comments" page, its API twin, and the moderator's reason in a comment's API read."""

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.articles.models import Article, ArticleStatus
from app.comments import editing, profile
from app.comments.models import Comment, CommentStatus
from app.db import utcnow
from app.moderation import service as moderation_service
from app.moderation.models import Decision
from tests.conftest import AppFactory, QueryCounter
from tests.factories import make_article, make_comment, make_user
from tests.helpers import api_token, login, sign_in_as

PER_PAGE = profile.OWN_COMMENTS_PER_PAGE
_LISTED = re.compile(r'id="own-comment-(\d+)"')


@pytest.fixture
def writer(session: Session) -> User:
    return make_user(session, username="wren", display_name="Wren")


@pytest.fixture
def as_writer(app_factory: AppFactory, writer: User) -> Iterator[TestClient]:
    with TestClient(app_factory(), follow_redirects=False) as client:
        login(client, writer.username)
        yield client


@pytest.fixture
def writer_api(app_factory: AppFactory, writer: User) -> Iterator[TestClient]:
    with TestClient(app_factory(), follow_redirects=False) as client:
        client.headers["Authorization"] = f"Bearer {api_token(client, 'wren')}"
        yield client


def listed_ids(html: str) -> list[int]:
    """The comments the page lists, in page order."""
    return [int(found) for found in _LISTED.findall(html)]


def item_html(html: str, comment: Comment) -> str:
    """The part of the page that lists ``comment``."""
    start = html.index(f'id="own-comment-{comment.id}"')
    return html[start : html.index("</li>", start)]


def api_items(client: TestClient, page: int = 1) -> dict[int, dict[str, Any]]:
    response = client.get(f"/api/v1/me/comments?page={page}")
    assert response.status_code == 200, response.text
    return {item["id"]: item for item in response.json()["items"]}


def hours_ago(hours: int) -> datetime:
    return utcnow() - timedelta(hours=hours)


def decided(
    session: Session,
    comment: Comment,
    decision: Decision,
    moderator: User,
    reason: str | None = None,
) -> Comment:
    """``comment`` after a moderator's decision, taken through the service."""
    return moderation_service.decide(
        session,
        comment,
        decision,
        actor=moderator,
        reason=reason,
        seen=CommentStatus(comment.status),
    )


def held(session: Session, article: Article, author: User, body: str) -> Comment:
    return make_comment(
        session, article, author=author, status=CommentStatus.PENDING, body=body
    )


def every_status(
    session: Session, article: Article, writer: User, moderator: User
) -> dict[str, Comment]:
    """One of the writer's comments in each state, oldest first."""
    made: dict[str, Comment] = {}
    made["pending"] = held(session, article, writer, "Still thinking about it")
    made["approved"] = make_comment(
        session, article, author=writer, body="Cooling vests help me"
    )
    made["rejected"] = decided(
        session,
        held(session, article, writer, "Stop your pills"),
        Decision.REJECT,
        moderator,
        "Please <b>don't</b> give medical advice",
    )
    made["spam"] = decided(
        session,
        held(session, article, writer, "Cheap watches here"),
        Decision.SPAM,
        moderator,
        "Advertising",
    )
    made["removed"] = decided(
        session,
        make_comment(session, article, author=writer, body="A rude remark"),
        Decision.REMOVE,
        moderator,
        "Unkind to another member",
    )
    made["hidden"] = make_comment(
        session, article, author=writer, body="Reported by readers"
    )
    made["hidden"].hidden_at = utcnow()
    made["deleted"] = editing.delete_comment(
        session,
        make_comment(session, article, author=writer, body="Taken back"),
        actor=writer,
    )
    # The writer has a rejected comment now, so their edit waits for a moderator.
    made["edited"] = make_comment(
        session, article, author=writer, body="Published words"
    )
    editing.edit_comment(
        session,
        made["edited"],
        "Better words",
        actor=writer,
    )
    session.flush()
    return made


def test_each_status_is_told_in_words_with_the_moderators_reason(
    session: Session, writer: User, moderator: User, as_writer: TestClient
) -> None:
    article = make_article(session, title="Heat and fatigue")
    made = every_status(session, article, writer, moderator)

    response = as_writer.get("/me/comments")

    assert response.status_code == 200
    assert response.template.name == "comments/mine.html"  # type: ignore[attr-defined]
    html = response.text
    assert '<h1 id="page-title">Your comments</h1>' in html
    assert made["deleted"].id not in listed_ids(html)
    told = {name: item_html(html, c) for name, c in made.items() if name != "deleted"}
    assert "Awaiting moderation" in told["pending"]
    assert "Published" in told["approved"]
    assert "Not published" in told["rejected"]
    assert "don&#39;t" in told["rejected"]  # the reason, escaped
    assert "<b>don" not in html
    assert "Not published" in told["spam"]
    assert "Advertising" not in html  # a spam verdict's reason is not told
    assert "spam" not in html.lower()
    assert "Removed by the moderators" in told["removed"]
    assert "Unkind to another member" in told["removed"]
    assert "Hidden for review" in told["hidden"]
    assert "Published" in told["edited"]
    assert "Your edit is awaiting moderation" in told["edited"]
    assert "Your edit is awaiting moderation" not in told["approved"]
    for name in ("pending", "approved", "hidden", "edited"):
        assert "reason" not in told[name]
    # Status is text (a screen reader hears it), not only a badge's colour.
    assert '<span class="visually-hidden">Status: </span>' in told["pending"]
    assert "Cooling vests help me" in told["approved"]
    assert f'href="/comments/{made["approved"].id}">Heat and fatigue</a>' in html


def test_the_api_gives_the_same_statuses_and_reasons(
    session: Session, writer: User, moderator: User, writer_api: TestClient
) -> None:
    article = make_article(session, title="Heat and fatigue")
    made = every_status(session, article, writer, moderator)

    response = writer_api.get("/api/v1/me/comments")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"items", "page", "pages", "total"}
    assert (body["page"], body["pages"], body["total"]) == (1, 1, len(made) - 1)
    items = {item["id"]: item for item in body["items"]}
    status = {name: items[c.id]["status"] for name, c in made.items() if c.id in items}
    assert status == {
        "pending": "pending",
        "approved": "approved",
        "rejected": "rejected",
        "spam": "not_published",
        "removed": "removed",
        "hidden": "hidden",
        "edited": "approved",
    }
    reasons = {name: items[made[name].id]["decision_reason"] for name in status}
    assert reasons == {
        "pending": None,
        "approved": None,
        "rejected": "Please <b>don't</b> give medical advice",
        "spam": None,
        "removed": "Unkind to another member",
        "hidden": None,
        "edited": None,
    }
    assert [name for name in status if items[made[name].id]["edit_waiting"]] == [
        "edited"
    ]
    rejected = made["rejected"]
    assert items[rejected.id] == {
        "id": rejected.id,
        "article": {"slug": article.slug, "title": "Heat and fatigue"},
        "status": "rejected",
        "body_html": rejected.body_html,
        "excerpt": "Stop your pills",
        "created_at": rejected.created_at.isoformat().replace("+00:00", "Z"),
        "edited_at": None,
        "decision_reason": "Please <b>don't</b> give medical advice",
        "edit_waiting": False,
        "url": f"http://testserver/comments/{rejected.id}",
        "revise_url": f"http://testserver/comments/{rejected.id}/edit",
    }
    assert "spam" not in response.text.lower()


def test_only_a_rejected_comment_offers_revise_and_resubmit(
    session: Session,
    writer: User,
    moderator: User,
    as_writer: TestClient,
    writer_api: TestClient,
) -> None:
    made = every_status(session, make_article(session), writer, moderator)
    rejected = made["rejected"]

    html = as_writer.get("/me/comments").text
    items = api_items(writer_api)

    assert html.count("Revise and resubmit") == 1
    assert f'href="/comments/{rejected.id}/edit"' in item_html(html, rejected)
    assert [i for i, item in items.items() if item["revise_url"]] == [rejected.id]
    revise = as_writer.get(f"/comments/{rejected.id}/edit")
    assert revise.status_code == 200
    assert "Stop your pills" in revise.text


def test_spam_and_removed_comments_link_to_their_article_not_the_comment(
    session: Session,
    writer: User,
    moderator: User,
    as_writer: TestClient,
    writer_api: TestClient,
) -> None:
    article = make_article(session)
    made = every_status(session, article, writer, moderator)

    html = as_writer.get("/me/comments").text
    items = api_items(writer_api)

    for name in ("spam", "removed"):
        assert f'href="/articles/{article.slug}"' in item_html(html, made[name])
        assert items[made[name].id]["url"] is None
    for name in ("pending", "approved", "rejected", "hidden", "edited"):
        comment = made[name]
        assert f'href="/comments/{comment.id}"' in item_html(html, comment)
        assert items[comment.id]["url"] == f"http://testserver/comments/{comment.id}"
        # The permalink leads to a page that shows the comment to its author.
        landed = as_writer.get(f"/comments/{comment.id}", follow_redirects=True)
        assert f'id="comment-{comment.id}"' in landed.text


def test_comments_on_an_article_no_longer_published_link_nowhere(
    session: Session,
    writer: User,
    moderator: User,
    as_writer: TestClient,
    writer_api: TestClient,
) -> None:
    article = make_article(session, title="Withdrawn for review")
    approved = make_comment(session, article, author=writer)
    rejected = decided(
        session,
        held(session, article, writer, "Refused words"),
        Decision.REJECT,
        moderator,
        "Off topic",
    )
    article.status = ArticleStatus.DRAFT
    session.flush()

    html = as_writer.get("/me/comments").text
    items = api_items(writer_api)

    assert listed_ids(html) == [rejected.id, approved.id]
    for comment in (approved, rejected):
        shown = item_html(html, comment)
        assert "Withdrawn for review" in shown
        assert "href=" not in shown
        assert "The article is no longer published." in shown
        assert items[comment.id]["url"] is None
        assert items[comment.id]["revise_url"] is None
    assert "Off topic" in item_html(html, rejected)
    assert as_writer.get(f"/comments/{approved.id}").status_code == 404


def test_a_banned_member_is_not_offered_revise_and_resubmit(
    session: Session,
    writer: User,
    moderator: User,
    as_writer: TestClient,
) -> None:
    rejected = decided(
        session,
        held(session, make_article(session), writer, "Refused words"),
        Decision.REJECT,
        moderator,
        "Off topic",
    )
    writer.banned_at = utcnow()
    session.flush()

    html = as_writer.get("/me/comments").text

    assert listed_ids(html) == [rejected.id]
    assert "Off topic" in html
    assert "Revise and resubmit" not in html


def test_own_comments_are_listed_newest_first(
    session: Session, writer: User, as_writer: TestClient, writer_api: TestClient
) -> None:
    first, second = make_article(session), make_article(session)
    old = make_comment(session, first, author=writer, created_at=hours_ago(30))
    new = make_comment(
        session,
        second,
        author=writer,
        created_at=hours_ago(1),
        status=CommentStatus.PENDING,
    )
    middle = make_comment(session, first, author=writer, created_at=hours_ago(10))
    reply = make_comment(
        session, second, author=writer, parent=old, created_at=hours_ago(5)
    )

    expected = [new.id, reply.id, middle.id, old.id]
    assert listed_ids(as_writer.get("/me/comments").text) == expected
    assert list(api_items(writer_api)) == expected


def test_own_comments_are_paged(
    session: Session, writer: User, as_writer: TestClient, writer_api: TestClient
) -> None:
    article = make_article(session)
    comments = [
        make_comment(session, article, author=writer, created_at=hours_ago(i))
        for i in range(PER_PAGE + 3)
    ]  # newest first

    first = as_writer.get("/me/comments")
    second = as_writer.get("/me/comments?page=2")
    beyond = as_writer.get("/me/comments?page=9")
    api_second = writer_api.get("/api/v1/me/comments?page=2").json()

    assert listed_ids(first.text) == [c.id for c in comments[:PER_PAGE]]
    assert listed_ids(second.text) == [c.id for c in comments[PER_PAGE:]]
    assert 'aria-label="Comment pages"' in first.text
    assert 'href="/me/comments?page=2"' in first.text
    assert "Page 2 of 2" in second.text
    assert beyond.status_code == 200
    assert listed_ids(beyond.text) == []
    assert "There are no more comments." in beyond.text
    assert [i["id"] for i in api_second["items"]] == [c.id for c in comments[PER_PAGE:]]
    assert (api_second["page"], api_second["pages"], api_second["total"]) == (
        2,
        2,
        PER_PAGE + 3,
    )
    assert as_writer.get("/me/comments?page=0").status_code == 400
    assert writer_api.get("/api/v1/me/comments?page=0").status_code == 422


def test_other_peoples_comments_are_never_listed(
    session: Session,
    writer: User,
    moderator: User,
    as_writer: TestClient,
    writer_api: TestClient,
) -> None:
    article = make_article(session)
    mine = make_comment(session, article, author=writer, body="Mine alone")
    someone = make_user(session)
    theirs = every_status(session, article, someone, moderator)
    guest = make_comment(session, article, body="A guest's words")
    reply = make_comment(session, article, author=someone, parent=mine)

    html = as_writer.get("/me/comments").text
    api = writer_api.get("/api/v1/me/comments")

    assert listed_ids(html) == [mine.id]
    assert [item["id"] for item in api.json()["items"]] == [mine.id]
    assert api.json()["total"] == 1
    for comment in [*theirs.values(), guest, reply]:
        assert comment.body not in html
        assert comment.body not in api.text


def test_a_member_without_comments_is_told_how_to_start(
    session: Session, as_writer: TestClient, writer_api: TestClient
) -> None:
    response = as_writer.get("/me/comments")

    assert response.status_code == 200
    assert "You have not commented yet" in response.text
    assert 'class="empty-state"' in response.text
    assert 'aria-label="Comment pages"' not in response.text
    assert writer_api.get("/api/v1/me/comments").json() == {
        "items": [],
        "page": 1,
        "pages": 1,
        "total": 0,
    }


def test_signed_in_members_find_the_page_in_the_navigation(
    client: TestClient, as_writer: TestClient
) -> None:
    link = '<a href="/me/comments">Your comments</a>'

    assert link in as_writer.get("/").text
    assert link not in client.get("/").text


def test_anonymous_visitors_are_sent_to_sign_in(client: TestClient) -> None:
    page = client.get("/me/comments?page=2")
    api = client.get("/api/v1/me/comments")

    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/me/comments%3Fpage%3D2"
    assert api.status_code == 401
    assert set(api.json()) == {"detail"}
    assert api.headers["www-authenticate"].startswith("Bearer")


def _fill(session: Session, writer: User, moderator: User, count: int) -> list[Comment]:
    """``count`` comments of the writer's, in every state, on three articles."""
    articles = [make_article(session) for _ in range(3)]
    made = []
    for i in range(count):
        comment = make_comment(
            session,
            articles[i % 3],
            author=writer,
            status=CommentStatus.PENDING if i % 3 else CommentStatus.APPROVED,
            created_at=hours_ago(i),
        )
        if i % 3 == 1:
            decided(session, comment, Decision.REJECT, moderator, "Off topic")
        made.append(comment)
    return made


@pytest.mark.parametrize("path", ["/me/comments", "/api/v1/me/comments"])
def test_the_list_costs_the_same_queries_for_3_or_30_comments(
    app_factory: AppFactory,
    session: Session,
    moderator: User,
    count_queries: QueryCounter,
    path: str,
) -> None:
    counts = []
    for count in (3, 30):
        writer = make_user(session)
        _fill(session, writer, moderator, count)
        with TestClient(app_factory(), follow_redirects=False) as client:
            sign_in_as(client, writer.username, api=path.startswith("/api/"))
            client.get(path)  # warm: templates, policy caches
            with count_queries() as queries:
                response = client.get(path)
        assert response.status_code == 200
        shown = (
            response.json()["items"]
            if path.startswith("/api/")
            else listed_ids(response.text)
        )
        assert len(shown) == min(count, PER_PAGE)
        counts.append(len(queries))

    assert counts[0] == counts[1], counts
    assert counts[1] <= 5, counts


# GET /api/v1/comments/{id}: the moderator's reason, for the author and moderators only


@pytest.fixture
def other_api(app_factory: AppFactory, session: Session) -> Iterator[TestClient]:
    other = make_user(session)
    with TestClient(app_factory(), follow_redirects=False) as client:
        client.headers["Authorization"] = f"Bearer {api_token(client, other.username)}"
        yield client


def test_the_api_read_of_a_rejected_comment_gives_its_author_the_reason(
    session: Session,
    writer: User,
    moderator: User,
    writer_api: TestClient,
    mod_api: TestClient,
    other_api: TestClient,
    client: TestClient,
) -> None:
    rejected = decided(
        session,
        held(session, make_article(session), writer, "Stop your pills"),
        Decision.REJECT,
        moderator,
        "Please ask your MS nurse",
    )
    path = f"/api/v1/comments/{rejected.id}"

    by_author = writer_api.get(path)
    by_moderator = mod_api.get(path)

    assert by_author.status_code == 200
    assert by_author.json()["status"] == "rejected"
    assert by_author.json()["decision_reason"] == "Please ask your MS nurse"
    assert by_moderator.json()["decision_reason"] == "Please ask your MS nurse"
    for stranger in (other_api, client):
        refused = stranger.get(path)
        assert refused.status_code == 404
        assert "Please ask your MS nurse" not in refused.text


def test_the_api_read_of_a_published_comment_tells_nobody_a_reason(
    session: Session,
    writer: User,
    moderator: User,
    writer_api: TestClient,
    mod_api: TestClient,
    other_api: TestClient,
    client: TestClient,
) -> None:
    # A note given with an approval is not a refusal's reason.
    comment = decided(
        session,
        held(session, make_article(session), writer, "Cooling vests help me"),
        Decision.APPROVE,
        moderator,
        "Fine now",
    )
    path = f"/api/v1/comments/{comment.id}"

    for reader in (writer_api, mod_api, other_api, client):
        read = reader.get(path)
        assert read.status_code == 200
        assert read.json()["decision_reason"] is None
        assert "Fine now" not in read.text


def test_the_api_read_of_a_removed_comment_tells_its_author_why(
    session: Session,
    writer: User,
    moderator: User,
    writer_api: TestClient,
    other_api: TestClient,
    client: TestClient,
) -> None:
    removed = decided(
        session,
        make_comment(
            session, make_article(session), author=writer, body="A rude remark"
        ),
        Decision.REMOVE,
        moderator,
        "Unkind to another member",
    )
    path = f"/api/v1/comments/{removed.id}"

    by_author = writer_api.get(path).json()

    assert by_author["decision_reason"] == "Unkind to another member"
    assert by_author["body_html"] == ""
    for stranger in (other_api, client):
        assert stranger.get(path).status_code == 404
