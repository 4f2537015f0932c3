"""A member's moderation record: private notes and the history page, for moderators only."""

from datetime import timedelta

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import history, service
from app.accounts.models import Role, User, UserNote
from app.comments.models import CommentStatus
from app.db import utcnow
from app.errors import PermissionDenied
from app.moderation import service as moderation_service
from app.moderation.models import ActionKind, Decision, ModerationAction
from tests.accounts.conftest import record_page
from tests.conftest import AppFactory, QueryCounter
from tests.factories import make_article, make_comment, make_user
from tests.helpers import api_token, csrf_from, login


def add_note_html(client: TestClient, user: User, body: str) -> httpx2.Response:
    token = csrf_from(client.get(record_page(user)).text)
    return client.post(
        f"/users/{user.username}/notes", data={"csrf_token": token, "body": body}
    )


def test_moderator_adds_a_note_shown_with_author_and_time(
    session: Session, mod_client: TestClient, member: User
) -> None:
    response = add_note_html(mod_client, member, "Warned by email about links.")

    assert response.status_code == 303
    assert response.headers["location"].endswith("#notes")
    page = mod_client.get(record_page(member)).text
    assert "Warned by email about links." in page
    assert "Mo ·" in page
    note = session.scalars(select(UserNote).where(UserNote.user_id == member.id)).one()
    assert note.author_id is not None
    assert f'datetime="{note.created_at.isoformat()}"' in page
    assert session.scalars(
        select(ModerationAction.action).where(
            ModerationAction.subject_user_id == member.id
        )
    ).all() == [ActionKind.NOTE]


def test_empty_note_is_refused_on_the_page_and_in_the_api(
    session: Session, mod_client: TestClient, mod_api: TestClient, member: User
) -> None:
    page = add_note_html(mod_client, member, "   ")
    api = mod_api.post(f"/api/v1/users/{member.username}/notes", json={"body": ""})

    assert page.status_code == 422
    assert 'id="error-body"' in page.text
    assert 'aria-describedby="hint-body error-body"' in page.text
    assert api.status_code == 422
    assert session.scalars(select(UserNote)).all() == []


def test_notes_through_the_api_listed_newest_first(
    mod_api: TestClient, member: User
) -> None:
    first = mod_api.post(
        f"/api/v1/users/{member.username}/notes", json={"body": "First"}
    )
    mod_api.post(f"/api/v1/users/{member.username}/notes", json={"body": "Second"})

    record = mod_api.get(f"/api/v1/users/{member.username}/moderation").json()

    assert first.status_code == 201
    assert first.json()["author"]["display_name"] == "Mo"
    assert [note["body"] for note in record["notes"]] == ["Second", "First"]
    assert record["notes"][0]["author"]["username"]


def test_members_cannot_read_or_write_notes_or_the_record(
    app_factory: AppFactory, session: Session, moderator: User, member: User
) -> None:
    history.add_note(
        session, member, "Private: may be the same person as x", actor=moderator
    )
    nosy = make_user(session)
    app = app_factory()
    with (
        TestClient(app, follow_redirects=False) as web,
        TestClient(app, follow_redirects=False) as api,
    ):
        login(web, nosy.username)
        api.headers["Authorization"] = f"Bearer {api_token(api, nosy.username)}"
        token = csrf_from(web.get("/settings").text)
        page = web.get(record_page(member))
        post = web.post(
            f"/users/{member.username}/notes", data={"csrf_token": token, "body": "Hi"}
        )
        api_read = api.get(f"/api/v1/users/{member.username}/moderation")
        api_write = api.post(
            f"/api/v1/users/{member.username}/notes", json={"body": "Hi"}
        )
        profile = web.get(f"/users/{member.username}").text

    assert (page.status_code, post.status_code) == (403, 403)
    assert (api_read.status_code, api_write.status_code) == (403, 403)
    assert "Private:" not in page.text + api_read.text + profile
    assert "Moderation record" not in profile
    assert len(session.scalars(select(UserNote)).all()) == 1
    with pytest.raises(PermissionDenied):
        history.list_notes(session, member, actor=nosy)
    with pytest.raises(PermissionDenied):
        history.add_note(session, member, "Sneaky", actor=nosy)


