"""Big discussions stay small: bounded pages, replies pages, permalinks, and the
per-comment decisions both faces read."""

import itertools
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from jinja2 import pass_context
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.articles.models import Article
from app.comments import thread
from app.comments.models import Comment, CommentStatus
from app.db import utcnow
from tests.conftest import AppFactory, QueryCounter
from tests.factories import make_article, make_comment, make_user, read_thread
from tests.helpers import api_token, login

_clock = itertools.count()


def at(minutes: int) -> object:
    return utcnow() - timedelta(days=1) + timedelta(minutes=minutes)


def tree(
    session: Session, article: Article, replies: int, *, start: int = 0
) -> tuple[Comment, list[Comment]]:
    """A top-level comment and ``replies`` replies, each answering the one before."""
    root = make_comment(session, article, created_at=at(start))  # type: ignore[arg-type]
    made: list[Comment] = []
    parent = root
    for i in range(replies):
        parent = make_comment(
            session,
            article,
            parent=parent if i % 2 else root,
            created_at=at(start + i + 1),  # type: ignore[arg-type]
        )
        made.append(parent)
    return root, made


def shown_ids(node: thread.Node) -> list[int]:
    below: list[int] = []
    for child in node.replies:
        below += [child.id, *shown_ids(child)]
    return below


def test_a_tree_shows_its_oldest_ten_replies_and_links_to_the_rest(
    session: Session,
) -> None:
    article = make_article(session)
    root, replies = tree(session, article, 15)

    [node] = read_thread(session, article).page.items

    assert sorted(shown_ids(node)) == sorted(r.id for r in replies[:10])
    assert node.more_replies is not None
    assert node.more_replies.count == 5
    assert node.more_replies.url == f"/comments/{root.id}/replies"
    assert node.more_replies.api_url == f"/api/v1/comments/{root.id}/replies"


def test_busy_trees_share_the_pages_reply_budget() -> None:
    assert thread.replies_shown([3, 4]) == thread.REPLIES_PER_TREE
    assert thread.replies_shown([50] * 50) == 2  # 50 trees x 2 = the budget of 100
    assert thread.replies_shown([1] * 50 + [40] * 10) == 5
    for sizes in ([50] * 50, [7, 30, 2] * 15, [200] * 11):
        share = thread.replies_shown(sizes)
        assert sum(min(size, share) for size in sizes) <= thread.REPLIES_ON_PAGE


def test_page_one_holds_about_the_same_whatever_the_size_of_the_discussion(
    session: Session,
) -> None:
    small, large = make_article(session), make_article(session)
    for i in range(thread.TOP_LEVEL_PER_PAGE):
        tree(session, small, 1, start=i * 50)
        tree(session, large, 12, start=i * 50)

    def comments_on_page_one(article: Article) -> int:
        roots = read_thread(session, article).page.items
        return len(roots) + sum(len(shown_ids(root)) for root in roots)

    assert comments_on_page_one(small) == 100
    assert comments_on_page_one(large) == 150
    assert comments_on_page_one(large) <= (
        thread.TOP_LEVEL_PER_PAGE + thread.REPLIES_ON_PAGE
    )


def test_replies_page_lists_every_reply_in_order_saying_whom_each_answers(
    session: Session, client: TestClient
) -> None:
    article = make_article(session)
    root, replies = tree(session, article, 15)

    page = client.get(f"/comments/{root.id}/replies")
    api = client.get(f"/api/v1/comments/{root.id}/replies").json()

    assert page.status_code == 200
    positions = [page.text.index(f'id="comment-{r.id}"') for r in replies]
    assert positions == sorted(positions)
    assert api["total"] == 15
    assert api["comment"]["id"] == root.id

    def ids(node: dict[str, object]) -> list[int]:
        found: list[int] = []
        for child in node["replies"]:  # type: ignore[attr-defined]
            found += [child["id"], *ids(child)]
        return found

    assert sorted(ids(api["comment"])) == sorted(r.id for r in replies)


