"""At 390 px (issue #18, point 5), and the same pages at 1280 px: the author
box, the queue's tabs and decisions, the folded staff menu and the comment
actions. axe checks each state; screenshots with HAVEN_SCREENSHOTS=1."""

import itertools
import os
import re

import pytest
from playwright.sync_api import Locator, Page, expect

from app.comments.models import CommentStatus
from tests.browser.conftest import (
    SCREENSHOT_DIR,
    LiveServer,
    OpenAs,
    Screenshot,
    Seed,
)
from tests.browser.test_accessibility import describe, serious_violations
from tests.factories import make_article, make_comment, make_user

pytestmark = pytest.mark.browser

_numbers = itertools.count(1)
WIDTH = pytest.mark.parametrize("width", [390, 1280])


def at(page: Page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})


def window_shot(page: Page, name: str) -> None:
    """A window-sized screenshot (the menu is at the top of the page), taken
    when HAVEN_SCREENSHOTS=1 as the full-page ones are."""
    if os.environ.get("HAVEN_SCREENSHOTS") == "1":
        SCREENSHOT_DIR.mkdir(exist_ok=True)
        page.screenshot(path=SCREENSHOT_DIR / f"issue18-{name}.png")


def no_serious_violations(page: Page) -> None:
    violations = serious_violations(page)
    assert not violations, describe(violations)


# The elements that stick out past the window's right edge, innermost first.
_STICKING_OUT = """() => {
  const edge = document.documentElement.clientWidth;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.className && typeof el.className === "string"
       ? "." + el.className.trim().split(/\\s+/).join(".") : "");
  const clipped = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") { return true; }
    }
    return false;
  };
  return [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > edge + 0.5 && !clipped(el))
    .filter((el) => ![...el.children].some((c) => c.getBoundingClientRect().right > edge + 0.5))
    .slice(0, 5).map(name);
}"""


def no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, (
        f"the page scrolls sideways by {overflow}px: {page.evaluate(_STICKING_OUT)}"
    )


def tops(items: Locator) -> set[int]:
    """The distinct top edges of elements: one value means one row."""
    boxes = [items.nth(i).bounding_box() for i in range(items.count())]
    return {round(box["y"]) for box in boxes if box is not None}


def style(locator: Locator, prop: str) -> str:
    value: str = locator.evaluate(f"(el) => getComputedStyle(el)['{prop}']")
    return value


@WIDTH
def test_author_box_drops_its_avatar_under_480_px(
    open_as: OpenAs, seed: Seed, screenshot: Screenshot, width: int
) -> None:
    page = open_as("guest")
    at(page, width)
    page.goto(f"/articles/{seed.article}")
    box = page.locator(".author-box")
    expect(box).to_be_visible()
    photo = box.locator(".author-box__photo")
    if width < 480:
        expect(photo).to_be_hidden()
    else:
        expect(photo).to_be_visible()
    text = box.locator(".author-box__text").bounding_box()
    outer = box.bounding_box()
    assert text is not None
    assert outer is not None
    # Without the column the text starts at the box's padding, not beside a photo.
    assert (text["x"] - outer["x"] < 40) == (width < 480)
    no_sideways_scroll(page)
    no_serious_violations(page)
    if width == 390:  # (the helper takes both widths)
        screenshot(page, "issue18-article")


@WIDTH
def test_reply_is_the_primary_action_and_report_quieter(
    open_as: OpenAs, seed: Seed, width: int
) -> None:
    page = open_as("member")
    at(page, width)
    page.goto(f"/articles/{seed.article}")
    # A comment by someone else, which the member may both answer and report.
    comment = page.locator("article.comment:has(.comment__report)").first
    reply = comment.locator(".comment__reply").first
    report = comment.locator(".comment__report").first
    expect(reply).to_be_visible()
    expect(report).to_be_visible()
    assert style(reply, "backgroundColor") not in ("rgba(0, 0, 0, 0)", "transparent")
    assert style(report, "backgroundColor") == "rgba(0, 0, 0, 0)"
    assert style(report, "fontWeight") == "400"
    for target in (reply, report):
        box = target.bounding_box()
        assert box is not None
        assert box["height"] >= 44
        assert box["width"] >= 44
    # Focus still shows on the quieter button.
    report.focus()
    assert style(report, "outlineStyle") == "solid"
    no_sideways_scroll(page)
    no_serious_violations(page)


