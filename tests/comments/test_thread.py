"""Reading the discussion: the tree, placeholders, pagination, query budget."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.comments import thread
from app.comments.models import CommentStatus
from app.db import utcnow
from tests.conftest import QueryCounter
from tests.factories import (
    make_article,
    make_bulk_thread,
    make_comment,
    make_thread,
    make_user,
    read_thread,
)


def ids(nodes: list[thread.Node]) -> list[int]:
    return [node.id for node in nodes]


def descendants(node: thread.Node) -> list[thread.Node]:
    below: list[thread.Node] = []
    for child in node.replies:
        below += [child, *descendants(child)]
    return below


def test_tree_nests_replies_oldest_first(session: Session) -> None:
    article = make_article(session)
    start = utcnow() - timedelta(hours=5)
    first = make_comment(session, article, created_at=start)
    second = make_comment(session, article, created_at=start + timedelta(hours=1))
    late_reply = make_comment(
        session, article, parent=first, created_at=start + timedelta(hours=3)
    )
    early_reply = make_comment(
        session, article, parent=first, created_at=start + timedelta(hours=2)
    )
    nested = make_comment(
        session, article, parent=early_reply, created_at=start + timedelta(hours=4)
    )

    page = read_thread(session, article)

    roots = page.page.items
    assert ids(roots) == [first.id, second.id]
    assert ids(roots[0].replies) == [early_reply.id, late_reply.id]
    assert ids(roots[0].replies[0].replies) == [nested.id]
    assert nested.root_id == first.id
    assert nested.depth == 3
    assert page.discussion.comment_count == 5


def test_only_approved_comments_are_shown_to_others(session: Session) -> None:
    article = make_article(session)
    top = make_comment(session, article)
    for status in (CommentStatus.PENDING, CommentStatus.REJECTED, CommentStatus.SPAM):
        make_comment(session, article, status=status)
        make_comment(session, article, parent=top, status=status)

    page = read_thread(session, article)

    assert ids(page.page.items) == [top.id]
    assert page.page.items[0].replies == []


def test_author_sees_own_pending_comment(session: Session) -> None:
    article = make_article(session)
    member = make_user(session)
    other = make_user(session)
    mine = make_comment(session, article, author=member, status=CommentStatus.PENDING)

    as_author = read_thread(session, article, viewer=member)
    as_other = read_thread(session, article, viewer=other)

    assert ids(as_author.page.items) == [mine.id]
    assert as_other.page.items == []


@pytest.mark.parametrize("status", [CommentStatus.REMOVED, CommentStatus.DELETED])
def test_removed_comment_with_replies_is_a_placeholder(
    session: Session, status: CommentStatus
) -> None:
    article = make_article(session)
    top = make_comment(session, article)
    middle = make_comment(session, article, parent=top)
    make_comment(session, article, parent=middle)
    lonely = make_comment(session, article)
    for comment in (top, lonely):
        comment.status = status
    session.flush()

    page = read_thread(session, article)

    assert ids(page.page.items) == [top.id]
    assert page.page.items[0].placeholder == thread.PLACEHOLDER_TEXT[status]
    assert ids(page.page.items[0].replies) == [middle.id]


def test_deep_replies_flatten_below_the_indent_limit(session: Session) -> None:
    article = make_article(session)
    chain = make_thread(
        session, article, top_level=1, replies_each=7, author=make_user(session)
    )

    page = read_thread(session, article)

    node = page.page.items[0]
    while node.depth < thread.MAX_INDENT_DEPTH:
        node = node.replies[0]
    flat = node.flat
    assert [child.id for child in flat] == [c.id for c in chain[5:]]
    assert [child.reply_to.id for child in flat if child.reply_to] == [
        c.id for c in chain[4:7]
    ]


def test_pages_keep_trees_whole_and_lose_nothing(session: Session) -> None:
    article = make_article(session)
    made = make_thread(
        session, article, top_level=7, replies_each=2, author=make_user(session)
    )

    seen: list[int] = []
    for number in (1, 2, 3):
        page = read_thread(session, article, page=number, per_page=3)
        for root in page.page.items:
            seen.append(root.id)
            seen.extend(child.id for child in descendants(root))
        assert page.page.pages == 3

    assert sorted(seen) == sorted(c.id for c in made)
    assert len(seen) == len(set(seen))


def test_thread_api_shape(client: TestClient, session: Session) -> None:
    article = make_article(session)
    member = make_user(session, display_name="Mo")
    top = make_comment(session, article, author=member, body="Hi *all*")
    make_comment(session, article, author=member, parent=top)

    body = client.get(f"/api/v1/articles/{article.slug}/comments").json()

    assert body["page"] == 1
    assert body["pages"] == 1
    assert body["comments_open"] is True
    node = body["items"][0]
    assert set(node) >= {
        "id",
        "parent_id",
        "author",
        "body_html",
        "created_at",
        "status",
        "locked",
        "replies",
    }
    assert node["author"] == {"display_name": "Mo"}
    assert node["body_html"] == "<p>Hi <em>all</em></p>"
    assert node["replies"][0]["parent_id"] == top.id
    assert "email" not in str(body)


def test_thread_api_404_for_unknown_article(client: TestClient) -> None:
    response = client.get("/api/v1/articles/nope/comments")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_article_page_costs_the_same_queries_for_3_and_3000_comments(
    client: TestClient, session: Session, count_queries: QueryCounter
) -> None:
    people = [make_user(session) for _ in range(5)]
    small = make_article(session, tags=["A", "B"])
    large = make_article(session, tags=["A", "B"])
    assert len(make_bulk_thread(session, small, count=3, authors=people)) == 3
    assert len(make_bulk_thread(session, large, count=3000, authors=people)) == 3000

    # A worker reads the policy once (then keeps it by the settings version).
    assert client.get(f"/api/v1/articles/{small.slug}").status_code == 200
    counts = {}
    for article in (small, large):
        with count_queries() as html_queries:
            assert client.get(f"/articles/{article.slug}").status_code == 200
        with count_queries() as api_queries:
            response = client.get(f"/api/v1/articles/{article.slug}/comments")
        assert response.status_code == 200
        counts[article.slug] = (len(html_queries), len(api_queries))

    assert counts[small.slug] == counts[large.slug]
    html_count, api_count = counts[large.slug]
    assert html_count <= 6
    assert api_count <= 6
    assert response.json()["comment_count"] == 3000
    assert len(response.json()["items"]) == 50
