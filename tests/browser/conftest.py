"""Real-browser tests: Debian's Chromium, driven by Playwright, against a live server.

The server is uvicorn in a daemon thread on a socket bound to 127.0.0.1:0, serving
`create_app()` over its own migrated SQLite file (the browser's requests commit
for real, so the rolled-back `session` fixture can't be shared). Every module
here carries the `browser` marker; scripts/test.sh runs them in the SQLite pass.

Chromium comes from scripts/install-browser.sh (`make test` runs it). With
CI=true a missing browser fails the run; elsewhere these tests skip and say why.
"""

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal, TypeVar

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, BrowserContext, Page, StorageState, expect
from sqlalchemy.orm import Session

from app import migrate
from app.accounts import service as accounts_service
from app.accounts.models import Role
from app.comments.models import CommentStatus
from app.config import Settings
from app.db import make_engine, utcnow
from app.main import create_app
from app.moderation import service as moderation_service
from tests.conftest import in_ci
from tests.factories import TEST_PASSWORD, make_article, make_comment, make_user

CHROMIUM = Path(os.environ.get("HAVEN_CHROMIUM", "/usr/bin/chromium-headless-shell"))
INSTALL_HINT = (
    "run scripts/install-browser.sh (apt-get install --no-install-recommends "
    "chromium-headless-shell); `playwright install` can't work here"
)
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / ".screenshots"
WIDTHS = (390, 1280)
# Everything is local: a step that takes this long is a hang, not slowness.
TIMEOUT_MS = 10_000

Who = Literal["guest", "member", "moderator", "admin"]
T = TypeVar("T")

ARTICLE_BODY = """\
Spasticity is muscle stiffness that comes from the nerves, not the muscle.

## What it feels like

- tight or heavy legs, especially in the morning
- spasms that wake you at night
- a leg that "locks" when you stand up

## What helps

Stretching every day, regular movement and, for some people, medicine.
Ask your physiotherapist which [stretches](https://example.org/stretches) suit you.
"""


@dataclass(frozen=True)
class Seed:
    """What the live site holds before any test runs."""

    article: str  # published, with an approved thread long enough to scroll
    closed: str  # published, its discussion closed by a moderator
    journey: str  # published, for journeys that post (keeps `article` stable)
    comment_ids: list[int]  # approved comments on `article`, in page order
    usernames: dict[str, str] = field(default_factory=dict)

    @property
    def first_comment(self) -> int:
        return self.comment_ids[0]

    @property
    def last_comment(self) -> int:
        return self.comment_ids[-1]


@dataclass
class LiveServer:
    url: str
    app: FastAPI
    seed: Seed

    @contextmanager
    def settings_changed(self, **overrides: Any) -> Iterator[None]:
        """Serve with other settings for a while (pages read app.state.settings)."""
        saved: Settings = self.app.state.settings
        self.app.state.settings = saved.model_copy(update=overrides)
        try:
            yield
        finally:
            self.app.state.settings = saved

    @contextmanager
    def data(self) -> Iterator[Session]:
        """A session on the live site's database, committed on leaving.

        For a test to set up rows of its own (a comment to approve, an article to
        close) without changing the shared seed other tests read.
        """
        with self.app.state.sessionmaker() as session:
            yield session
            session.commit()


