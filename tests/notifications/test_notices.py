"""Notifications: replies once published, decisions, the moderators' digest,
and one-click unsubscribe (the link and the RFC 8058 POST)."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.articles.models import Article
from app.comments import service as comments_service
from app.comments.models import Comment, CommentStatus
from app.comments.schemas import CommentCreate
from app.db import utcnow
from app.moderation import service as moderation_service
from app.moderation.models import Decision
from app.notifications.models import MailKind, Outbox
from tests.factories import make_article, make_comment, make_user
from tests.mailserver import Inbox, link_in, text_of
from tests.notifications.conftest import SendMail

pytestmark = pytest.mark.smtp


def _reply(
    session: Session, parent: Comment, author: User | None, **guest: str
) -> Comment:
    """A reply posted through the service (held for review unless trusted)."""
    article = session.get(Article, parent.article_id)
    assert article is not None
    return comments_service.post_comment(
        session,
        article,
        CommentCreate(
            body=f"A reply from {author.display_name if author else 'a guest'}.",
            parent_id=parent.id,
            **guest,
        ),
        actor=author,
        allow_guests=True,
    )


def _approved_reply(session: Session, parent: Comment, moderator: User) -> Comment:
    """A new member's reply to ``parent``, approved by ``moderator``."""
    reply = _reply(session, parent, make_user(session))
    return moderation_service.decide(session, reply, Decision.APPROVE, actor=moderator)


@pytest.fixture
def thread(session: Session) -> tuple[User, Comment]:
    """A member's published comment, waiting for answers."""
    author = make_user(session, display_name="Ana")
    article = make_article(session, title="What is spasticity?")
    comment = make_comment(session, article, author=author, body="Stretching helps me.")
    session.refresh(comment, ["article"])
    return author, comment


