"""Forgot password, end to end: the form, the mail read from a real SMTP
server, a new password, and the person signed in."""

import pytest
from playwright.sync_api import Page, expect

from app.config import Settings
from app.db import make_sessionmaker
from app.notifications.transport import SmtpTransport
from app.notifications.worker import Worker
from tests.browser.conftest import LiveServer, Screenshot
from tests.factories import make_user
from tests.mailserver import Inbox, link_in, smtp_server

pytestmark = pytest.mark.browser
__all__ = ["smtp_server"]


@pytest.fixture
def inbox(smtp_server: tuple[int, Inbox]) -> Inbox:
    _, inbox = smtp_server
    inbox.messages.clear()
    return inbox


def test_a_member_resets_a_forgotten_password(
    page: Page,
    live_server: LiveServer,
    smtp_server: tuple[int, Inbox],
    inbox: Inbox,
    screenshot: Screenshot,
) -> None:
    with live_server.data() as session:
        member = make_user(session, username="forgetful", display_name="Fern")
        address = member.email
    port, _ = smtp_server
    settings: Settings = live_server.app.state.settings
    worker = Worker(
        settings,
        make_sessionmaker(live_server.app.state.engine),
        SmtpTransport(host="127.0.0.1", port=port),
    )

    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(address)
    screenshot(page, "forgot-password")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.locator("#reset-sent")).to_contain_text(
        "If an account uses that address"
    )

    worker.run_once()  # (the seeded moderator gets a digest too)
    page.goto(link_in(inbox.only(address), "/reset-password/"))
    page.get_by_label("New password", exact=True).fill("lavender fields in june")
    screenshot(page, "reset-password")
    page.get_by_role("button", name="Save and sign in").click()

    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator(".flash")).to_contain_text("Your password is changed")
    page.get_by_role("button", name="Sign out").click()
    page.goto("/login")
    page.get_by_label("Username").fill("forgetful")
    page.get_by_label("Password").fill("lavender fields in june")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