def _seed(session: Session) -> Seed:
    admin = make_user(session, role=Role.ADMIN, username="ada", display_name="Ada")
    moderator = make_user(
        session, role=Role.MODERATOR, username="mo", display_name="Mo"
    )
    member = make_user(
        session, username="sam", display_name="Sam", bio="Living with MS since 2015."
    )
    banned = make_user(session, username="bert", display_name="Bert")
    accounts_service.ban(
        session, banned, until=None, reason="Spam links", actor=moderator
    )
    others = [make_user(session, display_name=name) for name in ("Ines", "Kofi")]

    article = make_article(
        session,
        title="What is spasticity?",
        author=admin,
        body=ARTICLE_BODY,
        summary="Why muscles stiffen with MS, and what helps.",
        tags=["Symptoms", "Movement"],
    )
    start = utcnow() - timedelta(days=3)
    comments = []
    for i in range(8):
        top = make_comment(
            session,
            article,
            author=[member, *others][i % 3],
            body=f"Experience number {i + 1}: stretching *before* getting up helps me.",
            created_at=start + timedelta(hours=2 * i),
        )
        reply = make_comment(
            session,
            article,
            author=others[i % 2],
            parent=top,
            body="Same here. A warm shower first makes it easier.",
            created_at=start + timedelta(hours=2 * i + 1),
        )
        comments += [top, reply]
    make_comment(
        session, article, author=member, status=CommentStatus.PENDING, body="Held."
    )

    closed = make_article(
        session, title="Fatigue at work", author=admin, tags=["Fatigue"]
    )
    make_comment(session, closed, author=member, body="Short days help me.")
    moderation_service.close_thread(
        session, closed, actor=moderator, reason="This discussion has run its course."
    )
    journey = make_article(session, title="Sleeping well", author=admin)
    make_comment(session, journey, author=others[0], body="I keep a cool room.")
    session.flush()
    return Seed(
        article=article.slug,
        closed=closed.slug,
        journey=journey.slug,
        comment_ids=[comment.id for comment in comments],
        usernames={
            "member": member.username,
            "moderator": moderator.username,
            "admin": admin.username,
            "banned": banned.username,
        },
    )


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium; missing it fails under CI and skips elsewhere."""
    if not os.access(CHROMIUM, os.X_OK):
        message = f"Chromium is not installed at {CHROMIUM}: {INSTALL_HINT}"
        if in_ci():
            pytest.fail(message + " (required when CI=true)", pytrace=False)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], chromium: Path
) -> dict[str, Any]:
    # No --browser-channel value or environment variable points Playwright at
    # another build: executable_path is the one way.
    return {
        **browser_type_launch_args,
        "executable_path": str(chromium),
        "args": ["--disable-gpu", "--disable-quic"],
    }


def browser_settings(data_dir: Path, url: str, **overrides: Any) -> Settings:
    """Settings for a live site over its own SQLite file in ``data_dir``."""
    return Settings(
        env="test",
        database_url=f"sqlite:///{data_dir / 'haven.db'}",
        data_dir=data_dir,
        secret_key="browser-test-secret-not-for-production",
        base_url=url,
        # These journeys type faster than a person; the minimum time a comment
        # form must be open is tested in tests/comments.
        form_min_seconds=0,
        # One seeded member posts in many journeys; posting limits are tested there too.
        post_rate_limit="",
        **overrides,
    )


@contextmanager
def serving(
    data_dir: Path, seed: Callable[[Session], T], **overrides: Any
) -> Iterator[tuple[str, FastAPI, T]]:
    """A live site on a migrated database that ``seed`` filled: its address,
    its app and what ``seed`` returned."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))  # our own socket: no race for a free port
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        settings = browser_settings(data_dir, url, **overrides)
        engine = make_engine(settings.database_url)
        with engine.begin() as connection:
            migrate.upgrade(settings, connection)
        with Session(engine, expire_on_commit=False) as session:
            seeded = seed(session)
            session.commit()
        engine.dispose()

        app = create_app(settings)
        server = uvicorn.Server(
            uvicorn.Config(
                app, log_level="warning", access_log=False, ws="none", lifespan="on"
            )
        )
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]})
        thread.daemon = True
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive(), "the live server stopped while starting"
            assert time.monotonic() < deadline, "the live server did not start in 10 s"
            time.sleep(0.01)
        try:
            yield url, app, seeded
        finally:
            server.should_exit = True
            thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serving(tmp_path_factory.mktemp("browser"), _seed) as (url, app, seed):
        yield LiveServer(url=url, app=app, seed=seed)


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    return live_server.url


@pytest.fixture(scope="session")
def seed(live_server: LiveServer) -> Seed:
    return live_server.seed


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def context(context: BrowserContext) -> BrowserContext:
    context.set_default_timeout(TIMEOUT_MS)
    return context


def sign_in(page: Page, username: str, password: str = TEST_PASSWORD) -> None:
    """Sign in through the login form, as a person would (the one shown, if any)."""
    if "/login" not in page.url:
        page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


@pytest.fixture(scope="session")
def signed_in_state(
    browser: Browser, base_url: str, seed: Seed
) -> Callable[[Who], StorageState]:
    """Cookies of one signed-in session per role, made on first use."""
    states: dict[Who, StorageState] = {}

    def state(who: Who) -> StorageState:
        if who not in states:
            context = browser.new_context(base_url=base_url)
            sign_in(context.new_page(), seed.usernames[who])
            states[who] = context.storage_state()
            context.close()
        return states[who]

    return state


OpenAs = Callable[..., Page]


@pytest.fixture
def open_as(
    new_context: Callable[..., BrowserContext],
    signed_in_state: Callable[[Who], StorageState],
) -> OpenAs:
    """A new page for a guest or a signed-in role; JavaScript on unless told.

    ``bypass_csp`` is for a test that injects a style or script of its own.
    """

    def open_page(
        who: Who = "guest", *, javascript: bool = True, bypass_csp: bool = False
    ) -> Page:
        state = None if who == "guest" else signed_in_state(who)
        context = new_context(
            storage_state=state, java_script_enabled=javascript, bypass_csp=bypass_csp
        )
        context.set_default_timeout(TIMEOUT_MS)
        return context.new_page()

    return open_page


Screenshot = Callable[[Page, str], None]


@pytest.fixture(scope="session")
def screenshot() -> Screenshot:
    """Full-page PNGs at 390 and 1280 px in .screenshots/ when HAVEN_SCREENSHOTS=1."""
    wanted = os.environ.get("HAVEN_SCREENSHOTS") == "1"
    if wanted:
        SCREENSHOT_DIR.mkdir(exist_ok=True)

    def take(page: Page, name: str) -> None:
        if not wanted:
            return
        saved = page.viewport_size
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=SCREENSHOT_DIR / f"{name}-{width}.png", full_page=True)
        if saved:
            page.set_viewport_size(saved)

    return take
