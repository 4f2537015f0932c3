"""A search reads the index, not the tables: its plan, on each database.

Counting queries can't tell a search that uses the full-text index from one
that reads every comment, so the statements a search runs are asked for their
plans (as tests/test_query_plans.py does for the read paths).
"""

from sqlalchemy.orm import Session

from app.search import index as search_index
from app.search import service
from app.search.service import SearchQuery
from tests.factories import make_article, make_bulk_thread, make_comment, make_user
from tests.test_query_plans import statements_run

# Comments that don't hold the word searched for.
NOISE = 400


def test_a_search_reads_only_what_matches(session: Session) -> None:
    article = make_article(session, title="Cooling", body="Fans and vests.")
    make_bulk_thread(session, article, count=NOISE, authors=[make_user(session)])
    for n in range(3):
        make_comment(session, article, body=f"Quinine helped, {n}.")
    search_index.reindex(session)  # the bulk thread went in without the services

    with statements_run(session) as run:
        page = service.search(
            session, SearchQuery.parse("quinine"), page=1, per_page=20
        )
    assert page.total == 3
    assert len(run) == 2

    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("ANALYZE search_document")
        connection.exec_driver_sql("ANALYZE comment")
        # Tables this small get a whole scan (of the table, or of any btree
        # index) whatever the query; with both off, what is left shows whether
        # the match can use the GIN index (on 10,000 comments the planner takes
        # it by itself: bench/search.py).
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        connection.exec_driver_sql("SET LOCAL enable_indexscan = off")
        for sql, parameters in run:
            plan = "\n".join(
                connection.exec_driver_sql("EXPLAIN " + sql, parameters).scalars()
            )
            assert "Bitmap Index Scan on ix_search_document_document" in plan, plan
    else:
        for sql, parameters in run:
            steps = [
                row[3]
                for row in connection.exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + sql, parameters
                )
            ]
            assert any(
                step.startswith("SCAN search_fts VIRTUAL TABLE") for step in steps
            )
            whole = [
                step
                for step in steps
                if step.startswith(("SCAN search_document", "SCAN comment"))
            ]
            assert whole == [], steps
