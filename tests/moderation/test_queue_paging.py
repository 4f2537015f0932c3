"""The queue pages by keyset and counts nothing: the same cost however long it is."""

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.comments import editing
from app.comments.models import Comment, CommentStatus, QueueStatus
from app.db import utcnow
from app.moderation import service
from app.moderation.models import Decision
from app.moderation.policy import update_policy
from app.moderation.schemas import PolicyUpdate
from tests.conftest import QueryCounter
from tests.factories import make_admin, make_article, make_comment, make_user

QUEUE = "/moderation"


def waiting(session: Session, count: int, *, start_minutes: int = 0) -> list[Comment]:
    article = make_article(session)
    start = utcnow() - timedelta(days=1)
    return [
        make_comment(
            session,
            article,
            status=CommentStatus.PENDING,
            created_at=start + timedelta(minutes=start_minutes + i),
        )
        for i in range(count)
    ]


def test_pages_go_newer_and_back_older_through_the_links(
    session: Session, mod_client: TestClient
) -> None:
    made = waiting(session, 120)

    first = mod_client.get(QUEUE).text
    newer = re.search(r'href="([^"]+)" rel="next"|rel="next" href="([^"]+)"', first)
    assert newer is not None
    second_url = (newer.group(1) or newer.group(2)).replace("&amp;", "&")
    second = mod_client.get(second_url).text
    older = re.search(r'rel="prev" href="([^"]+)"', second)
    assert older is not None
    back = mod_client.get(older.group(1).replace("&amp;", "&")).text

    def shown(page: str) -> list[int]:
        return [int(i) for i in re.findall(r'id="queue-(\d+)"', page)]

    assert shown(first) == [c.id for c in made[:50]]
    assert shown(second) == [c.id for c in made[50:100]]
    assert shown(back) == shown(first)
    assert 'rel="prev"' not in first
    assert "Showing 50 of 120." in first


def test_a_decision_between_pages_moves_nothing_under_the_moderator(
    session: Session, moderator: User
) -> None:
    made = waiting(session, 8)
    first = service.queue(
        session, status=QueueStatus.PENDING, per_page=3, actor=moderator
    )
    for comment in made[:2]:  # decided by someone else meanwhile
        service.decide(session, comment, Decision.APPROVE, actor=moderator)

    second = service.queue(
        session,
        status=QueueStatus.PENDING,
        after=first.newer_after,
        per_page=3,
        actor=moderator,
    )

    assert [i.comment.id for i in first.items] == [c.id for c in made[:3]]
    assert [i.comment.id for i in second.items] == [c.id for c in made[3:6]]


def test_waiting_edits_take_their_place_among_new_comments(
    session: Session, moderator: User
) -> None:
    update_policy(session, PolicyUpdate(trust_threshold=100), actor=make_admin(session))
    before = waiting(session, 2)
    author = make_user(session)
    published = make_comment(
        session,
        make_article(session),
        author=author,
        created_at=utcnow() - timedelta(days=1, minutes=-1, seconds=-30),
    )
    editing.edit_comment(session, published, "A changed text.", actor=author)
    after = waiting(session, 2, start_minutes=5)

    page = service.queue(session, status=QueueStatus.PENDING, actor=moderator)

    assert [i.comment.id for i in page.items] == [
        before[0].id,
        before[1].id,
        published.id,
        after[0].id,
        after[1].id,
    ]
    assert page.total == 5


@pytest.mark.parametrize("view", [QueueStatus.PENDING, QueueStatus.SPAM])
def test_a_queue_page_costs_the_same_for_5_and_300_waiting(
    session: Session,
    mod_client: TestClient,
    count_queries: QueryCounter,
    view: QueueStatus,
) -> None:
    article = make_article(session)
    authors = [make_user(session) for _ in range(5)]

    def fill(count: int) -> None:
        for i in range(count):
            make_comment(
                session,
                article,
                author=authors[i % 5],
                status=CommentStatus(view)
                if view != "pending"
                else CommentStatus.PENDING,
            )

    def cost() -> int:
        with count_queries() as queries:
            assert mod_client.get(QUEUE, params={"status": view}).status_code == 200
        assert not [q for q in queries.statements if "count(" in q.lower()]
        return len(queries)

    fill(5)
    cost()  # the process's first read of the policy loads its rows
    few = cost()
    fill(295)
    assert cost() == few


def test_the_pending_view_reads_through_its_indexes(
    session: Session, backend: str
) -> None:
    """Both lanes can be read in order through an index (on PostgreSQL with
    sequential scans off: a test database is too small for its planner to bother)."""
    from app.moderation import queue

    statement = queue._page_statement(QueueStatus.PENDING, "after")
    compiled = statement.params(edge=1, limit=51).compile(
        session.get_bind(), compile_kwargs={"literal_binds": True}
    )
    if backend == "sqlite":
        plan = " ".join(
            row[-1] for row in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
        )
        assert "SCAN comment" not in plan
    else:
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(row[0] for row in session.execute(text(f"EXPLAIN {compiled}")))
        assert "Seq Scan on comment" not in plan
    assert "ix_comment_status_created_at_id" in plan
    assert "ix_comment_pending_edit" in plan


def test_each_item_offers_the_decisions_its_status_allows(
    session: Session, mod_api: TestClient, mod_client: TestClient
) -> None:
    article = make_article(session)
    comments = {
        status: make_comment(session, article, status=status)
        for status in (
            CommentStatus.PENDING,
            CommentStatus.SPAM,
            CommentStatus.REJECTED,
        )
    }
    expected = {
        CommentStatus.PENDING: ["approve", "reject", "spam"],
        CommentStatus.SPAM: ["approve", "reject"],
        CommentStatus.REJECTED: ["approve", "spam"],
    }
    for status, comment in comments.items():
        body = mod_api.get(f"/api/v1/moderation/queue?status={status}").json()
        [item] = body["items"]
        assert item["decisions"] == expected[status]
        page = mod_client.get(QUEUE, params={"status": status}).text
        offered = set(
            re.findall(rf'action="/moderation/comments/{comment.id}/(\w+)"', page)
        )
        assert offered == set(expected[status])


def test_moderators_are_the_only_readers_of_the_queue(session: Session) -> None:
    waiting(session, 1)
    for person in (None, make_user(session)):
        with pytest.raises(Exception, match="moderat"):
            service.queue(session, status=QueueStatus.PENDING, actor=person)
    moderator = make_user(session, role=Role.MODERATOR)
    assert service.queue(session, status=QueueStatus.PENDING, actor=moderator).total
