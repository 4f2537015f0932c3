"""Two moderators deciding the same comment at the same moment.

These tests commit for real, each moderator in their own session and thread, as
two app workers would; they clean up what they made.
"""

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.accounts.models import Role, User
from app.articles.models import Article
from app.comments import standing
from app.comments.models import Comment, CommentStatus, Flag, FlagReason
from app.comments.reporting import flag_comment
from app.comments.schemas import FlagCreate
from app.db import WRITE_INTENT, make_sessionmaker
from app.errors import Conflict
from app.moderation.models import ActionKind, Decision, ModerationAction
from app.moderation.service import decide
from tests.factories import make_article, make_comment, make_user

ROUNDS = 5


@dataclass
class Race:
    moderators: tuple[int, int]
    comments: list[int]


@pytest.fixture
def race(engine: Engine) -> Iterator[Race]:
    maker = make_sessionmaker(engine)
    with maker() as session:
        first = make_user(session, role=Role.MODERATOR, username="race_mod_a")
        second = make_user(session, role=Role.MODERATOR, username="race_mod_b")
        author = make_user(session, username="race_author")
        admin = make_user(session, role=Role.ADMIN, username="race_admin")
        article = make_article(session, author=admin)
        comments = [
            make_comment(session, article, author=author, status=CommentStatus.PENDING)
            for _ in range(ROUNDS)
        ]
        session.commit()
        made = Race((first.id, second.id), [c.id for c in comments])
        users = [first.id, second.id, author.id, admin.id]
        article_id = article.id
    yield made
    with maker() as session:
        session.execute(
            delete(ModerationAction).where(ModerationAction.article_id == article_id)
        )
        session.execute(delete(Comment).where(Comment.article_id == article_id))
        session.execute(delete(Article).where(Article.id == article_id))
        session.execute(delete(User).where(User.id.in_(users)))
        # The stored counts counted what this test made and committed.
        standing.recount(session)
        session.commit()


def race_once(
    maker: sessionmaker[Session], comment_id: int, moderators: tuple[int, int]
) -> dict[Decision, str]:
    """One moderator approves while the other rejects; what each was told."""
    start = threading.Barrier(2)
    outcomes: dict[Decision, str] = {}

    def moderate(moderator_id: int, decision: Decision) -> None:
        start.wait()
        with maker() as session:
            # As a POST request does: SQLite takes its write lock at BEGIN.
            session.connection(execution_options={WRITE_INTENT: True})
            comment = session.get_one(Comment, comment_id)
            moderator = session.get_one(User, moderator_id)
            try:
                decide(session, comment, decision, actor=moderator)
                session.commit()
                outcomes[decision] = "decided"
            except Conflict as exc:
                session.rollback()
                outcomes[decision] = exc.message

    threads = [
        threading.Thread(target=moderate, args=pair)
        for pair in zip(moderators, (Decision.APPROVE, Decision.REJECT), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_moderators_at_once_make_one_decision(engine: Engine, race: Race) -> None:
    maker = make_sessionmaker(engine)

    for comment_id in race.comments:
        outcomes = race_once(maker, comment_id, race.moderators)

        with maker() as session:
            status = session.get_one(Comment, comment_id).status
            audit = session.scalars(
                select(ModerationAction.action).where(
                    ModerationAction.comment_id == comment_id
                )
            ).all()
        winners = [d for d, outcome in outcomes.items() if outcome == "decided"]
        assert len(outcomes) == 2
        assert len(winners) == 1, outcomes
        (loser,) = set(outcomes) - set(winners)
        assert "already decided" in outcomes[loser]
        assert (
            status
            == {
                Decision.APPROVE: CommentStatus.APPROVED,
                Decision.REJECT: CommentStatus.REJECTED,
            }[winners[0]]
        )
        assert list(audit) == [winners[0].value]


def test_a_decision_on_a_stale_page_is_refused(engine: Engine, race: Race) -> None:
    """The second moderator read the comment as pending before the first decided."""
    maker = make_sessionmaker(engine)
    comment_id = race.comments[0]
    with maker() as slow, maker() as fast:
        stale = slow.get_one(Comment, comment_id)
        slow_moderator = slow.get_one(User, race.moderators[1])
        slow.commit()  # end the read; the object keeps what it saw (pending)

        decide(
            fast,
            fast.get_one(Comment, comment_id),
            Decision.APPROVE,
            actor=fast.get_one(User, race.moderators[0]),
        )
        fast.commit()

        with pytest.raises(Conflict, match="already decided by another moderator"):
            decide(slow, stale, Decision.REJECT, actor=slow_moderator)
        slow.rollback()


REPORTERS = 5


def test_reports_arriving_together_hide_a_comment_once(engine: Engine) -> None:
    """Five trusted members report one comment at the same moment (threshold
    3): it is hidden once, with one audit row. A report that comes after it is
    hidden is refused (a Conflict), or kept: never an error."""
    maker = make_sessionmaker(engine)
    with maker() as session:
        admin = make_user(session, role=Role.ADMIN, username="crowd_admin")
        author = make_user(session, username="crowd_author")
        # Moderators are trusted: their reports count towards hiding.
        reporters = [
            make_user(session, role=Role.MODERATOR, username=f"crowd_reporter_{n}")
            for n in range(REPORTERS)
        ]
        article = make_article(session, author=admin)
        comment = make_comment(session, article, author=author)
        session.commit()
        comment_id, article_id = comment.id, article.id
        reporter_ids = [r.id for r in reporters]
        user_ids = [admin.id, author.id, *reporter_ids]
    start = threading.Barrier(REPORTERS)
    failures: list[BaseException] = []

    def report(reporter_id: int) -> None:
        start.wait()
        try:
            with maker() as session:
                session.connection(execution_options={WRITE_INTENT: True})
                flag_comment(
                    session,
                    comment_id,
                    FlagCreate(reason=FlagReason.ABUSIVE),
                    actor=session.get_one(User, reporter_id),
                )
                session.commit()
        except Conflict:
            pass  # already hidden: nothing more to report
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=report, args=(i,)) for i in reporter_ids]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        with maker() as session:
            hides = session.scalars(
                select(ModerationAction).where(
                    ModerationAction.comment_id == comment_id,
                    ModerationAction.action == ActionKind.HIDE,
                )
            ).all()
            flags_kept = session.scalars(
                select(Flag).where(Flag.comment_id == comment_id)
            ).all()
            hidden = session.get_one(Comment, comment_id).hidden_at
        assert not failures, failures
        assert 3 <= len(flags_kept) <= REPORTERS
        assert hidden is not None
        assert len(hides) == 1
    finally:
        with maker() as session:
            session.execute(
                delete(ModerationAction).where(
                    ModerationAction.article_id == article_id
                )
            )
            session.execute(delete(Flag).where(Flag.comment_id == comment_id))
            session.execute(delete(Comment).where(Comment.article_id == article_id))
            session.execute(delete(Article).where(Article.id == article_id))
            session.execute(delete(User).where(User.id.in_(user_ids)))
            standing.recount(session)
            session.commit()
