"""A reply notice about a members-only reply does not quote it (issue #19):
mail leaves the site, and may be forwarded or read by anyone."""

import pytest
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.articles.models import Visibility
from app.comments import service as comments_service
from app.comments.schemas import CommentCreate
from app.moderation import service as moderation_service
from app.moderation.models import Decision
from app.notifications.compose import MEMBERS_ONLY_EXCERPT
from tests.factories import make_article, make_comment, make_user
from tests.mailserver import Inbox, text_of
from tests.notifications.conftest import SendMail

pytestmark = pytest.mark.smtp


@pytest.mark.parametrize("chosen", [Visibility.MEMBERS, Visibility.PUBLIC])
def test_a_members_only_reply_is_announced_without_its_text(
    session: Session,
    moderator: User,
    inbox: Inbox,
    send_mail: SendMail,
    chosen: Visibility,
) -> None:
    author = make_user(session, display_name="Ana")
    article = make_article(session, title="What is spasticity?")
    parent = make_comment(session, article, author=author, body="Stretching helps.")
    reply = comments_service.post_comment(
        session,
        article,
        CommentCreate(
            body="My private kwquotedvv story.", parent_id=parent.id, visibility=chosen
        ),
        actor=make_user(session, display_name="Ben"),
        allow_guests=False,
    )
    moderation_service.decide(session, reply, Decision.APPROVE, actor=moderator)
    send_mail()

    text = text_of(inbox.only(author.email))
    assert f"http://testserver/comments/{reply.id}" in text
    if chosen == Visibility.MEMBERS:
        assert "kwquotedvv" not in text
        assert MEMBERS_ONLY_EXCERPT in text
    else:
        assert "kwquotedvv" in text
