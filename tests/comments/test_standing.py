"""Stored counts and discussion versions move with every change, through the services.

The counts (and the search index) are compared with real COUNTs (and a
rebuilt index) after each step of a moderation day,
and each kind of change a reader would see is shown to bump its article's
discussion version (the key of the public thread cache), while changes no
reader sees leave it alone.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import counters
from app.accounts import service as accounts_service
from app.accounts.models import Role, User
from app.accounts.schemas import ProfileUpdate
from app.articles import service as articles_service
from app.articles.models import Article
from app.articles.schemas import ArticleUpdate
from app.comments import editing, reporting, standing
from app.comments.models import Comment, CommentStatus, FlagReason, QueueStatus
from app.comments.schemas import FlagCreate
from app.db import utcnow
from app.moderation import service as moderation_service
from app.moderation.models import Decision
from app.moderation.policy import load_policy, update_policy
from app.moderation.schemas import PolicyUpdate
from app.search import index as search_index
from tests.factories import (
    make_admin,
    make_article,
    make_comment,
    make_trusted_member,
    make_user,
)


def assert_counts_exact(session: Session, when: str = "") -> None:
    session.flush()
    session.expire_all()
    assert standing.queue_counts(session) == standing.counted(session), when
    assert standing.attention_count(session) == standing.attention_counted(session), (
        when
    )
    stored = {
        article_id: (published, roots)
        for article_id, published, roots in session.execute(
            select(Article.id, Article.approved_count, Article.root_count)
        )
    }
    assert stored == standing.published_counted(session), when
    replies = dict(
        session.execute(
            select(Comment.id, Comment.reply_count).where(Comment.parent_id.is_(None))
        ).all()
    )
    assert replies == standing.replies_counted(session), when
    # The search index holds what a rebuild would: the published text only.
    indexed = search_index.indexed_documents(session)
    assert indexed == search_index.expected_documents(session), when


def report(session: Session, comment: Comment, times: int) -> None:
    for _ in range(times):
        reporting.flag_comment(
            session,
            comment.id,
            FlagCreate(reason=FlagReason.ABUSIVE),
            actor=make_trusted_member(session),
        )


def test_stored_counts_equal_real_counts_through_a_moderation_day(
    session: Session,
) -> None:
    article = make_article(session)
    other = make_article(session)
    moderator = make_user(session, role=Role.MODERATOR)
    member = make_user(session)
    policy = load_policy(session)
    assert_counts_exact(session)

    waiting = [
        make_comment(session, article, author=member, status=CommentStatus.PENDING)
        for _ in range(4)
    ]
    published = make_comment(session, article, author=make_user(session))
    elsewhere = make_comment(session, other, author=make_user(session))
    replies = [
        make_comment(
            session,
            article,
            parent=published,
            author=make_user(session),
            status=CommentStatus.PENDING,
        )
        for _ in range(3)
    ]
    late_reply = make_comment(
        session, article, parent=replies[0], status=CommentStatus.PENDING
    )
    assert_counts_exact(session)

    steps: list[Callable[[], object]] = [
        # Replies: published, hidden by reports, removed, deleted by their author.
        *(
            lambda reply=reply: moderation_service.decide(
                session, reply, Decision.APPROVE, actor=moderator
            )
            for reply in replies
        ),
        lambda: report(session, replies[0], policy.flag_threshold),
        lambda: moderation_service.decide(
            session, replies[1], Decision.REMOVE, actor=moderator
        ),
        lambda: editing.delete_comment(
            session,
            replies[2],
            actor=session.get(User, replies[2].author_id),
        ),
        lambda: moderation_service.decide(
            session, waiting[0], Decision.APPROVE, actor=moderator
        ),
        lambda: moderation_service.decide(
            session, waiting[1], Decision.REJECT, actor=moderator, reason="No."
        ),
        lambda: moderation_service.decide(
            session, waiting[2], Decision.SPAM, actor=moderator
        ),
        # Reports up to the threshold hide a comment; keeping it shows it again.
        lambda: report(session, elsewhere, 1),
        lambda: report(session, elsewhere, policy.flag_threshold - 1),
        lambda: moderation_service.dismiss_flags(session, elsewhere, actor=moderator),
        # A published comment's edit waits; approving it publishes the new text.
        lambda: editing.edit_comment(
            session, waiting[0], "A changed text.", actor=member
        ),
        lambda: moderation_service.decide(
            session,
            waiting[0],
            Decision.APPROVE,
            actor=moderator,
            seen=CommentStatus.APPROVED,
        ),
        lambda: editing.edit_comment(
            session, waiting[0], "Changed again.", actor=member
        ),
        lambda: moderation_service.decide(
            session,
            waiting[0],
            Decision.REJECT,
            actor=moderator,
            seen=CommentStatus.APPROVED,
        ),
        # Revise and resubmit, then delete one's own.
        lambda: editing.edit_comment(session, waiting[1], "Better now.", actor=member),
        lambda: editing.delete_comment(session, waiting[3], actor=member),
        # A reported comment that is then removed leaves the flagged view.
        lambda: report(session, elsewhere, 1),
        lambda: moderation_service.decide(
            session, elsewhere, Decision.REMOVE, actor=moderator
        ),
        lambda: moderation_service.decide(
            session,
            waiting[2],
            Decision.APPROVE,
            actor=moderator,
            seen=CommentStatus.SPAM,
        ),
        lambda: editing.edit_comment(
            session, published, "A moderator's fix.", actor=moderator
        ),
        lambda: report(session, waiting[2], 1),
        lambda: editing.delete_comment(session, waiting[2], actor=member),
        # A ban that rejects what waits and removes what is published.
        lambda: make_comment(
            session, article, author=member, status=CommentStatus.PENDING
        ),
        lambda: accounts_service.ban(
            session,
            member,
            until=None,
            reason="Spam",
            actor=moderator,
            reject_pending=True,
            remove_published=True,
        ),
        # The last published reply under a removed top-level comment goes:
        # its placeholder goes with it.
        lambda: moderation_service.decide(
            session, late_reply, Decision.APPROVE, actor=moderator
        ),
        lambda: moderation_service.decide(
            session, published, Decision.REMOVE, actor=moderator
        ),
        lambda: moderation_service.decide(
            session,
            late_reply,
            Decision.SPAM,
            actor=moderator,
            seen=CommentStatus.APPROVED,
        ),
    ]
    for number, step in enumerate(steps):
        step()
        assert_counts_exact(session, f"after step {number}")
    counts = standing.queue_counts(session)
    assert counts[QueueStatus.REJECTED] >= 1
    assert counts[QueueStatus.PENDING] == 0


def test_recount_repairs_counts_written_behind_the_services_back(
    session: Session,
) -> None:
    article = make_article(session)
    comment = make_comment(session, article, status=CommentStatus.PENDING)
    comment.status = CommentStatus.SPAM  # as a bulk loader might
    session.flush()
    assert standing.queue_counts(session) != standing.counted(session)

    standing.recount(session)

    assert_counts_exact(session)


# Discussion versions ------------------------------------------------------------


def version(session: Session, article: Article) -> int:
    session.flush()
    return (
        session.scalar(
            select(Article.discussion_version).where(Article.id == article.id)
        )
        or 0
    )


def listing(session: Session) -> int:
    session.flush()
    return counters.read(session, [counters.LISTING_VERSION])[counters.LISTING_VERSION]


@dataclass
class Scene:
    """A published comment by a member, under an article, and a moderator."""

    session: Session
    article: Article
    comment: Comment
    author: User
    moderator: User


def scene(session: Session) -> Scene:
    article = make_article(session)
    author = make_user(session)
    comment = make_comment(session, article, author=author)
    return Scene(
        session, article, comment, author, make_user(session, role=Role.MODERATOR)
    )


def _report_until_hidden(x: Scene) -> None:
    report(x.session, x.comment, load_policy(x.session).flag_threshold)


def _unhide(x: Scene) -> None:
    moderation_service.dismiss_flags(x.session, x.comment, actor=x.moderator)


def _rename_author(x: Scene) -> None:
    accounts_service.update_profile(
        x.session,
        ProfileUpdate(display_name="A new name", email=x.author.email),
        actor=x.author,
    )


def _close(x: Scene) -> None:
    moderation_service.close_thread(x.session, x.article, actor=x.moderator)


def _reopen(x: Scene) -> None:
    moderation_service.reopen_thread(x.session, x.article, actor=x.moderator)


SEEN_CHANGES: dict[str, Callable[[Scene], object]] = {
    "approve": lambda x: moderation_service.decide(
        x.session,
        make_comment(x.session, x.article, status=CommentStatus.PENDING),
        Decision.APPROVE,
        actor=x.moderator,
    ),
    "edit published": lambda x: editing.edit_comment(
        x.session,
        x.comment,
        "New text.",
        actor=x.moderator,
    ),
    "remove": lambda x: moderation_service.decide(
        x.session, x.comment, Decision.REMOVE, actor=x.moderator
    ),
    "spam a published one": lambda x: moderation_service.decide(
        x.session,
        x.comment,
        Decision.SPAM,
        actor=x.moderator,
        seen=CommentStatus.APPROVED,
    ),
    "delete": lambda x: editing.delete_comment(x.session, x.comment, actor=x.author),
    "hide by reports": _report_until_hidden,
    "unhide": _unhide,
    "lock": lambda x: moderation_service.set_locked(
        x.session, x.comment, True, actor=x.moderator
    ),
    "close": _close,
    "reopen": _reopen,
    "ban with removal": lambda x: accounts_service.ban(
        x.session,
        x.author,
        until=utcnow() + timedelta(days=1),
        reason="Abuse",
        actor=x.moderator,
        remove_published=True,
    ),
    "rename the author": _rename_author,
    "make the author staff": lambda x: accounts_service.set_role(
        x.session, x.author, Role.MODERATOR, actor=make_admin(x.session)
    ),
    "edit the article": lambda x: articles_service.update_article(
        x.session,
        x.article,
        ArticleUpdate(title="A new title"),
        actor=make_admin(x.session),
    ),
    "a trusted member's comment": lambda x: make_comment(x.session, x.article),
}


# What must be so before a change can be made.
SETUPS: dict[str, Callable[[Scene], object]] = {
    "unhide": _report_until_hidden,
    "reopen": _close,
}


@pytest.mark.parametrize("change", SEEN_CHANGES)
def test_every_change_a_reader_sees_bumps_the_discussion_version(
    session: Session, change: str
) -> None:
    x = scene(session)
    if change in SETUPS:
        SETUPS[change](x)
    before, list_before = version(session, x.article), listing(session)

    SEEN_CHANGES[change](x)

    assert version(session, x.article) > before
    assert listing(session) > list_before


def test_the_unlock_after_a_lock_bumps_again(session: Session) -> None:
    x = scene(session)
    moderation_service.set_locked(session, x.comment, True, actor=x.moderator)
    locked = version(session, x.article)

    moderation_service.set_locked(session, x.comment, False, actor=x.moderator)

    assert version(session, x.article) > locked


UNSEEN_CHANGES: dict[str, Callable[[Scene], object]] = {
    "a comment waits": lambda x: make_comment(
        x.session, x.article, status=CommentStatus.PENDING
    ),
    "a waiting one is rejected": lambda x: moderation_service.decide(
        x.session,
        make_comment(x.session, x.article, status=CommentStatus.PENDING),
        Decision.REJECT,
        actor=x.moderator,
    ),
    "an edit waits": lambda x: editing.edit_comment(
        x.session,
        x.comment,
        "Waiting text.",
        actor=x.author,
    ),
    "one report below the threshold": lambda x: report(x.session, x.comment, 1),
}


@pytest.mark.parametrize("change", UNSEEN_CHANGES)
def test_changes_no_reader_sees_keep_the_version(session: Session, change: str) -> None:
    x = scene(session)
    # The author is not trusted: their edit of a published comment waits.
    update_policy(session, PolicyUpdate(trust_threshold=100), actor=make_admin(session))
    before = version(session, x.article)

    UNSEEN_CHANGES[change](x)

    assert version(session, x.article) == before


def test_a_settings_change_bumps_the_settings_version(session: Session) -> None:
    def settings_version() -> int:
        session.flush()
        return counters.read(session, [counters.SETTINGS_VERSION])[
            counters.SETTINGS_VERSION
        ]

    before = settings_version()
    update_policy(session, PolicyUpdate(auto_close_days=3), actor=make_admin(session))
    changed = settings_version()
    assert changed != before
    update_policy(session, PolicyUpdate(auto_close_days=3), actor=make_admin(session))
    assert settings_version() == changed  # nothing changed, nothing bumped
