"""Keyboard-only journeys: Tab, Enter and typing, never a click.

Many Haven readers have a tremor and use the keyboard (or a switch that acts as
one). Each journey checks, at every stop, that focus is visible and that it moves
forward through the page in reading order; a target more than MAX_TABS presses
away fails the test.
"""

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.accounts import service as accounts_service
from app.comments.models import Comment, CommentStatus
from app.db import utcnow
from tests.browser.conftest import LiveServer, OpenAs, Seed, Who
from tests.factories import make_article, make_comment, make_user

pytestmark = pytest.mark.browser

MAX_TABS = 80
MEMBER_TEXT = "Typed with the keyboard only: a cool room helps me sleep."
APPROVE_AUTHOR = "Kiran Keys"

# What has focus now: where it is in document order, and how its focus is drawn.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) { return null; }
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    name: (el.getAttribute("aria-label") || el.textContent || el.value || "")
      .replace(/\\s+/g, " ").trim().slice(0, 80),
    order: Array.prototype.indexOf.call(document.querySelectorAll("*"), el),
    inMain: Boolean(el.closest("main")),
    outlineStyle: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth) || 0,
    boxShadow: style.boxShadow,
    width: box.width,
    height: box.height,
  };
}"""

Focused = dict[str, Any]


def describe(focused: Focused) -> str:
    return f"<{focused['tag']}{'#' + focused['id'] if focused['id'] else ''}> {focused['name']!r}"


def focus_is_visible(focused: Focused) -> bool:
    """An outline of some width, or a box shadow, on an element that takes up room."""
    outlined = focused["outlineStyle"] != "none" and focused["outlineWidth"] > 0
    shadowed = focused["boxShadow"] not in ("", "none")
    return (outlined or shadowed) and focused["width"] > 0 and focused["height"] > 0


def press_tab(page: Page) -> Focused:
    page.keyboard.press("Tab")
    focused: Focused | None = page.evaluate(FOCUSED)
    assert focused is not None, "Tab left nothing focused"
    return focused


def tab_to(
    page: Page, is_target: Callable[[Focused], bool], *, limit: int = MAX_TABS
) -> list[Focused]:
    """Press Tab until ``is_target`` holds for the focused element; every stop."""
    stops: list[Focused] = []
    for _ in range(limit):
        stops.append(press_tab(page))
        if is_target(stops[-1]):
            return stops
    pytest.fail(
        f"not reached in {limit} Tab presses; focus went to:\n"
        + "\n".join(describe(stop) for stop in stops)
    )


def assert_focus_visible_and_in_order(stops: list[Focused]) -> None:
    invisible = [describe(stop) for stop in stops if not focus_is_visible(stop)]
    assert not invisible, "focus is not visible on:\n" + "\n".join(invisible)
    # Equal neighbours are the parts of one control (a date field's day, month, year).
    orders = [stop["order"] for stop in stops]
    assert orders == sorted(orders), (
        "focus does not move forward in reading order:\n"
        + "\n".join(f"{stop['order']}: {describe(stop)}" for stop in stops)
    )


def skip_to_main(page: Page) -> None:
    """The first Tab stop is the skip link; Enter on it puts focus on <main>."""
    first = press_tab(page)
    assert first["name"] == "Skip to main content", describe(first)
    assert focus_is_visible(first), describe(first)
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


@dataclass(frozen=True)
class Journey:
    article: str  # an article of its own: posting here leaves the seed alone
    pending: int  # a comment for the moderator to approve, the oldest in the queue
    author: str  # its author's display name


MADE = itertools.count(1)


@pytest.fixture(scope="module")
def journey(live_server: LiveServer, seed: Seed) -> Journey:
    with live_server.data() as session:
        admin = accounts_service.get_user(session, seed.usernames["admin"])
        # A worker of pytest-xdist may build this fixture twice on one database.
        made = next(MADE)
        suffix = f" {made}" if made > 1 else ""
        article = make_article(
            session, title=f"Getting around by keyboard{suffix}", author=admin
        )
        author = make_user(session, display_name=APPROVE_AUTHOR + suffix)
        pending = make_comment(
            session,
            article,
            author=author,
            status=CommentStatus.PENDING,
            body="A switch device lets me use the keyboard with my head.",
            created_at=utcnow() - timedelta(days=30),  # first in the queue
        )
        return Journey(
            article=article.slug, pending=pending.id, author=author.display_name
        )


def test_member_posts_a_comment_with_the_keyboard_only(
    open_as: OpenAs, journey: Journey, live_server: LiveServer, seed: Seed
) -> None:
    page = open_as("member")
    page.goto(f"/articles/{journey.article}")
    skip_to_main(page)

    to_textarea = tab_to(page, lambda stop: stop["id"] == "field-body")
    page.keyboard.type(MEMBER_TEXT)
    expect(page.locator("#field-body")).to_have_value(MEMBER_TEXT)
    to_post = tab_to(page, lambda stop: stop["name"] == "Post comment", limit=5)
    stops = to_textarea + to_post
    assert all(stop["inMain"] for stop in stops), "the skip link should skip the header"
    assert "field-website" not in [stop["id"] for stop in stops]  # the spam trap
    # After the text: the optional content note, "Members only", then the buttons.
    assert to_post[0]["id"] == "field-content_note"
    assert to_post[1]["id"] == "field-visibility"
    assert [stop["name"] for stop in to_post[2:]] == ["Preview", "Post comment"]
    assert_focus_visible_and_in_order(stops)

    page.keyboard.press("Enter")
    # A trusted member's comment appears at once; anyone else's waits for a moderator.
    expect(page.get_by_role("status")).to_contain_text(
        re.compile("Your comment is published|Your comment is awaiting moderation")
    )
    with live_server.data() as session:
        posted = session.scalars(
            select(Comment).where(Comment.body == MEMBER_TEXT)
        ).one()
        member = accounts_service.get_user(session, seed.usernames["member"])
        assert posted.author_id == member.id
        assert posted.status in (CommentStatus.APPROVED, CommentStatus.PENDING)
    expect(page.locator(f"#comment-{posted.id}")).to_contain_text(MEMBER_TEXT)


def test_moderator_approves_a_comment_with_the_keyboard_only(
    open_as: OpenAs, journey: Journey, live_server: LiveServer
) -> None:
    page = open_as("moderator")
    page.goto("/moderation")
    expect(page.locator(f"#queue-{journey.pending}")).to_be_visible()
    skip_to_main(page)

    target = f"Approve the comment by {journey.author}"
    stops = tab_to(page, lambda stop: stop["name"] == target)
    assert all(stop["inMain"] for stop in stops)
    assert_focus_visible_and_in_order(stops)

    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text(
        f"Comment by {journey.author} approved."
    )
    expect(page.locator(f"#queue-{journey.pending}")).to_have_count(0)
    with live_server.data() as session:
        comment = session.get_one(Comment, journey.pending)
        assert comment.status == CommentStatus.APPROVED


def tab_through(page: Page, *, limit: int = 400) -> list[Focused]:
    """Every Tab stop from the top of the page until focus leaves it (or wraps)."""
    stops: list[Focused] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused: Focused | None = page.evaluate(FOCUSED)
        if focused is None or (stops and focused["order"] <= stops[0]["order"]):
            return stops
        stops.append(focused)
    pytest.fail(f"more than {limit} Tab stops: is focus trapped?")


WALKS = [
    ("article", "moderator", "/articles/{seed.article}"),
    ("closed-thread", "moderator", "/articles/{seed.closed}"),
    ("queue", "moderator", "/moderation"),
    ("flagged", "moderator", "/moderation?status=flagged"),
    ("member-record", "moderator", "/users/{seed.usernames[banned]}/moderation"),
    ("editor", "admin", "/admin/articles/new"),
    ("register", "guest", "/register"),
]


@pytest.mark.parametrize(
    ("name", "who", "path"), WALKS, ids=[name for name, _, _ in WALKS]
)
def test_every_tab_stop_shows_focus_in_reading_order(
    name: str,
    who: Who,
    path: str,
    open_as: OpenAs,
    seed: Seed,
    journey: Journey,
) -> None:
    page = open_as(who)
    page.goto(path.format(seed=seed))
    # Folded tools are Tab stops too once unfolded: walk them open.
    page.evaluate(
        "() => document.querySelectorAll('details').forEach(d => d.open = true)"
    )
    stops = tab_through(page)
    assert stops[0]["name"] == "Skip to main content"
    assert len(stops) > 5
    assert_focus_visible_and_in_order(stops)


BROKEN_FOCUS = """<!doctype html>
<html lang="en"><head><title>Broken on purpose</title>
<style>.plain:focus { outline: none; }</style></head>
<body><main>
  <button class="plain">No focus ring</button>
  <a href="#a">Jumps ahead</a>
  <button>Second in the page</button>
</main></body></html>
"""


def test_keyboard_checks_flag_hidden_focus_and_jumbled_order(page: Page) -> None:
    page.set_content(BROKEN_FOCUS)
    with pytest.raises(AssertionError, match="focus is not visible"):
        assert_focus_visible_and_in_order([press_tab(page)])
    with pytest.raises(pytest.fail.Exception, match="not reached in 2 Tab presses"):
        tab_to(page, lambda stop: stop["name"] == "Nowhere", limit=2)
    jumbled = BROKEN_FOCUS.replace('href="#a"', 'href="#a" tabindex="2"')
    fresh = page.context.new_page()  # Tab starts again from the top of the page
    fresh.set_content(jumbled.replace("outline: none", "outline: 3px solid"))
    with pytest.raises(AssertionError, match="reading order"):
        assert_focus_visible_and_in_order([press_tab(fresh) for _ in range(3)])