def test_replies_pages_split_long_conversations(
    app_factory: AppFactory, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(thread, "REPLIES_PER_PAGE", 4)
    article = make_article(session)
    root = make_comment(session, article, created_at=at(0))  # type: ignore[arg-type]
    replies: list[Comment] = []
    for i in range(10):
        # The fifth answers the fourth, which is on the first page.
        parent = replies[3] if i == 4 else root
        replies.append(
            make_comment(session, article, parent=parent, created_at=at(i + 1))  # type: ignore[arg-type]
        )
    answered = make_user(session, display_name="Fourth Writer")
    replies[3].author_id = answered.id
    session.flush()
    client = TestClient(app_factory())

    second = client.get(f"/comments/{root.id}/replies?page=2")
    api = client.get(f"/api/v1/comments/{root.id}/replies?page=3").json()

    assert second.status_code == 200
    for reply in replies[4:8]:
        assert f'id="comment-{reply.id}"' in second.text
    for reply in replies[:4] + replies[8:]:
        assert f'id="comment-{reply.id}"' not in second.text
    # A reply whose parent is on an earlier page says whom it answers.
    assert re.search(
        rf'id="comment-{replies[4].id}".*?Replying to '
        rf'<a href="#comment-{replies[3].id}">Fourth Writer</a>',
        second.text,
        re.S,
    )
    assert (api["page"], api["pages"], api["total"]) == (3, 3, 10)


def test_a_replies_address_of_a_reply_leads_to_its_conversation(
    session: Session, client: TestClient
) -> None:
    article = make_article(session)
    root, replies = tree(session, article, 3)

    page = client.get(f"/comments/{replies[1].id}/replies")
    api = client.get(f"/api/v1/comments/{replies[1].id}/replies")

    assert page.status_code == 303
    assert page.headers["location"].endswith(f"#comment-{replies[1].id}")
    assert api.status_code == 404
    assert f"comment {root.id}" in api.json()["detail"]


def test_a_hidden_conversation_has_no_replies_page(
    session: Session, client: TestClient
) -> None:
    article = make_article(session)
    pending = make_comment(session, article, status=CommentStatus.PENDING)

    assert client.get(f"/comments/{pending.id}/replies").status_code == 404
    assert client.get(f"/api/v1/comments/{pending.id}/replies").status_code == 404


def test_permalinks_land_where_the_comment_is_shown(
    session: Session, client: TestClient
) -> None:
    article = make_article(session)
    root, replies = tree(session, article, 15)

    early = client.get(f"/comments/{replies[2].id}")
    late = client.get(f"/comments/{replies[12].id}")

    assert early.headers["location"] == (
        f"/articles/{article.slug}#comment-{replies[2].id}"
    )
    assert late.headers["location"] == (
        f"/comments/{root.id}/replies#comment-{replies[12].id}"
    )
    shown = client.get(late.headers["location"]).text
    assert f'id="comment-{replies[12].id}"' in shown


def test_permalink_to_a_reply_past_a_busy_pages_share(
    session: Session, client: TestClient
) -> None:
    article = make_article(session)
    trees = [tree(session, article, 6, start=i * 50) for i in range(25)]
    # 25 trees of 6 replies share the budget of 100: four replies each.
    assert thread.replies_shown([6] * 25) == 4
    root, replies = trees[3]

    shown = client.get(f"/comments/{replies[3].id}")
    beyond = client.get(f"/comments/{replies[4].id}")

    assert shown.headers["location"].endswith(
        f"/articles/{article.slug}#comment-{replies[3].id}"
    )
    assert beyond.headers["location"].endswith(
        f"/comments/{root.id}/replies#comment-{replies[4].id}"
    )


def test_big_and_small_discussions_cost_the_same_queries(
    app_factory: AppFactory, session: Session, count_queries: QueryCounter
) -> None:
    small, large = make_article(session), make_article(session)
    tree(session, small, 2)
    for i in range(60):
        tree(session, large, 15, start=i * 50)
    client = TestClient(app_factory(cache_mb=0))

    def cost(path: str) -> int:
        with count_queries() as log:
            assert client.get(path).status_code == 200
        return len(log)

    for slug in (small.slug, large.slug):
        assert cost(f"/articles/{slug}") == cost(f"/articles/{small.slug}")
        assert cost(f"/api/v1/articles/{slug}/comments") == cost(
            f"/api/v1/articles/{small.slug}/comments"
        )


# What each viewer may do, decided once for both faces --------------------------


def _can(
    client: TestClient, article: Article, comment: Comment, token: str | None = None
) -> dict[str, bool]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = client.get(f"/api/v1/articles/{article.slug}/comments", headers=headers)
    for node in body.json()["items"]:
        if node["id"] == comment.id:
            can: dict[str, bool] = node["can"]
            return can
    raise AssertionError("comment not on the page")


@pytest.fixture
def authored(session: Session) -> tuple[Article, Comment, User]:
    article = make_article(session)
    author = make_user(session)
    return article, make_comment(session, article, author=author), author


def test_each_viewer_is_offered_what_the_services_allow(
    session: Session, client: TestClient, authored: tuple[Article, Comment, User]
) -> None:
    article, comment, author = authored
    member = make_user(session)
    moderator = make_user(session, role=Role.MODERATOR)

    anonymous = _can(client, article, comment)
    own = _can(client, article, comment, api_token(client, author.username))
    other = _can(client, article, comment, api_token(client, member.username))
    staff = _can(client, article, comment, api_token(client, moderator.username))

    assert anonymous == {
        "reply": True,
        "edit": False,
        "delete": False,
        "report": True,  # asks them to sign in first
        "moderate": False,
    }
    assert own == {
        "reply": True,
        "edit": True,
        "delete": True,
        "report": False,
        "moderate": False,
    }
    assert other == {**anonymous}
    assert staff == {**anonymous, "moderate": True}


def test_a_closed_discussion_offers_no_replies_in_either_face(
    session: Session, client: TestClient, authored: tuple[Article, Comment, User]
) -> None:
    article, comment, _ = authored
    from app.moderation import service as moderation_service

    moderation_service.close_thread(
        session, article, actor=make_user(session, role=Role.MODERATOR)
    )

    assert _can(client, article, comment)["reply"] is False
    assert (
        f"/comments/{comment.id}/reply"
        not in client.get(f"/articles/{article.slug}").text
    )


def test_the_html_offers_exactly_what_the_json_says(
    session: Session,
    app_factory: AppFactory,
    authored: tuple[Article, Comment, User],
) -> None:
    article, comment, author = authored
    client = TestClient(app_factory(), follow_redirects=False)
    login(client, author.username)
    page = client.get(f"/articles/{article.slug}").text
    token = api_token(TestClient(app_factory()), author.username)
    can = _can(client, article, comment, token)

    links = {
        "reply": f'href="/articles/{article.slug}/comments/{comment.id}/reply"',
        "edit": f'href="/comments/{comment.id}/edit"',
        "delete": f'action="/comments/{comment.id}/delete"',
        "report": f'href="/comments/{comment.id}/flag"',
    }
    for action, link in links.items():
        assert (link in page) is can[action], action


def test_templates_build_no_address_per_comment(
    session: Session,
    app_factory: AppFactory,
    authored: tuple[Article, Comment, User],
) -> None:
    """url_for runs a fixed number of times, whatever the number of comments."""
    article, comment, _author = authored
    app = app_factory(cache_mb=0)
    env = app.state.templates.env
    calls: list[str] = []
    real = env.globals["url_for"]

    @pass_context
    def counted(context: object, name: str, /, **params: object) -> object:
        calls.append(name)
        return real(context, name, **params)

    env.globals["url_for"] = counted
    client = TestClient(app, follow_redirects=False)
    login(client, make_user(session, role=Role.MODERATOR).username)

    def url_fors() -> int:
        calls.clear()
        assert client.get(f"/articles/{article.slug}").status_code == 200
        return len(calls)

    try:
        few = url_fors()
        for i in range(30):
            make_comment(session, article, parent=comment if i % 2 else None)
        assert url_fors() == few
    finally:
        env.globals["url_for"] = real
