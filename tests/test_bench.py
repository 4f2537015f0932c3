"""The benchmark's own smoke test: it seeds through Haven's code, counts what it
bulk-loads, and reads its targets off a run's figures. (The load itself runs in
`python -m bench.run`, never in the suite: timings are not tests.)"""

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import migrate
from app.articles.models import Article
from app.comments import standing, thread
from app.comments.models import QueueStatus
from app.config import Settings
from app.db import session_scope
from bench import run, seed, shapes


def test_shapes_are_deterministic_and_reach_depth_five() -> None:
    assert shapes.thread(200) == shapes.thread(200)
    depths = shapes.check(200)
    assert set(depths) == {1, 2, 3, 4, 5}
    assert sum(depths.values()) == 200


def test_seeding_counts_what_it_bulk_loads(settings: Settings, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    bench = seed.haven_settings(url, tmp_path)
    migrate.upgrade(bench)

    queued = seed.seed_queue(bench, 40, bulk=True)
    threads_url = f"sqlite:///{tmp_path / 'threads.db'}"
    threads = seed.seed_threads(seed.haven_settings(threads_url, tmp_path), [10])

    assert queued["moderator_cookie"]
    assert threads["member_cookie"]
    with session_scope(bench) as session:
        assert standing.queue_counts(session) == standing.counted(session)
        assert standing.queue_counts(session)[QueueStatus.PENDING] == 40
        _assert_article_counts_exact(session)


def _assert_article_counts_exact(session: Session) -> None:
    stored = {
        article_id: (published, roots)
        for article_id, published, roots in session.execute(
            select(Article.id, Article.approved_count, Article.root_count)
        )
    }
    assert stored == standing.published_counted(session)


def test_targets_are_read_off_a_runs_figures() -> None:
    def figures(rps: float, p95: float = 5.0, **more: float) -> dict[str, float]:
        return {"rps": rps, "p95": p95, "bad": 0, "lost": 0, "accepted": 10, **more}

    cases = [
        run.Case("api 200", "haven", "/"),
        run.Case("html 200", "haven", "/"),
        run.Case("html 20000", "haven", "/"),
        run.Case("post", "haven", "/", "POST", isso_peer="isso post"),
    ]
    summary = {
        ("api 200", 10): figures(3000),
        ("limit api 200", 10): figures(10000),
        ("html 200", 10): figures(100),
        ("limit html 200", 10): figures(1000),
        ("html 20000", 10): figures(90, p95=9.0),
        ("post", 10): figures(300),
        ("isso post", 10): figures(90),
    }

    found = {t.what: t for t in run.targets(summary, cases, final_rss_mb=120)}

    assert found["api 200: Haven/limit"].met is True  # 30 % >= 25 %
    assert found["html 200: Haven/limit"].met is False  # 10 % < 15 %
    assert found["html 20000 page 1: p95 / p95 of html 200"].met is False  # 1.8x
    assert found["home: Haven/limit"].met is None  # not measured
    assert found["post: Haven/Isso, 0 errors, every accepted post stored"].met is True
    assert found["one worker's RSS after the whole run"].met is True


def test_the_member_case_reads_as_a_member(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'threads.db'}"
    result = seed.seed_threads(seed.haven_settings(url, tmp_path), [10])
    with session_scope(seed.haven_settings(url, tmp_path)) as session:
        discussion = thread.find_discussion(session, seed.thread_slug(10))
        assert discussion.comment_count == 10
        assert result["member_cookie"]


def test_the_write_thread_is_seeded_beside_the_thread_it_copies(
    tmp_path: Path,
) -> None:
    """The write case's copy of the 200 thread has the same authors: with the
    same text, duplicate detection refused it and the seeding stopped."""
    url = f"sqlite:///{tmp_path / 'threads.db'}"
    result = seed.seed_threads(seed.haven_settings(url, tmp_path), [200])
    assert len(result["write_ids"]) == 200  # type: ignore[arg-type]