def test_a_reply_is_announced_once_and_only_after_approval(
    session: Session,
    moderator: User,
    thread: tuple[User, Comment],
    inbox: Inbox,
    send_mail: SendMail,
) -> None:
    author, parent = thread
    replier = make_user(session, display_name="Ben")
    reply = _reply(session, parent, replier)
    assert reply.status == CommentStatus.PENDING

    send_mail()
    assert inbox.to(author.email) == []  # pending: nothing yet

    moderation_service.decide(session, reply, Decision.APPROVE, actor=moderator)
    send_mail()
    send_mail()

    message = inbox.only(author.email)
    assert message["Subject"] == "Ben replied to you on “What is spasticity?”"
    text = text_of(message)
    assert "A reply from Ben." in text
    assert f"http://testserver/comments/{reply.id}" in text
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    assert "What is spasticity?" in str(html.get_content())
    assert message["List-Unsubscribe"].startswith("<http://testserver/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The replier hears that their own comment was approved, not of a reply.
    assert inbox.only(replier.email)["Subject"].startswith("Your comment on")


@pytest.mark.parametrize("decision", [Decision.REJECT, Decision.SPAM])
def test_a_reply_turned_down_is_never_announced(
    session: Session,
    moderator: User,
    thread: tuple[User, Comment],
    inbox: Inbox,
    send_mail: SendMail,
    decision: Decision,
) -> None:
    author, parent = thread
    reply = _reply(session, parent, make_user(session))
    moderation_service.decide(session, reply, decision, actor=moderator)
    send_mail()
    assert inbox.to(author.email) == []


def test_a_reply_published_at_once_is_announced(
    session: Session, thread: tuple[User, Comment], inbox: Inbox, send_mail: SendMail
) -> None:
    author, parent = thread
    reply = _reply(session, parent, make_user(session, role=Role.MODERATOR))
    assert reply.status == CommentStatus.APPROVED
    send_mail()
    inbox.only(author.email)


def test_nobody_is_told_of_their_own_reply(
    session: Session,
    thread: tuple[User, Comment],
    inbox: Inbox,
    send_mail: SendMail,
) -> None:
    author, parent = thread
    reply = _reply(session, parent, author)
    assert reply.status == CommentStatus.APPROVED  # trusted: published at once
    send_mail()
    assert inbox.to(author.email) == []


def test_a_reply_taken_down_before_sending_is_not_announced(
    session: Session,
    moderator: User,
    thread: tuple[User, Comment],
    inbox: Inbox,
    send_mail: SendMail,
) -> None:
    author, parent = thread
    reply = _approved_reply(session, parent, moderator)
    moderation_service.decide(session, reply, Decision.REMOVE, actor=moderator)
    report = send_mail()
    assert inbox.to(author.email) == []
    assert report.skipped >= 1


def test_a_rejection_gives_the_reason_and_a_way_to_revise(
    session: Session, moderator: User, inbox: Inbox, send_mail: SendMail
) -> None:
    author = make_user(session)
    comment = make_comment(
        session,
        make_article(session, title="Fatigue"),
        author=author,
        status=CommentStatus.PENDING,
        body="Try this miracle cure.",
    )
    moderation_service.decide(
        session,
        comment,
        Decision.REJECT,
        actor=moderator,
        reason="Please don't recommend treatments; share your experience instead.",
    )
    send_mail()
    message = inbox.only(author.email)
    assert message["Subject"] == "Your comment on “Fatigue” was not published"
    text = text_of(message)
    assert "share your experience instead" in text
    assert f"http://testserver/comments/{comment.id}/edit" in text


def test_turned_off_notices_are_not_sent(
    session: Session,
    moderator: User,
    thread: tuple[User, Comment],
    inbox: Inbox,
    send_mail: SendMail,
) -> None:
    author, parent = thread
    author.notify_replies = False
    replier = make_user(session)
    replier.notify_decisions = False
    reply = _reply(session, parent, replier)
    moderation_service.decide(session, reply, Decision.APPROVE, actor=moderator)
    report = send_mail()
    assert inbox.messages == []
    assert report.skipped == 2


def test_the_unsubscribe_link_asks_once_then_stops_that_kind_only(
    session: Session,
    client: TestClient,
    moderator: User,
    thread: tuple[User, Comment],
    inbox: Inbox,
    send_mail: SendMail,
) -> None:
    author, parent = thread
    _approved_reply(session, parent, moderator)
    send_mail()
    link = link_in(inbox.only(author.email), "/unsubscribe/")

    page = client.get(link)  # opening the link (or a mail scanner) changes nothing
    assert page.status_code == 200
    assert "emails about replies to your comments" in page.text
    session.refresh(author)
    assert author.notify_replies is True

    done = client.post(link)  # the page's button: no sign-in, no CSRF token
    assert done.status_code == 200
    assert "We won't send you emails about replies" in done.text
    session.refresh(author)
    assert (author.notify_replies, author.notify_decisions) == (False, True)


def test_the_one_click_post_of_rfc_8058_unsubscribes(
    session: Session,
    client: TestClient,
    moderator: User,
    thread: tuple[User, Comment],
    inbox: Inbox,
    send_mail: SendMail,
) -> None:
    author, parent = thread
    _approved_reply(session, parent, moderator)
    send_mail()
    header = inbox.only(author.email)["List-Unsubscribe"].strip("<>")
    path = header.removeprefix("http://testserver")

    response = client.post(path, data={"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    session.refresh(author)
    assert author.notify_replies is False
    # The next reply is not mailed.
    inbox.messages.clear()
    other = _reply(session, parent, make_user(session))
    moderation_service.decide(session, other, Decision.APPROVE, actor=moderator)
    send_mail()
    assert inbox.to(author.email) == []


def test_a_forged_unsubscribe_link_is_refused(client: TestClient) -> None:
    assert client.get("/unsubscribe/not-a-token").status_code == 400
    assert client.post("/unsubscribe/not-a-token").status_code == 400
    assert client.post("/api/v1/unsubscribe/not-a-token").status_code == 422


def test_moderators_get_a_digest_at_most_hourly_and_only_when_something_waits(
    session: Session, mail_settings: object, inbox: Inbox, send_mail: SendMail
) -> None:
    moderator = make_user(session, role=Role.MODERATOR)
    admin = make_user(session, role=Role.ADMIN)
    send_mail()
    assert inbox.to(moderator.email) == []  # nothing waits: no digest

    make_comment(
        session,
        make_article(session),
        author=make_user(session),
        status=CommentStatus.PENDING,
    )
    send_mail()
    send_mail()
    message = inbox.only(moderator.email)
    assert "waiting for moderation" in message["Subject"]
    assert "http://testserver/moderation" in text_of(message)
    assert inbox.to(admin.email) == []  # administrators: nothing new by default

    # An hour later, with something still waiting, the next one goes.
    moderator.digest_sent_at = utcnow() - timedelta(hours=1, minutes=1)
    send_mail()
    assert len(inbox.to(moderator.email)) == 2


def test_unconfirmed_members_get_no_notices(
    session: Session, moderator: User, inbox: Inbox, send_mail: SendMail
) -> None:
    author = make_user(session)
    author.email_verified_at = None
    comment = make_comment(
        session, make_article(session), author=author, status=CommentStatus.PENDING
    )
    moderation_service.decide(session, comment, Decision.APPROVE, actor=moderator)
    send_mail()
    assert inbox.messages == []
    rows = session.scalars(select(Outbox.kind)).all()
    assert rows == [MailKind.APPROVED]


def test_moderators_are_mailed_at_once_about_crisis_language(
    session: Session, moderator: User, inbox: Inbox, send_mail: SendMail
) -> None:
    article = make_article(session, title="Living with fatigue")
    member = make_user(session, display_name="Dana")
    moderator.notify_digest = False  # not switchable: someone may be in danger
    comments_service.post_comment(
        session,
        article,
        CommentCreate(body="Some days I just want to die."),
        actor=member,
        allow_guests=False,
    )
    send_mail()
    message = inbox.only(moderator.email)
    assert message["Subject"] == (
        "Urgent: a comment on “Living with fatigue” may need care now"
    )
    text = text_of(message)
    assert "Dana" in text
    assert "Some days I just want to die." in text
    assert "http://testserver/moderation" in text
    assert inbox.to(member.email) == []
