"""A moderator's journeys, with JavaScript and without: the queue, closing, locking.

Each test makes its own article, author and comments on the live database
(`live_server.data()`), so decisions here never touch the shared seed.
"""

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import Dialog, Locator, Page, expect

from app.articles.models import Article
from app.comments.models import Comment, CommentStatus
from tests.browser.conftest import LiveServer, OpenAs, Screenshot, sign_in
from tests.factories import make_article, make_comment, make_user

pytestmark = pytest.mark.browser

JS = pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
_numbers = itertools.count(1)


@dataclass(frozen=True)
class Scene:
    """An article of a test's own, and comments on it by one new member."""

    slug: str
    title: str
    username: str
    author: str  # display name
    comment_ids: list[int]
    bodies: list[str]

    @property
    def url(self) -> str:
        return f"/articles/{self.slug}"


MakeScene = Callable[..., Scene]


@pytest.fixture
def scene(live_server: LiveServer) -> MakeScene:
    """Make an article with ``count`` comments in ``status`` by a new member."""

    def make(count: int = 1, status: CommentStatus = CommentStatus.PENDING) -> Scene:
        n = next(_numbers)
        with live_server.data() as session:
            author = make_user(
                session, username=f"writer{n:03d}", display_name=f"Writer {n:03d}"
            )
            article = make_article(session, title=f"Moderated article {n:03d}")
            bodies = [
                f"Thought {n:03d}-{i}: swimming eased my spasms." for i in range(count)
            ]
            comments = [
                make_comment(session, article, author=author, status=status, body=body)
                for body in bodies
            ]
            session.flush()
            return Scene(
                slug=article.slug,
                title=article.title,
                username=author.username,
                author=author.display_name,
                comment_ids=[comment.id for comment in comments],
                bodies=bodies,
            )

    return make


def status_of(live_server: LiveServer, comment_id: int) -> CommentStatus:
    with live_server.data() as session:
        comment = session.get(Comment, comment_id)
        assert comment is not None
        return CommentStatus(comment.status)


def queue_item(page: Page, body: str) -> Locator:
    """The queue's list item for the comment that says ``body``."""
    return page.locator("ol.queue").get_by_role("listitem").filter(has_text=body)


def thread_comment(page: Page, body: str) -> Locator:
    return page.locator("#comments article.comment", has_text=body)


def expect_flash(page: Page, message: str) -> None:
    expect(page.get_by_role("status")).to_contain_text(message)


def accept_dialogs(page: Page, javascript: bool) -> None:
    """Say yes to haven.js's confirm() before destructive actions (JS only)."""
    if javascript:
        page.on("dialog", lambda dialog: dialog.accept())


def answer_dialogs(page: Page, confirmed: bool) -> list[str]:
    """Answer every confirm() yes or no; the list fills with the questions asked."""
    asked: list[str] = []

    def answer(dialog: Dialog) -> None:
        asked.append(dialog.message)
        if confirmed:
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", answer)
    return asked


@JS
def test_moderator_approves_a_pending_comment_and_guests_then_see_it(
    open_as: OpenAs, scene: MakeScene, screenshot: Screenshot, javascript: bool
) -> None:
    made = scene()
    body = made.bodies[0]
    guest = open_as(javascript=javascript)
    guest.goto(made.url)
    expect(guest.get_by_text(body)).to_have_count(0)

    page = open_as("moderator", javascript=javascript)
    page.goto("/moderation")
    expect(page.get_by_role("heading", level=1)).to_have_text("Moderation queue")
    item = queue_item(page, body)
    expect(item).to_contain_text(f"{made.author} on {made.title}")
    screenshot(page, "moderation-queue")
    item.get_by_role("button", name=f"Approve the comment by {made.author}").click()

    expect_flash(page, f"Comment by {made.author} approved.")
    expect(page).to_have_url(re.compile(r"/moderation\?status=pending$"))
    expect(queue_item(page, body)).to_have_count(0)

    guest.reload()
    comment = thread_comment(guest, body)
    expect(comment).to_be_visible()
    expect(comment).to_have_accessible_name(f"Comment by {made.author}")
    expect(comment).not_to_contain_text("Awaiting moderation")


@JS
def test_rejected_comment_shows_the_reason_to_its_author_only(
    open_as: OpenAs,
    scene: MakeScene,
    live_server: LiveServer,
    javascript: bool,
) -> None:
    made = scene()
    body = made.bodies[0]
    reason = "Please ask your neurologist before changing a dose."
    page = open_as("moderator", javascript=javascript)
    page.goto("/moderation")
    item = queue_item(page, body)
    item.get_by_text(f"Reject… the comment by {made.author}").click()
    item.get_by_label(re.compile("^Reason")).fill(reason)
    item.get_by_role("button", name="Reject", exact=True).click()

    expect_flash(page, f"Comment by {made.author} rejected.")
    expect(queue_item(page, body)).to_have_count(0)
    assert status_of(live_server, made.comment_ids[0]) is CommentStatus.REJECTED

    author = open_as(javascript=javascript)
    sign_in(author, made.username)
    author.goto(made.url)
    comment = thread_comment(author, body)
    expect(comment).to_be_visible()
    expect(comment).to_contain_text("Not published")
    expect(comment).to_contain_text(
        f"Only you can see this: a moderator did not publish it. Their reason: {reason}"
    )

    guest = open_as(javascript=javascript)
    guest.goto(made.url)
    expect(guest.get_by_role("heading", level=1)).to_have_text(made.title)
    expect(guest.get_by_text(body)).to_have_count(0)
    expect(guest.get_by_text(reason)).to_have_count(0)


