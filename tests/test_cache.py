"""The public renderings cache: bounded, exact, and shared by workers.

Exact means: after any change a reader would see, the next request, served by
any worker, shows it. It is proven here for every such change, with two app
instances (two workers) on one database, against a render made without cache.
"""

import tracemalloc
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app import migrate
from app.accounts import service as accounts_service
from app.accounts.models import Role
from app.articles.models import Article, ArticleStatus
from app.cache import LocalCache
from app.comments.models import CommentStatus
from app.config import Settings
from app.db import make_engine, session_scope, utcnow
from app.main import create_app
from app.moderation.policy import update_policy
from app.moderation.schemas import PolicyUpdate
from tests.comments.test_standing import SEEN_CHANGES, SETUPS, Scene, scene
from tests.conftest import AppFactory, QueryCounter, in_ci, xdist_worker
from tests.factories import make_admin, make_article, make_comment, make_user
from tests.test_ratelimit import REDIS_URL, redis_answers

# The LRU ----------------------------------------------------------------------


def test_lru_keeps_to_its_bound_and_drops_the_least_recently_used() -> None:
    cache = LocalCache(max_bytes=3_500)  # three entries of about 1,100 bytes
    for name in "abc":
        cache.set(name, b"x" * 800)
    assert cache.get("a") is not None  # now the most recently used
    cache.set("d", b"x" * 800)

    assert cache.get("b") is None
    assert cache.get("a") is not None
    assert cache.size <= cache.max_bytes
    cache.set("huge", b"x" * 10_000)  # bigger than the whole cache
    assert cache.get("huge") is None
    assert cache.get("d") is not None


def test_memory_stays_under_the_bound_with_10000_articles_read(
    client: TestClient, session: Session
) -> None:
    """10,000 articles' pages go through a 2 MB cache: what it holds, measured
    by the allocator, stays under 2 MB."""
    page = client.get(f"/articles/{make_article(session).slug}").content
    bound = 2 * 1024 * 1024
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        cache = LocalCache(max_bytes=bound)
        for article_id in range(10_000):
            # Each article's own page: a body of its own size, under its own key.
            body = page.replace(b"</main>", b"<!-- %d --></main>" % article_id)
            cache.set(f"page:{article_id}:1:1:1:1:50", body)
            del body
        held = tracemalloc.take_snapshot().compare_to(before, "filename")
        allocated = sum(stat.size_diff for stat in held)
    finally:
        tracemalloc.stop()
    assert 9_000 > len(cache) > 0
    assert cache.size <= bound
    assert allocated <= bound


def test_the_app_cache_stays_within_its_setting(
    app_factory: AppFactory, session: Session
) -> None:
    articles = [make_article(session) for _ in range(60)]
    app = app_factory(cache_mb=0.05)
    client = TestClient(app)
    for article in articles:
        assert client.get(f"/api/v1/articles/{article.slug}/comments").is_success
        assert client.get(f"/articles/{article.slug}").is_success
    local = app.state.cache.local
    assert 0 < local.size <= 0.05 * 1024 * 1024
    assert len(local) < 120  # older pages were evicted


# ETags and 304 ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/articles/{slug}", "/api/v1/articles/{slug}/comments"]
)
def test_public_reads_answer_304_to_their_etag(
    client: TestClient, session: Session, path: str
) -> None:
    article = make_article(session)
    make_comment(session, article, body="Hello there")
    url = path.format(slug=article.slug)

    first = client.get(url)
    etag = first.headers["etag"]
    again = client.get(url, headers={"If-None-Match": etag})
    weak = client.get(url, headers={"If-None-Match": f'"other", W/{etag}'})
    other = client.get(url, headers={"If-None-Match": '"something-else"'})

    assert first.status_code == 200
    assert etag.startswith('"')
    assert etag.endswith('"')
    assert first.headers["cache-control"] == "no-cache"
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["etag"] == etag
    assert weak.status_code == 304
    assert other.status_code == 200
    assert other.content == first.content


def test_a_personal_json_view_has_a_private_etag(
    client: TestClient, session: Session
) -> None:
    from tests.helpers import api_token

    article = make_article(session)
    member = make_user(session)
    make_comment(session, article, author=member, status=CommentStatus.PENDING)
    headers = {"Authorization": f"Bearer {api_token(client, member.username)}"}
    url = f"/api/v1/articles/{article.slug}/comments"

    mine = client.get(url, headers=headers)
    again = client.get(url, headers={**headers, "If-None-Match": mine.headers["etag"]})
    public = client.get(url)

    assert mine.headers["cache-control"] == "no-store"  # personal: kept nowhere (#16)
    assert again.status_code == 304
    assert len(mine.json()["items"]) == 1  # their own waiting comment
    assert public.json()["items"] == []
    assert public.headers["etag"] != mine.headers["etag"]