@pytest.fixture
def waiting(live_server: LiveServer) -> list[int]:
    """Three comments waiting in the queue, of a test's own."""
    with live_server.data() as session:
        author = make_user(session, display_name="Nara Narrow")
        article = make_article(session, title=f"Cooling vests {next(_numbers)}")
        comments = [
            make_comment(
                session,
                article,
                author=author,
                status=CommentStatus.PENDING,
                body=f"Waiting thought {n}: a cooling vest helps me walk further.",
            )
            for n in range(3)
        ]
        session.flush()
        return [comment.id for comment in comments]


@WIDTH
def test_queue_tabs_and_decisions_keep_to_one_row(
    open_as: OpenAs, waiting: list[int], screenshot: Screenshot, width: int
) -> None:
    page = open_as("moderator")
    at(page, width)
    page.goto("/moderation?status=pending")
    assert len(tops(page.locator(".tabs li"))) == 1
    strip = page.locator(".tabs ul")
    if width < 600:  # too many tabs for the width: they scroll as a strip
        assert strip.evaluate("(el) => el.scrollWidth > el.clientWidth")
        assert style(strip, "overflowX") == "auto"
    item = page.locator(f"#queue-{waiting[0]}")
    decisions = item.locator(".queue-item__actions > *")
    assert decisions.count() == 3  # approve, spam, reject…
    assert len(tops(decisions)) == 1
    no_sideways_scroll(page)
    no_serious_violations(page)
    if width == 390:
        screenshot(page, "issue18-queue")
    # "Reject…" opened takes the row its reason needs, still inside the page.
    item.locator(".queue-item__reject > summary").click()
    expect(item.locator(".queue-item__reject form")).to_be_visible()
    no_sideways_scroll(page)
    no_serious_violations(page)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_select_all_on_this_page(
    open_as: OpenAs, waiting: list[int], javascript: bool
) -> None:
    page = open_as("moderator", javascript=javascript)
    at(page, 390)
    page.goto("/moderation?status=pending")
    boxes = page.locator('input[name="ids"][form="bulk"]')
    assert boxes.count() >= len(waiting)
    for i in range(boxes.count()):
        expect(boxes.nth(i)).not_to_be_checked()
    page.get_by_role("link", name="Select all on this page").click()
    for i in range(boxes.count()):
        expect(boxes.nth(i)).to_be_checked()
    page.get_by_role("link", name="Clear the selection").click()
    for i in range(boxes.count()):
        expect(boxes.nth(i)).not_to_be_checked()


@WIDTH
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_staff_menu_folds_and_unfolds(
    open_as: OpenAs,
    seed: Seed,
    waiting: list[int],
    width: int,
    javascript: bool,
) -> None:
    page = open_as("admin", javascript=javascript)
    at(page, width)
    page.goto(f"/articles/{seed.article}")
    menu = page.locator("details.staff-menu")
    summary = menu.locator("summary")
    queue_link = menu.get_by_role("link", name="Moderation queue")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Staff")
    # Folded, the badge still says how many need a look.
    expect(summary.locator(".count")).to_contain_text("need a look")
    expect(queue_link).to_be_hidden()
    # page.evaluate, which these checks use, needs JavaScript; the menu looks
    # the same either way.
    if javascript:
        no_sideways_scroll(page)
        no_serious_violations(page)
        window_shot(page, f"staff-folded-{width}")

    summary.focus()
    page.keyboard.press("Enter")
    expect(queue_link).to_be_visible()
    expect(menu.get_by_role("link", name="Site settings")).to_be_visible()
    box = queue_link.bounding_box()
    assert box is not None
    assert box["height"] >= 44
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= width
    if javascript:
        no_sideways_scroll(page)
        no_serious_violations(page)
        window_shot(page, f"staff-unfolded-{width}")
    if javascript:  # Escape folds it again and gives focus back to the summary
        page.keyboard.press("Escape")
        expect(queue_link).to_be_hidden()
        expect(summary).to_be_focused()
    else:
        summary.click()
        expect(queue_link).to_be_hidden()
    summary.click()
    queue_link.click()
    expect(page).to_have_url(re.compile(r"/moderation$"))
