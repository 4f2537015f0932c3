"""Moderators see everything waiting (issue #18, point 4): the navigation's
badge, "select all on this page" in the queue, and a member's comments on
their record."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts import history
from app.accounts.models import User
from app.comments import editing, reporting, standing
from app.comments.models import Comment, CommentStatus, FlagReason, QueueStatus
from app.comments.schemas import FlagCreate
from app.errors import PermissionDenied
from app.moderation import service as moderation_service
from app.moderation.models import Decision
from app.moderation.policy import load_policy
from tests.conftest import AppFactory, QueryCounter
from tests.factories import (
    make_article,
    make_comment,
    make_trusted_member,
    make_user,
)
from tests.helpers import login


def report(session: Session, comment: Comment, times: int = 1) -> None:
    for _ in range(times):
        reporting.flag_comment(
            session,
            comment.id,
            FlagCreate(reason=FlagReason.ABUSIVE),
            actor=make_trusted_member(session),
        )


def badge(html: str) -> int | None:
    found = re.search(
        r'class="count">(\d+)<span class="visually-hidden"> need a look<', html
    )
    return int(found.group(1)) if found else None


def test_badge_counts_waiting_reported_and_hidden_comments_once(
    session: Session, mod_client: TestClient, moderator: User
) -> None:
    article = make_article(session)
    author = make_user(session)
    make_comment(session, article, author=author, status=CommentStatus.PENDING)
    # Turned down once lately: the author's edits wait for a moderator.
    refused = make_comment(
        session, article, author=author, status=CommentStatus.PENDING
    )
    moderation_service.decide(session, refused, Decision.REJECT, actor=moderator)
    make_comment(session, article, status=CommentStatus.SPAM)
    make_comment(session, article)  # published, nobody reported it
    report(session, make_comment(session, article))
    report(session, make_comment(session, article), load_policy(session).flag_threshold)
    # Reported, and an edit of it waits: two views of the queue, one comment.
    both = make_comment(session, article, author=author)
    editing.edit_comment(session, both, "A new text for it.", actor=author)
    report(session, both)

    counts = standing.queue_counts(session)
    assert counts[QueueStatus.PENDING] + counts[QueueStatus.FLAGGED] == 5
    assert standing.attention_count(session) == 4 == standing.attention_counted(session)
    # On any page a moderator views, not only the queue's.
    assert badge(mod_client.get(f"/articles/{article.slug}").text) == 4
    assert badge(mod_client.get("/moderation").text) == 4


def test_badge_is_read_with_the_queue_counts_in_one_query(
    session: Session, count_queries: QueryCounter
) -> None:
    session.commit()
    with count_queries() as log:
        standing.queue_counts(session)
        standing.attention_count(session)
    assert len(log) == 1


def test_badge_is_hidden_when_nothing_waits(mod_client: TestClient) -> None:
    assert badge(mod_client.get("/").text) is None
    assert "need a look" not in mod_client.get("/").text


def test_queue_selects_all_on_the_page_without_javascript(
    session: Session, mod_client: TestClient
) -> None:
    article = make_article(session)
    waiting = [
        make_comment(session, article, status=CommentStatus.PENDING) for _ in range(3)
    ]

    plain = mod_client.get("/moderation?status=pending").text
    assert "Select all on this page" in plain
    assert not re.search(r'name="ids"[^>]*checked', plain)
    link = re.search(r'href="([^"]+)" data-select-all="all"', plain)
    assert link is not None

    ticked = mod_client.get(link.group(1).replace("&amp;", "&")).text
    for comment in waiting:
        assert re.search(rf'value="{comment.id}" form="bulk" [^>]*checked', ticked)
    assert "Clear the selection" in ticked
    assert mod_client.get("/moderation?select=everything").status_code == 400


@pytest.fixture
def person(session: Session) -> User:
    return make_user(session, username="record_person", display_name="Rena Record")


def test_member_record_lists_their_comments_paged_newest_first(
    session: Session, mod_client: TestClient, person: User
) -> None:
    article = make_article(session, title="Fatigue and heat")
    per_page = history.MEMBER_COMMENTS_PAGE_SIZE
    written = [
        make_comment(session, article, author=person, body=f"My note number {n}.")
        for n in range(per_page + 2)
    ]
    make_comment(session, article, body="Someone else wrote this.")

    first = mod_client.get("/users/record_person/moderation")
    assert first.status_code == 200
    page = first.text
    shown = [int(i) for i in re.findall(r'id="member-comment-(\d+)"', page)]
    assert shown == [c.id for c in reversed(written)][:per_page]
    assert "Fatigue and heat" in page
    assert "Someone else wrote this." not in page
    older = re.search(r'<a rel="next" href="([^"]+)"', page)
    assert older is not None

    second = mod_client.get(older.group(1).replace("&amp;", "&")).text
    shown = [int(i) for i in re.findall(r'id="member-comment-(\d+)"', second)]
    assert shown == [written[1].id, written[0].id]


def test_member_record_filters_their_comments_by_status(
    session: Session, mod_client: TestClient, person: User
) -> None:
    article = make_article(session)
    held = make_comment(session, article, author=person, status=CommentStatus.PENDING)
    published = make_comment(session, article, author=person)
    editing.edit_comment(
        session,
        published,
        "Changed my mind.",
        actor=person,
    )

    page = mod_client.get("/users/record_person/moderation?comments=pending").text
    shown = [int(i) for i in re.findall(r'id="member-comment-(\d+)"', page)]
    assert shown == [held.id]
    assert '<option value="pending" selected>' in page

    everything = mod_client.get("/users/record_person/moderation").text
    # An edited comment links to its earlier versions.
    assert f'href="/comments/{published.id}/revisions"' in everything
    assert f'href="/comments/{held.id}/revisions"' not in everything
    assert (
        "No comments with this status."
        in mod_client.get("/users/record_person/moderation?comments=spam").text
    )
    bad = mod_client.get("/users/record_person/moderation?comments=lost")
    assert bad.status_code == 400


def test_member_comments_are_for_moderators_only(
    session: Session, person: User
) -> None:
    with pytest.raises(PermissionDenied):
        history.member_comments(session, person, actor=make_user(session))
    with pytest.raises(PermissionDenied):
        history.member_comments(session, person, actor=None)


def test_member_record_costs_the_same_queries_for_many_comments(
    session: Session,
    app_factory: AppFactory,
    count_queries: QueryCounter,
    person: User,
    moderator: User,
) -> None:
    article = make_article(session)
    make_comment(session, article, author=person)
    with TestClient(app_factory(), follow_redirects=False) as client:
        login(client, moderator.username)
        with count_queries() as few:
            client.get("/users/record_person/moderation")
        for _ in range(30):
            make_comment(session, article, author=person)
        with count_queries() as many:
            client.get("/users/record_person/moderation")
    assert len(many) == len(few)
