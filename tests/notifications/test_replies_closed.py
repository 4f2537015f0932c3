"""Replies turned off notify (issue #19, point 6): closing a discussion or
locking a sub-thread mails each directly affected author once, through the
outbox, with the moderator's reason; checked through the real SMTP server."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import memorial
from app.accounts.models import User
from app.articles.models import Article
from app.comments.models import Comment, CommentStatus
from app.db import utcnow
from app.moderation import service as moderation_service
from app.moderation.policy import update_policy
from app.moderation.schemas import PolicyUpdate
from app.notifications.models import MailKind, Outbox, OutboxStatus
from tests.conftest import QueryCounter
from tests.factories import make_admin, make_article, make_comment, make_user
from tests.helpers import csrf_from
from tests.mailserver import Inbox, text_of
from tests.notifications.conftest import SendMail

pytestmark = pytest.mark.smtp

REASON = "Thank you all; this topic has run its course."


def _notices(session: Session) -> list[Outbox]:
    return list(
        session.scalars(
            select(Outbox)
            .where(Outbox.kind == MailKind.REPLIES_CLOSED)
            .order_by(Outbox.id)
        )
    )


def _closing_notices(inbox: Inbox, address: str) -> list[str]:
    """The subjects of the replies-closed mail an address got (a moderator
    also gets the digest of what waits)."""
    return [
        str(message["Subject"])
        for message in inbox.to(address)
        if str(message["Subject"]).startswith("Replies are closed")
    ]


def _guest_comment(
    session: Session, article: Article, address: str, *, confirmed: bool
) -> Comment:
    """A guest's published comment whose author asked for replies by mail."""
    comment = make_comment(session, article)
    comment.guest_email = address
    comment.guest_notify = True
    comment.guest_confirmed_at = utcnow() if confirmed else None
    session.flush()
    return comment


def test_closing_mails_each_author_once_with_the_reason(
    session: Session,
    mod_client: TestClient,
    moderator: User,
    inbox: Inbox,
    send_mail: SendMail,
) -> None:
    article = make_article(session, title="Living with spasticity")
    ana, ben = make_user(session, display_name="Ana"), make_user(session)
    first = make_comment(session, article, author=ana, body="Stretching helps.")
    make_comment(session, article, author=ana, parent=first)
    make_comment(session, article, author=ben, parent=first)
    make_comment(session, article, author=moderator)
    held = make_user(session)
    make_comment(session, article, author=held, status=CommentStatus.PENDING)
    elsewhere = make_user(session)
    make_comment(session, make_article(session), author=elsewhere)
    _guest_comment(session, article, "Gil@Example.org", confirmed=True)
    _guest_comment(session, article, "gil@example.org", confirmed=True)
    _guest_comment(session, article, "unconfirmed@example.org", confirmed=False)
    page = f"/articles/{article.slug}"

    response = mod_client.post(
        f"{page}/close",
        data={"csrf_token": csrf_from(mod_client.get(page).text), "reason": REASON},
    )
    assert response.status_code == 303

    rows = _notices(session)
    assert sorted(row.user_id or 0 for row in rows) == sorted([0, ana.id, ben.id])
    assert [row.to_address for row in rows if row.user_id is None] == [
        "Gil@Example.org"
    ]
    assert {row.status for row in rows} == {OutboxStatus.WAITING}

    send_mail()

    mail = inbox.only(ana.email)
    text = text_of(mail)
    assert mail["Subject"] == "Replies are closed on “Living with spasticity”"
    assert "Hello Ana," in text
    assert 'closed the discussion of "Living with spasticity"' in text
    assert REASON in text
    assert f"See the discussion: http://testserver{page}\r\n" in text
    assert mail["List-Unsubscribe"]
    assert len(inbox.to(ben.email)) == 1
    assert len(inbox.to("Gil@Example.org")) == 1
    for nobody in (moderator, held, elsewhere):
        assert _closing_notices(inbox, nobody.email) == [], nobody.username
    assert inbox.to("unconfirmed@example.org") == []


def test_the_link_is_absolute_under_the_base_url(
    session: Session, moderator: User, inbox: Inbox, send_mail: SendMail
) -> None:
    article = make_article(session)
    author = make_user(session)
    make_comment(session, article, author=author)
    moderation_service.close_thread(session, article, actor=moderator)

    send_mail()

    text = text_of(inbox.only(author.email))
    assert f"/articles/{article.slug}" in text
    link = next(line for line in text.splitlines() if "See the discussion" in line)
    assert link.split(": ", 1)[1].startswith(("http://", "https://"))
    assert "moderator's reason" not in text  # none was given


