"""No mail goes to or about a member remembered in memoriam (#19, point 3),
checked through the real SMTP server."""

import pytest
from sqlalchemy.orm import Session

from app.accounts import memorial
from app.accounts.models import Role, User
from app.comments.models import CommentStatus
from app.moderation import service as moderation_service
from app.moderation.models import Decision
from tests.factories import make_admin, make_article, make_comment, make_user
from tests.mailserver import Inbox
from tests.notifications.conftest import SendMail

pytestmark = pytest.mark.smtp


def test_no_reply_notice_goes_to_a_member_in_memoriam(
    session: Session, inbox: Inbox, send_mail: SendMail
) -> None:
    remembered = make_user(session, display_name="Ana")
    article = make_article(session)
    parent = make_comment(session, article, author=remembered, body="Stretch daily.")
    memorial.mark(session, remembered, note=None, actor=make_admin(session))
    moderator = make_user(session, role=Role.MODERATOR)
    reply = make_comment(
        session,
        article,
        author=make_user(session),
        parent=parent,
        status=CommentStatus.PENDING,
        body="Thanks!",
    )
    moderation_service.decide(session, reply, Decision.APPROVE, actor=moderator)

    report = send_mail()

    assert inbox.to(remembered.email) == []
    assert report.sent == 1  # the replier's own approval notice, nothing else


def test_no_mail_tells_others_that_a_member_in_memoriam_replied(
    session: Session, inbox: Inbox, send_mail: SendMail
) -> None:
    reader = make_user(session, display_name="Ben")
    remembered: User = make_user(session, display_name="Ana")
    article = make_article(session)
    parent = make_comment(session, article, author=reader, body="Any tips?")
    # Written before they died, still waiting for a moderator.
    last = make_comment(
        session,
        article,
        author=remembered,
        parent=parent,
        status=CommentStatus.PENDING,
        body="Keep moving.",
    )
    memorial.mark(session, remembered, note=None, actor=make_admin(session))
    moderation_service.decide(
        session, last, Decision.APPROVE, actor=make_user(session, role=Role.MODERATOR)
    )

    send_mail()

    assert inbox.to(reader.email) == []
    assert inbox.to(remembered.email) == []