@pytest.mark.parametrize(
    "path", ["/articles/{slug}", "/api/v1/articles/{slug}/comments", "/", "/tags/t"]
)
def test_a_cached_public_read_costs_one_query(
    client: TestClient, session: Session, count_queries: QueryCounter, path: str
) -> None:
    article = make_article(session, tags=["T"])
    for _ in range(5):
        make_comment(session, article, parent=make_comment(session, article))
    url = path.format(slug=article.slug)
    assert client.get(url).status_code == 200  # renders and caches

    with count_queries() as queries:
        assert client.get(url).status_code == 200

    assert len(queries) == 1, queries.statements


def test_signed_in_readers_never_get_the_public_rendering(
    app_factory: AppFactory, session: Session
) -> None:
    from tests.helpers import login

    article = make_article(session)
    member = make_user(session)
    mine = make_comment(session, article, author=member, status=CommentStatus.PENDING)
    app = app_factory()
    anonymous = TestClient(app)
    signed_in = TestClient(app, follow_redirects=False)
    login(signed_in, member.username)

    assert anonymous.get(f"/articles/{article.slug}").is_success  # now cached
    page = signed_in.get(f"/articles/{article.slug}").text

    assert f'id="comment-{mine.id}"' in page
    assert "Awaiting moderation" in page


# Exactness: every change a reader sees, through another worker -----------------------


PAGES = ("/articles/{slug}", "/api/v1/articles/{slug}/comments", "/")


def _read_all(client: TestClient, x: Scene) -> list[bytes]:
    return [client.get(path.format(slug=x.article.slug)).content for path in PAGES]


@pytest.mark.parametrize("change", SEEN_CHANGES)
def test_after_each_change_another_worker_shows_it(
    app_factory: AppFactory, session: Session, change: str
) -> None:
    x = scene(session)
    for _ in range(3):
        make_comment(session, x.article, parent=x.comment)
    if change in SETUPS:
        SETUPS[change](x)
        session.flush()
    first, second = TestClient(app_factory()), TestClient(app_factory())
    before = _read_all(first, x)
    assert _read_all(second, x) == before  # both workers have it cached now

    SEEN_CHANGES[change](x)
    session.flush()

    fresh = _read_all(TestClient(app_factory(cache_mb=0)), x)
    assert fresh != before, "the change should be visible at all"
    assert _read_all(second, x) == fresh
    assert _read_all(first, x) == fresh


def test_a_settings_change_that_closes_discussions_shows_at_once(
    app_factory: AppFactory, session: Session
) -> None:
    article = make_article(session, published_at=utcnow().replace(year=2020))
    make_comment(session, article)
    client = TestClient(app_factory())
    url = f"/articles/{article.slug}"
    assert "Comments are closed." not in client.get(url).text

    update_policy(session, PolicyUpdate(auto_close_days=30), actor=make_admin(session))
    session.flush()

    assert "Comments are closed." in client.get(url).text
    assert (
        client.get(f"/api/v1/articles/{article.slug}/comments").json()["comments_open"]
        is False
    )


# Two real workers on one database, sharing Redis ----------------------------------------


