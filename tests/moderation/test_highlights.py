"""Pinned and featured comments (issue #19): the rules, the audit log, the API."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.comments.models import Comment, CommentStatus
from app.db import utcnow
from app.errors import Conflict
from app.moderation import highlights
from app.moderation import service as moderation_service
from app.moderation.models import ActionKind, Decision, ModerationAction
from tests.factories import make_article, make_comment


def actions(session: Session, comment: Comment) -> list[str]:
    return list(
        session.scalars(
            select(ModerationAction.action)
            .where(ModerationAction.comment_id == comment.id)
            .order_by(ModerationAction.id)
        )
    )


def test_pinning_replaces_the_earlier_pin_and_is_audited(
    session: Session, moderator: User
) -> None:
    article = make_article(session)
    first, second = make_comment(session, article), make_comment(session, article)
    version = article.discussion_version

    highlights.set_pinned(session, first, True, actor=moderator)
    highlights.set_pinned(session, second, True, actor=moderator)
    session.refresh(first)
    session.refresh(article)

    assert first.pinned_at is None
    assert second.pinned_at is not None
    assert article.discussion_version > version
    assert actions(session, first) == [ActionKind.PIN]
    assert actions(session, second) == [ActionKind.PIN]

    highlights.set_pinned(session, second, False, actor=moderator)
    assert second.pinned_at is None
    assert actions(session, second) == [ActionKind.PIN, ActionKind.UNPIN]


@pytest.mark.parametrize(
    ("status", "reply", "message"),
    [
        (
            CommentStatus.PENDING,
            False,
            "This comment is pending; only a published comment can be pinned.",
        ),
        (
            CommentStatus.APPROVED,
            True,
            "Only a top-level comment can be pinned, not a reply.",
        ),
    ],
)
def test_only_a_published_top_level_comment_can_be_pinned(
    session: Session,
    moderator: User,
    status: CommentStatus,
    reply: bool,
    message: str,
) -> None:
    article = make_article(session)
    parent = make_comment(session, article) if reply else None
    comment = make_comment(session, article, parent=parent, status=status)

    with pytest.raises(Conflict, match=message):
        highlights.set_pinned(session, comment, True, actor=moderator)
    assert comment.pinned_at is None
    assert actions(session, comment) == []


def test_the_database_holds_one_pin_per_article(session: Session) -> None:
    article = make_article(session)
    first, second = make_comment(session, article), make_comment(session, article)
    first.pinned_at = second.pinned_at = utcnow()
    with pytest.raises(IntegrityError), session.begin_nested():
        session.flush()


def test_featuring_a_reply_and_twice_is_a_conflict(
    session: Session, moderator: User
) -> None:
    article = make_article(session)
    reply = make_comment(session, article, parent=make_comment(session, article))

    highlights.set_featured(session, reply, True, actor=moderator)
    with pytest.raises(Conflict, match="already featured"):
        highlights.set_featured(session, reply, True, actor=moderator)
    highlights.set_featured(session, reply, False, actor=moderator)
    with pytest.raises(Conflict, match="not featured"):
        highlights.set_featured(session, reply, False, actor=moderator)

    assert actions(session, reply) == [ActionKind.FEATURE, ActionKind.UNFEATURE]


def test_removing_a_comment_clears_its_pin_and_feature(
    session: Session, moderator: User
) -> None:
    article = make_article(session)
    comment = make_comment(session, article)
    highlights.set_pinned(session, comment, True, actor=moderator)
    highlights.set_featured(session, comment, True, actor=moderator)

    moderation_service.decide(session, comment, Decision.REMOVE, actor=moderator)
    session.refresh(comment)

    assert (comment.pinned_at, comment.featured_at) == (None, None)


def test_pin_and_feature_api(session: Session, mod_api: TestClient) -> None:
    article = make_article(session)
    comment = make_comment(session, article)
    reply = make_comment(session, article, parent=comment)
    base = f"/api/v1/moderation/comments/{comment.id}"

    pinned = mod_api.post(f"{base}/pin")
    featured = mod_api.post(f"{base}/feature")
    unpinned = mod_api.post(f"{base}/unpin")
    unfeatured = mod_api.post(f"{base}/unfeature")
    again = mod_api.post(f"{base}/unpin")
    reply_pin = mod_api.post(f"/api/v1/moderation/comments/{reply.id}/pin")
    missing = mod_api.post("/api/v1/moderation/comments/999999/pin")

    assert (pinned.status_code, pinned.json()) == (
        200,
        {"id": comment.id, "pinned": True, "featured": False},
    )
    assert featured.json() == {"id": comment.id, "pinned": True, "featured": True}
    assert unpinned.json() == {"id": comment.id, "pinned": False, "featured": True}
    assert unfeatured.json() == {"id": comment.id, "pinned": False, "featured": False}
    assert (again.status_code, again.json()) == (
        409,
        {"detail": "This comment is not pinned."},
    )
    assert (reply_pin.status_code, reply_pin.json()) == (
        409,
        {"detail": "Only a top-level comment can be pinned, not a reply."},
    )
    assert missing.status_code == 404
