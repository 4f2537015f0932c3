"""A conversation as deep as people make it (issue #16, defect 4): a chain of
hundreds of replies, each answering the one before, reads as a page and as
JSON. Below the deepest indent the JSON lists replies flat, as the page shows
them, so its nesting is bounded whatever the depth of the conversation."""

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.articles.models import Article
from app.comments import thread
from app.comments.models import Comment, CommentStatus
from app.comments.service import store_comment
from app.db import utcnow
from tests.factories import make_article, make_user

CHAIN = 260


@pytest.fixture
def chain(session: Session) -> tuple[Article, list[Comment]]:
    """A top-level comment and CHAIN replies, each answering the one before."""
    article = make_article(session)
    author = make_user(session)
    start = utcnow() - timedelta(days=1)
    made: list[Comment] = []
    for n in range(CHAIN + 1):
        made.append(
            store_comment(
                session,
                article,
                body=f"Link {n} of the chain",
                author=author,
                parent=made[-1] if made else None,
                status=CommentStatus.APPROVED,
                created_at=start + timedelta(seconds=n),
            )
        )
    return article, made


def nesting(node: dict[str, Any]) -> int:
    """How deep the JSON tree under ``node`` goes (1: no replies), counted
    without recursion."""
    deepest, stack = 1, [(node, 1)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        stack += [(child, depth + 1) for child in current["replies"]]
    return deepest


def ids_in(node: dict[str, Any]) -> list[int]:
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        found.append(current["id"])
        stack += current["replies"]
    return found


def test_the_replies_json_of_a_deep_chain_is_bounded_and_complete(
    client: TestClient, chain: tuple[Article, list[Comment]]
) -> None:
    _, made = chain
    root = made[0]
    seen: list[int] = []
    page, pages = 1, 1
    while page <= pages:
        response = client.get(f"/api/v1/comments/{root.id}/replies?page={page}")
        assert response.status_code == 200, response.text
        body = response.json()
        assert nesting(body["comment"]) <= thread.MAX_INDENT_DEPTH + 1
        seen += [i for i in ids_in(body["comment"]) if i != root.id]
        pages = body["pages"]
        page += 1
    assert sorted(seen) == sorted(c.id for c in made[1:])
    assert len(seen) == len(set(seen)) == CHAIN


def test_the_discussion_json_and_pages_of_a_deep_chain_answer(
    client: TestClient, chain: tuple[Article, list[Comment]]
) -> None:
    article, made = chain
    body = client.get(f"/api/v1/articles/{article.slug}/comments").json()
    (root,) = body["items"]
    assert nesting(root) <= thread.MAX_INDENT_DEPTH + 1
    assert len(ids_in(root)) == thread.REPLIES_PER_TREE + 1
    # Down to the deepest indent, then the rest listed flat under it, each
    # saying whom it answers.
    boundary = root
    for _ in range(thread.MAX_INDENT_DEPTH - 1):
        (boundary,) = boundary["replies"]
    flat = boundary["replies"]
    assert all(node["replies"] == [] for node in flat)
    assert [node["parent_id"] for node in flat] == [
        boundary["id"],
        *(node["id"] for node in flat[:-1]),
    ]
    assert client.get(f"/articles/{article.slug}").status_code == 200
    for page in (1, 2, 3):
        response = client.get(f"/comments/{made[0].id}/replies?page={page}")
        assert response.status_code == 200
        assert "Link" in response.text