@pytest.fixture
def shared_database(settings: Settings, tmp_path: Path) -> Iterator[str]:
    """A database of its own whose writes really commit (not the rolled-back
    test transaction): what two workers see is what is committed."""
    if settings.is_sqlite:
        url = f"sqlite:///{tmp_path / 'workers.db'}"
        migrate.upgrade(settings.model_copy(update={"database_url": url}))
        yield url
        return
    name = f"haven_workers_{xdist_worker() or 'main'}"
    admin = make_engine(settings.database_url).execution_options(
        isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    rendered = (
        make_url(settings.database_url)
        .set(database=name)
        .render_as_string(hide_password=False)
    )
    migrate.upgrade(settings.model_copy(update={"database_url": rendered}))
    yield rendered
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def _redis_url() -> str:
    if redis_answers():
        return REDIS_URL
    if in_ci():
        pytest.fail("Redis is not reachable on 127.0.0.1:6379 (required when CI=true)")
    return ""


class _Checkouts:
    """Connections taken from a worker's pool: one per request that reads the
    database (the front cache's lookup runs on the DBAPI connection directly)."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "checkout", self._seen)

    def _seen(self, *_args: object) -> None:
        self.count += 1


def _worker(settings: Settings, url: str, redis_url: str, namespace: str) -> FastAPI:
    app = create_app(
        settings.model_copy(
            update={"database_url": url, "redis_url": redis_url, "post_rate_limit": ""}
        )
    )
    if app.state.cache.shared is not None:  # a Redis of its own for this test
        app.state.cache.shared._prefix = f"test:{namespace}:"
    return app


def test_two_workers_share_renderings_and_see_each_others_changes(
    settings: Settings, shared_database: str
) -> None:
    with session_scope(
        settings.model_copy(update={"database_url": shared_database})
    ) as db:
        moderator = accounts_service.create_user(
            db,
            username="worker_mod",
            email="worker_mod@example.org",
            password="correct horse battery staple",
            role=Role.MODERATOR,
        )
        db.execute(
            insert(Article).values(
                slug="shared",
                title="Shared",
                summary="",
                body="Body",
                body_html="<p>Body</p>",
                author_id=moderator.id,
                status=ArticleStatus.PUBLISHED,
                published_at=utcnow(),
            )
        )
    redis_url, namespace = _redis_url(), uuid.uuid4().hex
    first = _worker(settings, shared_database, redis_url, namespace)
    second = _worker(settings, shared_database, redis_url, namespace)
    checkouts = _Checkouts(second.state.engine)
    with TestClient(first) as one, TestClient(second) as two:
        page = one.get("/articles/shared")
        assert page.status_code == 200
        etag = page.headers["etag"]
        checkouts.count = 0
        # The second worker answers from the first one's rendering (Redis, when
        # there is one) in front of the app: one lookup of the version.
        again = two.get("/articles/shared", headers={"If-None-Match": etag})
        if redis_url:
            assert again.status_code == 304
            assert checkouts.count == 1
        token = two.post(
            "/api/v1/auth/token",
            data={"username": "worker_mod", "password": "correct horse battery staple"},
        ).json()["access_token"]
        posted = two.post(
            "/api/v1/articles/shared/comments",
            json={"body": "Fresh from the other worker"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert posted.status_code == 201
        assert posted.json()["status"] == "approved"

        after = one.get("/articles/shared", headers={"If-None-Match": etag})
        assert after.status_code == 200
        assert "Fresh from the other worker" in after.text
        assert after.headers["etag"] != etag
        cached = two.get("/api/v1/articles/shared/comments")
        assert cached.json()["comment_count"] == 1
        hit = two.get("/api/v1/articles/shared/comments")
        assert hit.content == cached.content
    first.state.engine.dispose()
    second.state.engine.dispose()


def test_members_with_nothing_of_their_own_share_the_members_rendering(
    app_factory: AppFactory, session: Session, count_queries: QueryCounter
) -> None:
    """Members share one rendering, kept apart from the anonymous one (which
    never holds members-only text, issue #19)."""
    from app.comments import thread
    from tests.helpers import api_token, login

    article = make_article(session)
    for _ in range(3):
        make_comment(session, article)
    member, other = make_user(session), make_user(session)
    app = app_factory()
    reader = TestClient(app, follow_redirects=False)
    login(reader, member.username)
    first = TestClient(app, follow_redirects=False)
    login(first, other.username)
    token = api_token(TestClient(app), member.username)
    bearer = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/articles/{article.slug}/comments"

    public = TestClient(app).get(url)
    assert reader.get(url, headers=bearer).content == public.content
    assert first.get(f"/articles/{article.slug}").is_success
    with count_queries() as queries:
        reader.get(f"/articles/{article.slug}")
    # The thread itself came from the cache: no comment was read.
    assert not [q for q in queries.statements if "comment.body_html" in q]

    mine = make_comment(session, article, author=member, status=CommentStatus.PENDING)
    session.flush()
    assert not thread.sees_public_page(
        session,
        thread.find_discussion(session, article.slug),
        thread.Viewer.of(member),
    )
    own = reader.get(url, headers=bearer).json()
    assert mine.id in [item["id"] for item in own["items"]]
    assert f'id="comment-{mine.id}"' in reader.get(f"/articles/{article.slug}").text


def test_moderators_and_banned_members_never_get_the_public_rendering(
    session: Session,
) -> None:
    from datetime import timedelta

    from app.comments import thread

    article = make_article(session)
    discussion = thread.find_discussion(session, article.slug)
    moderator = make_user(session, role=Role.MODERATOR)
    banned = make_user(session)
    accounts_service.ban(
        session,
        banned,
        until=utcnow() + timedelta(days=1),
        reason="Abuse",
        actor=moderator,
    )

    for person in (moderator, banned):
        viewer = thread.Viewer.of(person)
        assert not thread.sees_public_page(session, discussion, viewer)
    assert thread.sees_public_page(session, discussion, thread.PUBLIC)