@JS
def test_bulk_approve_publishes_the_selected_comments_only(
    open_as: OpenAs, scene: MakeScene, screenshot: Screenshot, javascript: bool
) -> None:
    made = scene(count=4)
    *chosen, left = made.bodies
    page = open_as("moderator", javascript=javascript)
    # The bulk form is marked for a confirmation; say yes if one is asked.
    accept_dialogs(page, javascript)
    page.goto("/moderation")
    for body in chosen:
        queue_item(page, body).get_by_role(
            "checkbox", name=f"Select the comment by {made.author}"
        ).check()
    bulk = page.get_by_role("group", name="With the selected comments")
    bulk.get_by_label("Action").select_option(label="Approve")
    screenshot(page, "moderation-queue-bulk")
    bulk.get_by_role("button", name="Apply to selected").click()

    expect_flash(page, "3 comments approved.")
    for body in chosen:
        expect(queue_item(page, body)).to_have_count(0)
    expect(queue_item(page, left)).to_have_count(1)

    guest = open_as(javascript=javascript)
    guest.goto(made.url)
    for body in chosen:
        expect(thread_comment(guest, body)).to_be_visible()
    expect(guest.get_by_text(left)).to_have_count(0)


def expect_closed(page: Page, reason: str) -> None:
    # Said beside the Discussion heading and again where the form would be.
    expect(page.get_by_text("Comments are closed.")).to_have_count(2)
    expect(page.locator("#comments-closed")).to_be_visible()
    expect(page.locator("#comments-closed")).to_contain_text(reason)
    expect(page.get_by_label("Your comment")).to_have_count(0)
    expect(page.get_by_role("button", name="Post comment")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("^Reply"))).to_have_count(0)


