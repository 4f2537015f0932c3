"""The posting rules, in the service where both faces share them."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.articles.models import Article
from app.comments import service
from app.comments.models import Comment, CommentStatus
from app.comments.schemas import CommentCreate
from app.db import utcnow
from app.errors import Conflict, Invalid, NotAuthenticated, NotFound, PermissionDenied
from tests.factories import make_article, make_comment, make_user


def post(
    session: Session,
    article: Article,
    actor: User | None,
    *,
    allow_guests: bool = False,
    **fields: object,
) -> Comment:
    data = CommentCreate.model_validate({"body": "I found stretching helps.", **fields})
    return service.post_comment(
        session, article, data, actor=actor, allow_guests=allow_guests
    )


def stored(session: Session) -> int:
    return session.scalar(select(func.count(Comment.id))) or 0


def test_member_comment_waits_for_moderation(session: Session) -> None:
    article = make_article(session)
    comment = post(session, article, make_user(session))
    assert comment.status == CommentStatus.PENDING
    assert comment.depth == 1
    assert comment.root_id == comment.id


def test_moderator_comment_is_published_at_once(session: Session) -> None:
    article = make_article(session)
    assert (
        post(session, article, make_user(session, role=Role.MODERATOR)).status
        == CommentStatus.APPROVED
    )


def test_reply_takes_its_place_in_the_tree(session: Session) -> None:
    article = make_article(session)
    top = make_comment(session, article)
    middle = make_comment(session, article, parent=top)
    reply = post(session, article, make_user(session), parent_id=middle.id)
    assert (reply.parent_id, reply.root_id, reply.depth) == (middle.id, top.id, 3)


@pytest.mark.parametrize(
    "status",
    [
        CommentStatus.PENDING,
        CommentStatus.REJECTED,
        CommentStatus.SPAM,
        CommentStatus.REMOVED,
    ],
)
def test_reply_only_to_approved_comments(
    session: Session, status: CommentStatus
) -> None:
    article = make_article(session)
    parent = make_comment(session, article, status=status)
    before = stored(session)
    with pytest.raises(Conflict, match="published comment"):
        post(session, article, make_user(session), parent_id=parent.id)
    assert stored(session) == before


def test_no_comment_in_a_closed_article(session: Session) -> None:
    article = make_article(session)
    article.comments_closed_at = utcnow()
    with pytest.raises(Conflict, match="Comments are closed"):
        post(session, article, make_user(session))


def test_no_reply_under_a_locked_ancestor(session: Session) -> None:
    article = make_article(session)
    top = make_comment(session, article)
    middle = make_comment(session, article, parent=top)
    top.locked = True
    session.flush()
    with pytest.raises(Conflict, match="Replies to this comment are closed"):
        post(session, article, make_user(session), parent_id=middle.id)


def test_parent_must_exist_in_this_article(session: Session) -> None:
    article, other = make_article(session), make_article(session)
    elsewhere = make_comment(session, other)
    with pytest.raises(NotFound):
        post(session, article, make_user(session), parent_id=elsewhere.id)
    with pytest.raises(NotFound):
        post(session, article, make_user(session), parent_id=999_999)


def test_banned_member_cannot_post(session: Session) -> None:
    article = make_article(session)
    member = make_user(session)
    member.banned_at = utcnow()
    with pytest.raises(PermissionDenied):
        post(session, article, member)


def test_guests_only_where_allowed_and_with_name_and_email(session: Session) -> None:
    article = make_article(session)
    with pytest.raises(NotAuthenticated):
        post(session, article, None)
    with pytest.raises(Invalid) as missing:
        post(session, article, None, allow_guests=True, guest_email="g@example.org")
    assert missing.value.field == "guest_name"
    comment = post(
        session,
        article,
        None,
        allow_guests=True,
        guest_name="Ann",
        guest_email="ann@example.org",
    )
    assert comment.status == CommentStatus.PENDING
    assert comment.author_name == "Ann"


@pytest.mark.parametrize("body", ["", "   \n ", "a\x00b", "x" * 10_001])
def test_body_limits(body: str) -> None:
    with pytest.raises(ValueError, match="body"):
        CommentCreate.model_validate({"body": body})


def test_body_at_the_limit_is_accepted() -> None:
    assert len(CommentCreate.model_validate({"body": "x" * 10_000}).body) == 10_000
