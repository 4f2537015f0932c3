"""Issue #19 in a real browser: the quiet in-memoriam note on a profile, and a
report's snapshot beside the edited comment in the moderators' queue."""

import itertools

import pytest
from playwright.sync_api import expect

from app.accounts import memorial
from app.accounts import service as accounts_service
from app.comments import editing, reporting
from app.comments.models import FlagReason
from app.comments.schemas import FlagCreate
from tests.browser.conftest import LiveServer, OpenAs, Screenshot, Seed
from tests.browser.test_accessibility import describe, serious_violations
from tests.factories import make_article, make_comment, make_trusted_member, make_user

pytestmark = pytest.mark.browser

NOTE = "Margaret died in March. Her family thanks everyone who wrote to her here."
MADE = itertools.count(1)


@pytest.fixture(scope="module")
def remembered(live_server: LiveServer, seed: Seed) -> str:
    with live_server.data() as session:
        admin = accounts_service.get_user(session, seed.usernames["admin"])
        person = make_user(session, display_name=f"Margaret Lowe {next(MADE)}")
        article = make_article(session, title=f"Living with MS {next(MADE)}")
        make_comment(
            session, article, author=person, body="Heat makes it worse for me."
        )
        memorial.mark(session, person, note=NOTE, actor=admin)
        return person.username


@pytest.fixture(scope="module")
def edited_report(live_server: LiveServer, seed: Seed) -> str:
    with live_server.data() as session:
        moderator = accounts_service.get_user(session, seed.usernames["moderator"])
        article = make_article(session, title=f"Heat and fatigue {next(MADE)}")
        comment = make_comment(
            session, article, author=make_user(session), body="You are **all** fools."
        )
        reporting.flag_comment(
            session,
            comment.id,
            FlagCreate(reason=FlagReason.ABUSIVE, note="Rude to everyone"),
            actor=make_trusted_member(session),
        )
        editing.edit_comment(
            session,
            comment,
            "Have a good day, all.",
            actor=moderator,
        )
        return f"queue-{comment.id}"


def test_a_profile_in_memoriam_shows_a_quiet_note(
    open_as: OpenAs, remembered: str, screenshot: Screenshot
) -> None:
    page = open_as("guest")
    page.goto(f"/users/{remembered}")
    note = page.get_by_role("complementary", name="In memoriam")
    expect(note).to_contain_text(NOTE)
    expect(page.get_by_text("Heat makes it worse for me.")).to_be_visible()
    violations = serious_violations(page)
    assert not violations, describe(violations)
    screenshot(page, "memorial-profile")


def test_moderators_see_what_was_reported_beside_the_edit(
    open_as: OpenAs, edited_report: str, screenshot: Screenshot
) -> None:
    page = open_as("moderator")
    page.goto("/moderation?status=flagged")
    item = page.locator(f"#{edited_report}")
    snapshot = item.get_by_role("region", name="Edited since it was reported")
    expect(snapshot).to_contain_text("You are all fools.")
    expect(item).to_contain_text("Have a good day, all.")
    violations = serious_violations(page)
    assert not violations, describe(violations)
    item.scroll_into_view_if_needed()
    screenshot(page, "flag-snapshot")