def test_record_shows_standing_counts_notes_and_what_was_done(
    session: Session, mod_client: TestClient, moderator: User, member: User
) -> None:
    article = make_article(session, title="Sleep and MS")
    for status, count in [
        (CommentStatus.APPROVED, 3),
        (CommentStatus.PENDING, 2),
        (CommentStatus.REJECTED, 1),
        (CommentStatus.SPAM, 1),
        (CommentStatus.REMOVED, 1),
    ]:
        for _ in range(count):
            make_comment(session, article, author=member, status=status)
    target = make_comment(session, article, author=member, status=CommentStatus.PENDING)
    moderation_service.decide(
        session,
        target,
        Decision.REJECT,
        actor=moderator,
        reason="Off topic",
    )
    other = make_user(session, display_name="Someone Else")
    service.ban(session, other, until=None, reason="Not about Bert", actor=moderator)
    history.add_note(session, member, "Keeps posting the same link", actor=moderator)
    service.ban(
        session,
        member,
        until=utcnow() + timedelta(days=7),
        reason="Links",
        actor=moderator,
    )

    page = mod_client.get(record_page(member))

    assert page.status_code == 200
    assert page.template.name == "accounts/moderation.html"  # type: ignore[attr-defined]
    html = page.text
    assert "Banned until" in html
    assert "Reason: Links" in html
    assert "Lift the ban" in html
    counts = page.context["record"].counts  # type: ignore[attr-defined]
    assert counts == {
        CommentStatus.PENDING: 2,
        CommentStatus.APPROVED: 3,
        CommentStatus.REJECTED: 2,
        CommentStatus.SPAM: 1,
        CommentStatus.REMOVED: 1,
        CommentStatus.DELETED: 0,
    }
    assert 'id="count-rejected">2<' in html
    assert "Keeps posting the same link" in html
    assert "Off topic" in html
    assert "Not about Bert" not in html
    actions = [a.action for a in page.context["record"].actions.items]  # type: ignore[attr-defined]
    assert actions == [ActionKind.BAN, ActionKind.NOTE, ActionKind.REJECT]


def test_record_through_the_api(
    session: Session, mod_api: TestClient, moderator: User, member: User
) -> None:
    article = make_article(session)
    make_comment(session, article, author=member, status=CommentStatus.SPAM)
    history.add_note(session, member, "Watch this one", actor=moderator)
    service.ban(session, member, until=None, reason="Spam", actor=moderator)

    response = mod_api.get(f"/api/v1/users/{member.username}/moderation")

    assert response.status_code == 200
    body = response.json()
    assert body["user"]["username"] == "bert"
    assert body["user"]["is_banned"] is True
    assert body["user"]["banned_until"] is None
    assert body["user"]["ban_reason"] == "Spam"
    assert body["comment_counts"]["spam"] == 1
    assert body["comment_counts"]["approved"] == 0
    assert [n["body"] for n in body["notes"]] == ["Watch this one"]
    assert [entry["action"] for entry in body["log"]["items"]] == ["ban", "note"]
    assert body["log"]["total"] == 2
    assert "email" not in response.text


def test_record_of_nobody_is_404(mod_client: TestClient, mod_api: TestClient) -> None:
    assert mod_client.get("/users/nobody_here/moderation").status_code == 404
    assert mod_api.get("/api/v1/users/nobody_here/moderation").status_code == 404
    assert (
        mod_api.post("/api/v1/users/nobody_here/notes", json={"body": "x"}).status_code
        == 404
    )


def test_record_pages_through_the_history(
    session: Session, mod_client: TestClient, moderator: User, member: User
) -> None:
    for i in range(history.HISTORY_PAGE_SIZE + 3):
        moderation_service.record(
            session,
            ActionKind.NOTE,
            actor=moderator,
            subject=member,
            reason=f"entry-{i}-",
        )
    session.flush()

    first = mod_client.get(record_page(member))
    second = mod_client.get(record_page(member) + "?page=2")

    assert 'rel="next"' in first.text
    record_one = first.context["record"]  # type: ignore[attr-defined]
    record_two = second.context["record"]  # type: ignore[attr-defined]
    shown = record_one.actions.items + record_two.actions.items
    reasons = [entry.reason for entry in shown]
    assert len(reasons) == len(set(reasons)) == history.HISTORY_PAGE_SIZE + 3


def test_record_page_costs_the_same_queries_whatever_its_size(
    session: Session,
    mod_client: TestClient,
    moderator: User,
    member: User,
    count_queries: QueryCounter,
) -> None:
    article = make_article(session)
    other_mod = make_user(session, role=Role.MODERATOR)

    def measure() -> int:
        with count_queries() as log:
            assert mod_client.get(record_page(member)).status_code == 200
        return len(log)

    def grow(n: int) -> None:
        for i in range(n):
            comment = make_comment(
                session, article, author=member, status=CommentStatus.PENDING
            )
            moderation_service.decide(
                session,
                comment,
                Decision.REJECT,
                actor=moderator if i % 2 else other_mod,
            )
            history.add_note(session, member, f"note {i}", actor=other_mod)

    grow(2)
    few = measure()
    grow(40)
    many = measure()

    assert few == many
    assert many <= 10


def test_queue_and_profile_link_moderators_to_the_record(
    session: Session, mod_client: TestClient, member: User
) -> None:
    article = make_article(session)
    make_comment(session, article, author=member, status=CommentStatus.PENDING)

    queue = mod_client.get("/moderation").text
    profile = mod_client.get(f"/users/{member.username}").text

    assert 'href="/users/bert/moderation"' in queue
    assert 'href="/users/bert/moderation"' in profile