def expect_open(page: Page) -> None:
    expect(page.get_by_text("Comments are closed.")).to_have_count(0)
    expect(page.get_by_label("Your comment")).to_be_visible()
    expect(page.get_by_role("button", name="Post comment")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Reply"))).to_have_count(1)


@JS
def test_moderator_closes_and_reopens_a_discussion(
    open_as: OpenAs, scene: MakeScene, screenshot: Screenshot, javascript: bool
) -> None:
    made = scene(status=CommentStatus.APPROVED)
    reason = "We have answered this one; see the newer article."
    page = open_as("moderator", javascript=javascript)
    member = open_as("member", javascript=javascript)
    page.goto(made.url)
    member.goto(made.url)
    expect_open(page)
    expect_open(member)

    page.get_by_text("Moderate this discussion").click()
    page.get_by_label(re.compile("^Reason")).fill(reason)
    page.get_by_role("button", name="Close comments").click()
    expect_flash(page, "Discussion closed.")
    expect_closed(page, reason)
    expect(thread_comment(page, made.bodies[0])).to_be_visible()
    screenshot(page, "thread-closed")
    member.reload()
    expect_closed(member, reason)
    expect(thread_comment(member, made.bodies[0])).to_be_visible()

    page.get_by_text("Moderate this discussion").click()
    page.get_by_role("button", name="Reopen comments").click()
    expect_flash(page, "Discussion reopened.")
    expect_open(page)
    member.reload()
    expect_open(member)


def reply_links(scope: Page | Locator) -> Locator:
    return scope.get_by_role("link", name=re.compile("^Reply"))


@JS
def test_moderator_locks_and_unlocks_a_sub_thread(
    open_as: OpenAs,
    scene: MakeScene,
    live_server: LiveServer,
    javascript: bool,
) -> None:
    made = scene(count=2, status=CommentStatus.APPROVED)
    locked_body, other_body = made.bodies
    reply_body = "Cold water helps me more than warm."
    with live_server.data() as session:
        parent = session.get(Comment, made.comment_ids[0])
        assert parent is not None
        article = session.get(Article, parent.article_id)
        assert article is not None
        make_comment(session, article, author=None, parent=parent, body=reply_body)

    member = open_as("member", javascript=javascript)
    member.goto(made.url)
    # The locked comment's list item holds its whole sub-thread.
    sub_thread = member.locator(
        "li.thread__item", has=member.locator("article.comment", has_text=locked_body)
    ).first
    expect(reply_links(sub_thread)).to_have_count(2)

    page = open_as("moderator", javascript=javascript)
    page.goto(made.url)
    comment = thread_comment(page, locked_body)
    comment.get_by_text(f"Moderate the comment by {made.author}").click()
    comment.get_by_role("button", name="Close replies").click()
    expect_flash(page, "Replies to this comment are now closed.")
    expect(page).to_have_url(re.compile(f"#comment-{made.comment_ids[0]}$"))

    member.reload()
    expect(thread_comment(member, locked_body)).to_contain_text(
        "Replies to this comment are closed."
    )
    expect(thread_comment(member, reply_body)).to_be_visible()
    expect(reply_links(sub_thread)).to_have_count(0)
    expect(sub_thread.locator(".reply-form")).to_have_count(0)
    # Only that sub-thread: the rest of the discussion takes replies.
    expect(reply_links(thread_comment(member, other_body))).to_have_count(1)
    expect(member.get_by_label("Your comment")).to_be_visible()

    comment = thread_comment(page, locked_body)
    comment.get_by_text(f"Moderate the comment by {made.author}").click()
    comment.get_by_role("button", name="Reopen replies").click()
    expect_flash(page, "Replies to this comment are open again.")

    member.reload()
    expect(sub_thread).not_to_contain_text("Replies to this comment are closed.")
    expect(reply_links(sub_thread)).to_have_count(2)


@pytest.mark.parametrize("confirmed", [True, False], ids=["confirmed", "cancelled"])
def test_marking_as_spam_asks_first_and_cancelling_changes_nothing(
    open_as: OpenAs, scene: MakeScene, live_server: LiveServer, confirmed: bool
) -> None:
    made = scene()
    body = made.bodies[0]
    page = open_as("moderator")
    asked = answer_dialogs(page, confirmed)
    page.goto("/moderation")
    queue_item(page, body).get_by_role(
        "button", name=f"Mark as spam the comment by {made.author}"
    ).click()

    if confirmed:
        expect_flash(page, f"Comment by {made.author} marked as spam.")
        expect(queue_item(page, body)).to_have_count(0)
        expected = CommentStatus.SPAM
    else:
        page.reload()
        expect(queue_item(page, body)).to_have_count(1)
        expect(page.get_by_role("status")).not_to_contain_text("marked as spam")
        expected = CommentStatus.PENDING
    assert asked == ["Mark this comment as spam?"]
    assert status_of(live_server, made.comment_ids[0]) is expected


@pytest.mark.parametrize("confirmed", [True, False], ids=["confirmed", "cancelled"])
def test_removing_from_the_thread_asks_first_and_cancelling_keeps_the_comment(
    open_as: OpenAs, scene: MakeScene, live_server: LiveServer, confirmed: bool
) -> None:
    made = scene(status=CommentStatus.APPROVED)
    body = made.bodies[0]
    page = open_as("moderator")
    asked = answer_dialogs(page, confirmed)
    page.goto(made.url)
    comment = thread_comment(page, body)
    comment.get_by_text(f"Moderate the comment by {made.author}").click()
    comment.get_by_role("button", name="Remove").click()

    if confirmed:
        expect_flash(page, f"Comment by {made.author} removed.")
        # Back on the article; a removed comment without replies leaves no trace.
        expect(page).to_have_url(
            re.compile(f"{made.url}#comment-{made.comment_ids[0]}$")
        )
        expect(page.get_by_role("heading", level=1)).to_have_text(made.title)
        expect(page.locator(f"#comment-{made.comment_ids[0]}")).to_have_count(0)
        expect(page.get_by_text(body)).to_have_count(0)
        expected = CommentStatus.REMOVED
    else:
        page.reload()
        expect(thread_comment(page, body)).to_be_visible()
        expect(page.get_by_role("article", name="Removed comment")).to_have_count(0)
        expected = CommentStatus.APPROVED
    assert asked == ["Remove: are you sure?"]
    assert status_of(live_server, made.comment_ids[0]) is expected


@pytest.mark.parametrize("confirmed", [True, False], ids=["confirmed", "cancelled"])
def test_bulk_spam_asks_first_naming_how_many(
    open_as: OpenAs, scene: MakeScene, live_server: LiveServer, confirmed: bool
) -> None:
    made = scene(count=2)
    page = open_as("moderator")
    asked = answer_dialogs(page, confirmed)
    page.goto("/moderation")
    for body in made.bodies:
        queue_item(page, body).get_by_role(
            "checkbox", name=f"Select the comment by {made.author}"
        ).check()
    bulk = page.get_by_role("group", name="With the selected comments")
    bulk.get_by_label("Action").select_option(label="Mark as spam")
    bulk.get_by_role("button", name="Apply to selected").click()

    if confirmed:
        expect_flash(page, "2 comments marked as spam.")
        expected = CommentStatus.SPAM
    else:
        page.reload()
        expected = CommentStatus.PENDING
    for body in made.bodies:
        expect(queue_item(page, body)).to_have_count(0 if confirmed else 1)
    assert asked == ["Mark as spam: 2 comments. Are you sure?"]
    assert [status_of(live_server, i) for i in made.comment_ids] == [expected] * 2