def test_locking_mails_the_sub_thread_only(
    session: Session,
    mod_api: TestClient,
    moderator: User,
    inbox: Inbox,
    send_mail: SendMail,
) -> None:
    article = make_article(session, title="Baclofen questions")
    above, locked_author, below, deeper, sibling = (
        make_user(session) for _ in range(5)
    )
    top = make_comment(session, article, author=above)
    locked = make_comment(session, article, author=locked_author, parent=top)
    child = make_comment(session, article, author=below, parent=locked)
    make_comment(session, article, author=deeper, parent=child)
    make_comment(session, article, author=sibling, parent=top)
    removed = make_user(session)
    make_comment(
        session, article, author=removed, parent=locked, status=CommentStatus.REMOVED
    )

    response = mod_api.post(
        f"/api/v1/comments/{locked.id}/lock", json={"reason": "Going in circles."}
    )
    assert response.status_code == 200, response.text

    rows = _notices(session)
    assert sorted(row.user_id or 0 for row in rows) == sorted(
        [locked_author.id, below.id, deeper.id]
    )
    send_mail()
    for author in (locked_author, below, deeper):
        text = text_of(inbox.only(author.email))
        assert "a conversation you took part in" in text
        assert "Going in circles." in text
        assert f"/comments/{locked.id}" in text
    for author in (above, sibling, removed, moderator):
        assert inbox.to(author.email) == []


def test_no_mail_to_those_who_turned_reply_mail_off_or_cannot_receive(
    session: Session, moderator: User, inbox: Inbox, send_mail: SendMail
) -> None:
    article = make_article(session)
    quiet, remembered, banned, unconfirmed, welcome = (
        make_user(session) for _ in range(5)
    )
    quiet.notify_replies = False
    memorial.mark(session, remembered, note=None, actor=make_admin(session))
    banned.banned_at = utcnow()
    unconfirmed.email_verified_at = None
    for author in (quiet, remembered, banned, unconfirmed, welcome):
        make_comment(session, article, author=author)

    moderation_service.close_thread(session, article, actor=moderator, reason=REASON)
    report = send_mail()

    assert [message["To"] for message in inbox.messages] == [welcome.email]
    assert report.sent == 1
    skipped = {row.user_id for row in _notices(session) if row.status == "skipped"}
    assert skipped == {quiet.id, remembered.id, banned.id, unconfirmed.id}


def test_reopening_before_the_mail_goes_cancels_it_and_sends_nothing_new(
    session: Session, moderator: User, inbox: Inbox, send_mail: SendMail
) -> None:
    article = make_article(session)
    author = make_user(session)
    comment = make_comment(session, article, author=author)
    moderation_service.close_thread(session, article, actor=moderator)
    moderation_service.set_locked(session, comment, True, actor=moderator)
    assert len(_notices(session)) == 1  # the lock in a closed discussion: nothing

    moderation_service.reopen_thread(session, article, actor=moderator)
    moderation_service.set_locked(session, comment, False, actor=moderator)
    send_mail()

    assert len(_notices(session)) == 1
    assert inbox.messages == []


def test_closing_by_age_sends_nothing(
    session: Session, moderator: User, inbox: Inbox, send_mail: SendMail
) -> None:
    """Auto-closing is no event: the age limit was known when people wrote."""
    update_policy(session, PolicyUpdate(auto_close_days=30), actor=make_admin(session))
    article = make_article(session, published_at=utcnow() - timedelta(days=31))
    make_comment(session, article, author=make_user(session))

    send_mail()

    assert _notices(session) == []
    assert inbox.messages == []


@pytest.mark.parametrize("authors", [3, 60])
def test_queueing_costs_the_same_few_statements_for_many_authors(
    session: Session,
    moderator: User,
    count_queries: QueryCounter,
    authors: int,
) -> None:
    article = make_article(session)
    top = make_comment(session, article, author=make_user(session))
    for _ in range(authors - 1):
        make_comment(session, article, author=make_user(session), parent=top)
    session.flush()

    with count_queries() as closing:
        moderation_service.close_thread(session, article, actor=moderator)
    with count_queries() as locking:
        moderation_service.reopen_thread(session, article, actor=moderator)
        moderation_service.set_locked(session, top, True, actor=moderator)

    assert len(_notices(session)) == 2 * authors
    inserts = [s for s in closing.statements if "INSERT INTO outbox" in s]
    assert len(inserts) == 1
    # The same budget whatever the number of authors (measured at 3 and 60).
    assert len(closing.statements) <= 10, closing.statements
    assert len(locking.statements) <= 16, locking.statements


def test_closing_through_the_api_and_locking_through_the_pages_notify_too(
    session: Session, mod_api: TestClient, mod_client: TestClient
) -> None:
    article = make_article(session)
    first, second = make_user(session), make_user(session)
    make_comment(session, article, author=first)
    page = f"/articles/{article.slug}"
    locked = make_comment(session, make_article(session), author=second)

    closed = mod_api.post(f"/api/v1{page}/close", json={"reason": REASON})
    response = mod_client.post(
        f"/comments/{locked.id}/lock",
        data={"csrf_token": csrf_from(mod_client.get(page).text)},
    )

    assert closed.status_code == 200, closed.text
    assert response.status_code == 303, response.text
    assert [row.user_id for row in _notices(session)] == [first.id, second.id]
