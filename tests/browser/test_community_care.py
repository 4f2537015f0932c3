"""What a reader sees of community care (issue #15): a comment folded behind
its content note, opened from the keyboard with or without JavaScript; the
author's badge, the "Author" mark and an editor's note, calm and accessible."""

import itertools

import pytest
from playwright.sync_api import expect

from app.accounts import service as accounts_service
from tests.browser.conftest import LiveServer, OpenAs, Screenshot, Seed
from tests.browser.test_accessibility import describe, serious_violations
from tests.browser.test_keyboard import (
    assert_focus_visible_and_in_order,
    skip_to_main,
    tab_to,
)
from tests.factories import make_article, make_comment, make_user

pytestmark = pytest.mark.browser

FOLDED_TEXT = "The last months with my mother were hard, and gentle too."
MADE = itertools.count(1)


@pytest.fixture(scope="module")
def care_article(live_server: LiveServer, seed: Seed) -> str:
    """An article whose discussion holds a noted comment, a nurse's answer with
    an editor's note, and the article author's thanks."""
    with live_server.data() as session:
        admin = accounts_service.get_user(session, seed.usernames["admin"])
        made = next(MADE)  # a worker of pytest-xdist may build it twice
        article = make_article(session, title=f"Caring at the end {made}", author=admin)
        noted = make_comment(
            session, article, author=make_user(session), body=FOLDED_TEXT
        )
        noted.content_note = "end of life"
        nurse = make_user(session, display_name="Nadia Okafor")
        nurse.badge = "MS nurse"
        answer = make_comment(
            session,
            article,
            author=nurse,
            parent=noted,
            body="Thank you for sharing. Vitamin D cured my fatigue, try it.",
        )
        answer.editor_note = "Vitamin D is not a treatment for MS fatigue."
        answer.editor_note_url = "https://www.mssociety.org.uk/"
        make_comment(session, article, author=admin, body="Thank you all.")
        return article.slug


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_noted_comment_opens_from_the_keyboard(
    open_as: OpenAs,
    care_article: str,
    screenshot: Screenshot,
    javascript: bool,
) -> None:
    page = open_as("guest", javascript=javascript)
    page.goto(f"/articles/{care_article}")
    text = page.get_by_text(FOLDED_TEXT)
    expect(text).to_be_hidden()

    skip_to_main(page)
    stops = tab_to(page, lambda stop: "Content note: end of life" in stop["name"])
    assert_focus_visible_and_in_order(stops)
    page.keyboard.press("Enter")

    expect(text).to_be_visible()
    page.keyboard.press("Enter")  # and folds away again
    expect(text).to_be_hidden()
    if javascript:
        page.keyboard.press("Enter")
        screenshot(page, "community-care")
        violations = serious_violations(page)
        assert not violations, describe(violations)


def test_badges_the_author_mark_and_the_editors_note_show(
    open_as: OpenAs, care_article: str
) -> None:
    page = open_as("guest")
    page.goto(f"/articles/{care_article}")
    nurse = page.get_by_role("article", name="Comment by Nadia Okafor")
    expect(nurse.locator(".badge--member")).to_have_text("MS nurse")
    note = nurse.get_by_role("complementary", name="Editor's note")
    expect(note).to_contain_text("Vitamin D is not a treatment for MS fatigue.")
    expect(note.get_by_role("link", name="Read the evidence")).to_have_attribute(
        "href", "https://www.mssociety.org.uk/"
    )
    expect(page.locator(".badge--author")).to_have_count(1)
    expect(page.locator(".badge--author")).to_have_text("Author")
