"""Every read path reads a bounded number of comment rows, on each database.

Counting queries (tests/comments/test_reading.py) can't see a query that the
database answers by reading the whole table: a join on ``id IN (a correlated
subquery with LIMIT)`` was one query on both databases, read well on SQLite,
and on PostgreSQL became a nested loop over every comment (the bench's
20,000-comment site never answered). So each statement a page runs is asked
for its plan: on PostgreSQL it is run under EXPLAIN ANALYZE (sequential scans
off, since these tables are small) and the comment rows its scans read are
counted; on SQLite no plan step may scan the comment table whole.
"""

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.comments.models import Comment, CommentStatus, Flag, FlagReason
from app.db import utcnow
from tests.conftest import AppFactory
from tests.factories import make_article, make_comment, make_user
from tests.helpers import api_token, login

# The rest of the site: comments no page below shows.
NOISE = 400
# What a page may read at most (it shows about 50 comments).
BOUND = 150

Statement = tuple[str, Any]


@contextmanager
def statements_run(session: Session) -> Iterator[list[Statement]]:
    """The SELECTs run on the test's connection inside the block, with their parameters."""
    run: list[Statement] = []

    def record(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any
    ) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            run.append((statement, parameters))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield run
    finally:
        event.remove(engine, "before_cursor_execute", record)


def comment_rows_read(
    connection: Connection, statement: Statement, table: str = "comment"
) -> int:
    """PostgreSQL: how many rows of ``table`` the statement's scans read,
    filtered out ones included, over all their loops."""
    sql, parameters = statement
    plan = connection.exec_driver_sql(
        "EXPLAIN (ANALYZE, FORMAT JSON) " + sql, parameters
    ).scalar_one()
    if isinstance(plan, str):
        plan = json.loads(plan)

    def walk(node: dict[str, Any]) -> int:
        read = 0
        if node.get("Relation Name") == table:
            rows = (
                node.get("Actual Rows", 0)
                + node.get("Rows Removed by Filter", 0)
                + node.get("Rows Removed by Index Recheck", 0)
            )
            read += rows * node.get("Actual Loops", 1)
        return read + sum(walk(child) for child in node.get("Plans", []))

    return walk(plan[0]["Plan"])


def full_scans(
    connection: Connection, statement: Statement, table: str = "comment"
) -> list[str]:
    """SQLite: the plan steps that read ``table`` whole (in its own order or an
    index's; a partial index holds only the rows a lane lists)."""
    partial = {
        row[1]
        for row in connection.exec_driver_sql(f"PRAGMA index_list({table})")
        if row[4]
    }
    whole = re.compile(rf"^SCAN {table}(?:_\d+)?(?: USING (?:COVERING )?INDEX (\w+))?")
    sql, parameters = statement
    found = []
    for step in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, parameters):
        scan = whole.match(step[3])
        if scan and scan.group(1) not in partial:
            found.append(step[3])
    return found


def unbounded(
    session: Session, run: list[Statement], tables: tuple[str, ...] = ("comment",)
) -> list[str]:
    connection = session.connection()
    found = []
    if connection.dialect.name == "postgresql":
        # Statistics as a live site has them (ANALYZE counts this transaction's
        # own rows; the rollback forgets them), and no sequential scans, which
        # tables this small would otherwise get whatever the query.
        for table in tables:
            connection.exec_driver_sql(f"ANALYZE {table}")
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        for statement in run:
            for table in tables:
                read = comment_rows_read(connection, statement, table)
                if read > BOUND:
                    found.append(f"{read} {table} rows: {statement[0]}")
    else:
        for statement in run:
            for table in tables:
                scans = full_scans(connection, statement, table)
                if scans:
                    found.append(f"{scans}: {statement[0]}")
    return found


@pytest.fixture
def site(session: Session) -> dict[str, Any]:
    """An article with three conversations, one member's pending reply among
    them, and many comments elsewhere: published ones and a long queue."""
    start = utcnow() - timedelta(days=2)
    member = make_user(session, role=Role.MEMBER)
    article = make_article(session)
    roots = []
    for tree in range(3):
        root = make_comment(
            session, article, created_at=start + timedelta(minutes=tree * 100)
        )
        roots.append(root)
        for reply in range(15):
            make_comment(
                session,
                article,
                parent=root,
                created_at=start + timedelta(minutes=tree * 100 + reply + 1),
            )
    make_comment(
        session, article, author=member, parent=roots[0], status=CommentStatus.PENDING
    )
    # Pinned and featured comments (issue #19) change the order of the pages.
    roots[2].pinned_at = roots[1].featured_at = utcnow()
    elsewhere = make_article(session)
    for n in range(NOISE):
        make_comment(
            session,
            elsewhere,
            status=CommentStatus.APPROVED if n % 2 else CommentStatus.PENDING,
            created_at=start + timedelta(seconds=n),
        )
    assert session.query(Comment).count() > NOISE
    return {"article": article, "member": member, "root": roots[0]}


def test_every_read_path_reads_a_bounded_number_of_rows(
    app_factory: AppFactory, session: Session, site: dict[str, Any]
) -> None:
    slug, root = site["article"].slug, site["root"]
    mod = make_user(session, role=Role.MODERATOR)

    def signed_in(username: str | None, *, api: bool = False) -> TestClient:
        client = TestClient(app_factory(cache_mb=0), follow_redirects=False)
        if username and api:
            token = api_token(client, username)
            client.headers["Authorization"] = f"Bearer {token}"
        elif username:
            login(client, username)
        return client

    reader = signed_in(None)
    member, member_api = (
        signed_in(site["member"].username),
        signed_in(site["member"].username, api=True),
    )
    moderator, moderator_api = (
        signed_in(mod.username),
        signed_in(mod.username, api=True),
    )
    pages = [
        (reader, "/"),
        (reader, f"/articles/{slug}"),
        (reader, f"/api/v1/articles/{slug}/comments"),
        (reader, f"/articles/{slug}?sort=featured"),
        (reader, f"/api/v1/articles/{slug}/comments?sort=featured"),
        (reader, f"/comments/{site['root'].id + 14}"),
        (reader, f"/comments/{root.id}/replies"),
        (reader, f"/api/v1/comments/{root.id}/replies"),
        (member, f"/articles/{slug}"),
        # Again: what is new since the visit before (app.comments.visits).
        (member, f"/articles/{slug}"),
        (member_api, f"/api/v1/articles/{slug}/comments"),
        (member, "/me/comments"),
        (member_api, "/api/v1/me/comments"),
        (moderator, f"/articles/{slug}"),
        (moderator, "/moderation"),
        (moderator, "/moderation?status=medical"),
        (moderator_api, "/api/v1/moderation/queue"),
    ]
    problems = []
    for client, path in pages:
        with statements_run(session) as run:
            # A permalink answers with a redirect to the page it worked out.
            expected = (
                303 if path.startswith("/comments/") and "/replies" not in path else 200
            )
            assert client.get(path).status_code == expected, path
        assert run, path
        problems += [f"{path}: {found}" for found in unbounded(session, run)]
    assert not problems, "\n\n".join(problems)


def test_insights_read_only_the_chosen_days(
    app_factory: AppFactory, session: Session
) -> None:
    """The moderators' figures for a week don't read the comments, decisions
    and reports of the months before it (issue #19)."""
    now = utcnow()
    long_ago = now - timedelta(days=60)
    mod, reporter = make_user(session, role=Role.MODERATOR), make_user(session)
    old, recent = make_article(session), make_article(session)
    for n in range(NOISE):
        comment = make_comment(
            session,
            old,
            status=CommentStatus.REJECTED if n % 4 == 0 else CommentStatus.APPROVED,
            created_at=long_ago + timedelta(minutes=n),
        )
        if n % 4 == 0:
            comment.decided_at = long_ago + timedelta(minutes=n + 30)
        if n % 2:
            session.add(
                Flag(
                    comment_id=comment.id,
                    reporter_id=reporter.id,
                    reason=FlagReason.OFF_TOPIC,
                    created_at=long_ago + timedelta(minutes=n + 5),
                )
            )
    for n in range(5):
        make_comment(session, recent, created_at=now - timedelta(days=n))
    session.flush()
    client = TestClient(app_factory(cache_mb=0), follow_redirects=False)
    login(client, mod.username)
    api = TestClient(app_factory(cache_mb=0), follow_redirects=False)
    api.headers["Authorization"] = f"Bearer {api_token(api, mod.username)}"
    problems = []
    for client_, path in [
        (client, "/moderation/insights?days=7"),
        (api, "/api/v1/moderation/stats?days=7"),
    ]:
        with statements_run(session) as run:
            response = client_.get(path)
            assert response.status_code == 200, path
        assert run, path
        problems += [
            f"{path}: {found}"
            for found in unbounded(session, run, tables=("comment", "flag"))
        ]
    assert not problems, "\n\n".join(problems)
