"""Personal data (issue #17): a member's export, and deleting their account.

A member ("Alice") with comments in every status, an edit, a report, a draft
and a visit, beside another member ("Bob") whose private data is distinctive,
so that the export can be searched for any trace of it. Deleting Alice's
account must leave no text of hers on any page, API answer or search result,
keep Bob's reply in place, keep every count exact, end her sessions and keep
the audit log under her id.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts import personal
from app.accounts import service as accounts_service
from app.accounts.models import AuthSession, Role, User, UserNote
from app.accounts.schemas import RegisterIn
from app.articles.models import Article
from app.comments import drafts, editing, reporting, visits
from app.comments.models import (
    ArticleVisit,
    Comment,
    CommentDraft,
    CommentRevision,
    CommentStatus,
    Flag,
    FlagReason,
)
from app.comments.schemas import DraftWrite, FlagCreate
from app.db import utcnow
from app.errors import Conflict, Invalid, PermissionDenied
from app.moderation import service as moderation_service
from app.moderation.models import ActionKind, Decision, ModerationAction
from app.moderation.policy import update_policy
from app.moderation.schemas import PolicyUpdate
from app.notifications.models import MailKind, Outbox
from app.search import service as search_service
from app.search.service import SearchQuery
from tests.comments.test_standing import assert_counts_exact
from tests.conftest import AppFactory
from tests.factories import (
    TEST_PASSWORD,
    make_admin,
    make_article,
    make_comment,
    make_trusted_member,
    make_user,
)
from tests.helpers import api_token, csrf_from, login
from tests.snapshot import changed_tables, database_snapshot

# Words that appear in Alice's writing and nowhere else.
ALICE_WORDS = "quokkaberries"
ALICE_EDITED_AWAY = "tamarillo"
# Bob's private data: none of it may appear in Alice's export.
BOB_EMAIL = "bob.secret-address@example.net"
BOB_DRAFT = "Bob's unsent draft about zanzibarite"
BOB_REPORT_NOTE = "Bob thinks this is wrong: xylophonic"
MOD_EMAIL = "the-moderator-private@example.com"
MOD_NOTE = "Private moderator note: keep an eye, pelicanish"


@dataclass
class World:
    alice: User
    bob: User
    moderator: User
    article: Article
    published: Comment
    bob_reply: Comment
    pending: Comment
    rejected: Comment
    spam: Comment
    removed: Comment
    bob_comment: Comment


@pytest.fixture
def world(session: Session) -> World:
    alice = make_user(session, username="alice", display_name="Alice Example")
    alice.email = alice.email_key = "alice.private@example.org"
    bob = accounts_service.create_user(
        session, username="bob", email=BOB_EMAIL, password=TEST_PASSWORD
    )
    moderator = accounts_service.create_user(
        session,
        username="mod",
        email=MOD_EMAIL,
        password=TEST_PASSWORD,
        role=Role.MODERATOR,
    )
    article = make_article(session, title="Living with spasticity")
    published = make_comment(
        session, article, author=alice, body=f"I eat {ALICE_WORDS} every morning."
    )
    bob_reply = make_comment(
        session, article, author=bob, parent=published, body="Bob answers kindly."
    )
    bob_comment = make_comment(session, article, author=bob, body="Bob's own view.")
    pending = make_comment(
        session,
        article,
        author=alice,
        status=CommentStatus.PENDING,
        body=f"A {ALICE_EDITED_AWAY} question.",
    )
    editing.edit_comment(
        session,
        pending,
        f"A question about {ALICE_WORDS}.",
        actor=alice,
    )
    rejected = make_comment(
        session, article, author=alice, status=CommentStatus.PENDING, body="Rude."
    )
    moderation_service.decide(
        session, rejected, Decision.REJECT, actor=moderator, reason="Please be kind."
    )
    spam = make_comment(session, article, author=alice, status=CommentStatus.SPAM)
    removed = make_comment(session, article, author=alice, body="Gone soon.")
    moderation_service.decide(
        session, removed, Decision.REMOVE, actor=moderator, reason="Off topic."
    )
    reporting.flag_comment(
        session,
        bob_comment.id,
        FlagCreate(reason=FlagReason.OFF_TOPIC),
        actor=alice,
    )
    reporting.flag_comment(
        session,
        published.id,
        FlagCreate(reason=FlagReason.OTHER, note=BOB_REPORT_NOTE),
        actor=bob,
    )
    drafts.save_draft(
        session, article, DraftWrite(body="Alice's draft, half written."), actor=alice
    )
    drafts.save_draft(session, article, DraftWrite(body=BOB_DRAFT), actor=bob)
    visits.record_visit(session, alice, article.id)
    session.add(UserNote(user_id=alice.id, author_id=moderator.id, body=MOD_NOTE))
    session.flush()
    return World(
        alice,
        bob,
        moderator,
        article,
        published,
        bob_reply,
        pending,
        rejected,
        spam,
        removed,
        bob_comment,
    )


@pytest.fixture
def alice_api(app_factory: AppFactory, world: World) -> Iterator[TestClient]:
    with TestClient(app_factory(), follow_redirects=False) as client:
        client.headers["Authorization"] = (
            f"Bearer {api_token(client, world.alice.username)}"
        )
        yield client


@pytest.fixture
def alice_browser(app_factory: AppFactory, world: World) -> Iterator[TestClient]:
    with TestClient(app_factory(), follow_redirects=False) as client:
        login(client, world.alice.username)
        yield client


def _delete(client: TestClient, password: str = TEST_PASSWORD) -> int:
    response = client.request("DELETE", "/api/v1/me", json={"password": password})
    return response.status_code


# The export ----------------------------------------------------------------------


def test_export_holds_every_comment_report_and_session_of_theirs(
    session: Session, world: World, alice_api: TestClient
) -> None:
    response = alice_api.get("/api/v1/me/export")

    assert response.status_code == 200, response.text
    today = utcnow().date().isoformat()
    assert response.headers["content-disposition"] == (
        f'attachment; filename="haven-alice-{today}.json"'
    )
    assert response.headers["cache-control"] == "no-store"
    data = response.json()
    assert data["account"]["email"] == "alice.private@example.org"
    assert data["account"]["username"] == "alice"
    statuses = {c["status"] for c in data["comments"]}
    assert statuses == {"approved", "pending", "rejected", "spam", "removed"}
    by_id = {c["id"]: c for c in data["comments"]}
    assert ALICE_WORDS in by_id[world.published.id]["body"]
    edited = by_id[world.pending.id]
    assert [r["body"] for r in edited["revisions"]] == [
        f"A {ALICE_EDITED_AWAY} question."
    ]
    assert edited["revisions"][0]["edited_by_you"] is True
    assert by_id[world.rejected.id]["decision_reason"] == "Please be kind."
    assert [r["comment_id"] for r in data["reports"]] == [world.bob_comment.id]
    assert [d["body"] for d in data["drafts"]] == ["Alice's draft, half written."]
    assert [v["article_slug"] for v in data["visits"]] == [world.article.slug]
    assert len(data["sessions"]) == 1
    assert data["sessions"][0]["current"] is True
    assert data["sessions"][0]["kind"] == "api"
    actions = {(a["action"], a["about_you"], a["by_you"]) for a in data["audit_log"]}
    assert ("reject", True, False) in actions
    assert ("remove", True, False) in actions
    assert data["not_included"]


def test_export_holds_nothing_of_other_people_nor_any_token(
    session: Session, world: World, alice_api: TestClient
) -> None:
    token = alice_api.headers["Authorization"].removeprefix("Bearer ")
    hashes = session.scalars(select(AuthSession.token_hash)).all()

    text = alice_api.get("/api/v1/me/export").text

    for private in (
        BOB_EMAIL,
        BOB_DRAFT,
        BOB_REPORT_NOTE,
        MOD_EMAIL,
        MOD_NOTE,
        "Bob's own view.",  # the text of the comment she reported: Bob's
        "Bob answers kindly.",
        token,
        *hashes,
        world.alice.password_hash,
    ):
        assert private not in text, private
    # Not who decided, nor who reported her comment.
    assert '"mod"' not in text
    assert "bob" not in text.lower()


def test_each_export_is_audited(
    session: Session, world: World, alice_api: TestClient
) -> None:
    alice_api.get("/api/v1/me/export")
    alice_api.get("/api/v1/me/export")

    rows = session.scalars(
        select(ModerationAction).where(
            ModerationAction.action == ActionKind.EXPORT_DATA
        )
    ).all()
    assert [(r.actor_id, r.subject_user_id) for r in rows] == [
        (world.alice.id, world.alice.id)
    ] * 2


def test_export_needs_a_signed_in_caller(client: TestClient) -> None:
    response = client.get("/api/v1/me/export")

    assert response.status_code == 401
    assert response.json()["detail"]


def test_export_from_the_settings_page_downloads_the_same_data(
    world: World, alice_browser: TestClient
) -> None:
    page = alice_browser.get("/settings")
    assert "Your data" in page.text
    assert "Delete my account" in page.text

    response = alice_browser.post(
        "/settings/export", data={"csrf_token": csrf_from(page.text)}
    )

    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith(
        'attachment; filename="haven-alice-'
    )
    assert response.headers["cache-control"] == "no-store"
    data = json.loads(response.text)
    assert data["sessions"][0]["kind"] == "browser"
    assert data["sessions"][0]["current"] is True
    assert BOB_EMAIL not in response.text


def test_a_banned_member_may_still_export_and_delete(
    session: Session, world: World, app_factory: AppFactory
) -> None:
    accounts_service.ban(
        session, world.alice, until=None, reason="Abuse.", actor=world.moderator
    )
    with TestClient(app_factory(), follow_redirects=False) as client:
        client.headers["Authorization"] = f"Bearer {api_token(client, 'alice')}"

        assert client.get("/api/v1/me/export").json()["account"]["ban_reason"] == (
            "Abuse."
        )
        assert _delete(client) == 204


# Deleting: refusals change nothing ------------------------------------------------


def test_a_wrong_password_changes_nothing(
    session: Session, world: World, alice_api: TestClient, alice_browser: TestClient
) -> None:
    before = database_snapshot(session)

    response = alice_api.request("DELETE", "/api/v1/me", json={"password": "nope"})
    assert response.status_code == 403
    assert "password is not right" in response.json()["detail"]

    page = alice_browser.get("/settings")
    response = alice_browser.post(
        "/settings/delete",
        data={"csrf_token": csrf_from(page.text), "password": "not it at all"},
    )
    assert response.status_code == 403
    assert response.template.name == "accounts/settings.html"  # type: ignore[attr-defined]
    assert 'id="error-password"' in response.text
    assert "password is not right" in response.text

    response = alice_browser.post(
        "/settings/delete", data={"csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 422
    assert "Please type your password" in response.text

    assert changed_tables(before, database_snapshot(session)) == []
    assert alice_api.get("/api/v1/me").status_code == 200


def test_wrong_passwords_are_limited_like_sign_ins(
    world: World, alice_api: TestClient
) -> None:
    codes = [_delete(alice_api, "wrong guess") for _ in range(6)]

    assert codes == [403] * 5 + [429]
    # The limit counts the account: the right password waits too.
    assert _delete(alice_api) == 429


def test_a_forged_deletion_form_is_refused(
    session: Session, world: World, alice_browser: TestClient
) -> None:
    before = database_snapshot(session)

    response = alice_browser.post(
        "/settings/delete", data={"csrf_token": "0" * 64, "password": TEST_PASSWORD}
    )

    assert response.status_code == 403
    assert "Your form could not be sent" in response.text
    assert changed_tables(before, database_snapshot(session)) == []


def test_the_last_administrator_may_not_leave(session: Session) -> None:
    admin = make_admin(session)

    with pytest.raises(Conflict, match="last administrator"):
        personal.delete_account(session, TEST_PASSWORD, actor=admin)
    assert admin.deleted_at is None

    other = make_admin(session)
    personal.delete_account(session, TEST_PASSWORD, actor=admin)
    assert admin.deleted_at is not None
    with pytest.raises(Conflict, match="last administrator"):
        personal.delete_account(session, TEST_PASSWORD, actor=other)


def test_the_last_administrator_is_told_why_through_the_api(
    session: Session, app_factory: AppFactory
) -> None:
    for admin in session.scalars(select(User).where(User.role == Role.ADMIN)):
        admin.role = Role.MEMBER
    admin = make_admin(session)
    with TestClient(app_factory(), follow_redirects=False) as client:
        client.headers["Authorization"] = f"Bearer {api_token(client, admin.username)}"
        response = client.request(
            "DELETE", "/api/v1/me", json={"password": TEST_PASSWORD}
        )

    assert response.status_code == 409
    assert "last administrator" in response.json()["detail"]


def test_a_moderator_may_delete_their_account(session: Session, world: World) -> None:
    personal.delete_account(session, TEST_PASSWORD, actor=world.moderator)

    assert world.moderator.role == Role.MEMBER
    # Their decisions stay, under their id.
    assert session.scalar(
        select(func.count(ModerationAction.id)).where(
            ModerationAction.actor_id == world.moderator.id
        )
    )


def test_a_wrong_password_is_refused_by_the_service(
    session: Session, world: World
) -> None:
    with pytest.raises(PermissionDenied):
        personal.delete_account(session, "not it", actor=world.alice)
    assert world.alice.deleted_at is None


# Deleting: what goes, what stays ---------------------------------------------------


def test_deletion_erases_her_text_from_every_page_and_answer(
    session: Session, world: World, alice_api: TestClient, client: TestClient
) -> None:
    slug = world.article.slug
    assert ALICE_WORDS in client.get(f"/articles/{slug}").text

    assert _delete(alice_api) == 204

    session.expire_all()
    page = client.get(f"/articles/{slug}")
    assert ALICE_WORDS not in page.text
    assert "Alice Example" not in page.text
    # Bob's reply stays, under the placeholder of a comment its author deleted.
    assert "Bob answers kindly." in page.text
    assert "This comment was deleted by its author." in page.text
    tree = client.get(f"/api/v1/articles/{slug}/comments").json()
    [placeholder] = [n for n in tree["items"] if n["id"] == world.published.id]
    assert placeholder["author"] is None
    assert placeholder["body_html"] == ""
    assert [r["id"] for r in placeholder["replies"]] == [world.bob_reply.id]
    assert ALICE_WORDS not in json.dumps(tree)
    assert (
        search_service.search(
            session, SearchQuery.parse(ALICE_WORDS), page=1, per_page=10
        ).items
        == []
    )
    assert client.get(f"/api/v1/search?q={ALICE_WORDS}").json()["total"] == 0
    assert client.get(f"/comments/{world.published.id}").status_code in (303, 404)
    assert_counts_exact(session, "after the deletion")


def test_deletion_empties_every_comment_revision_and_private_row(
    session: Session, world: World
) -> None:
    alice_id = world.alice.id
    personal.delete_account(session, TEST_PASSWORD, actor=world.alice)

    session.expire_all()
    comments = session.scalars(select(Comment).where(Comment.author_id == alice_id))
    assert {(c.status, c.body, c.body_html, c.pending_body) for c in comments} == {
        (CommentStatus.DELETED, "", "", None),
        (CommentStatus.REMOVED, "", "", None),
    }
    revisions = session.scalars(
        select(CommentRevision.body).where(
            CommentRevision.comment_id == world.pending.id
        )
    ).all()
    assert revisions == [""]
    for model, column in (
        (AuthSession, AuthSession.user_id),
        (CommentDraft, CommentDraft.user_id),
        (ArticleVisit, ArticleVisit.user_id),
        (Flag, Flag.reporter_id),
        (UserNote, UserNote.user_id),
        (Outbox, Outbox.user_id),
    ):
        assert (
            session.scalar(
                select(func.count()).select_from(model).where(column == alice_id)
            )
            == 0
        ), model
    # Bob's draft and report are his, and stay.
    assert (
        session.scalar(
            select(CommentDraft.body).where(CommentDraft.user_id == world.bob.id)
        )
        == BOB_DRAFT
    )
    user = session.get(User, alice_id)
    assert user is not None
    assert (user.username, user.display_name, user.email, user.bio) == (
        f"former-{alice_id}",
        f"Former member #{alice_id}",
        "",
        "",
    )
    assert user.pending_email is None
    assert_counts_exact(session, "after the deletion")


def test_her_profile_is_gone_and_her_name_free(
    session: Session, world: World, alice_api: TestClient, client: TestClient
) -> None:
    alice_id = world.alice.id
    assert _delete(alice_api) == 204

    for path in (
        "/users/alice",
        f"/users/former-{alice_id}",
        "/api/v1/users/alice",
        f"/api/v1/users/former-{alice_id}",
        f"/api/v1/users/former-{alice_id}/comments",
    ):
        assert client.get(path).status_code == 404, path
    again = accounts_service.register(
        session,
        RegisterIn(
            username="alice",
            email="alice.private@example.org",
            password="a new long password",
        ),
    )
    assert again.id != alice_id
    # Nobody signs in as the tombstone.
    response = client.post(
        "/api/v1/auth/token",
        data={"username": f"former-{alice_id}", "password": TEST_PASSWORD},
    )
    assert response.status_code == 401


def test_sign_ups_cannot_take_a_former_members_name(session: Session) -> None:
    with pytest.raises(Invalid, match="reserved"):
        accounts_service.register(
            session,
            RegisterIn(
                username="Former-12", email="x@example.org", password="a long password"
            ),
        )


def test_every_session_and_token_ends(
    session: Session, world: World, app_factory: AppFactory, alice_api: TestClient
) -> None:
    with TestClient(app_factory(), follow_redirects=False) as browser:
        login(browser, "alice")
        second_token = api_token(browser, "alice")
        page = browser.get("/settings")

        response = browser.post(
            "/settings/delete",
            data={"csrf_token": csrf_from(page.text), "password": TEST_PASSWORD},
        )

        assert response.status_code == 303
        assert response.headers["location"] == "/"
        assert "haven_session=" in response.headers["set-cookie"]
        assert "deleted" in browser.get("/").text
        assert browser.get("/settings").headers["location"].startswith("/login")
    assert alice_api.get("/api/v1/me").status_code == 401
    alice_api.headers["Authorization"] = f"Bearer {second_token}"
    assert alice_api.get("/api/v1/me/export").status_code == 401


def test_the_audit_log_keeps_her_rows_under_a_former_member(
    session: Session, world: World, alice_api: TestClient, mod_client: TestClient
) -> None:
    alice_id = world.alice.id
    about_her = session.scalar(
        select(func.count(ModerationAction.id)).where(
            ModerationAction.subject_user_id == alice_id
        )
    )

    assert _delete(alice_api) == 204

    rows = session.scalars(
        select(ModerationAction).where(ModerationAction.subject_user_id == alice_id)
    ).all()
    assert len(rows) == (about_her or 0) + 1
    deletion = [r for r in rows if r.action == ActionKind.DELETE_ACCOUNT]
    assert [(r.actor_id, r.subject_user_id) for r in deletion] == [(alice_id, alice_id)]
    log = mod_client.get("/moderation/log").text
    assert f"Former member #{alice_id}" in log
    assert "Alice Example" not in log
    # Her record stays readable to moderators under the pseudonym.
    record = mod_client.get(f"/users/former-{alice_id}/moderation")
    assert record.status_code == 200
    assert f"Former member #{alice_id}" in record.text
    assert MOD_NOTE not in record.text
    # Moderators read the discussion without her words too.
    page = mod_client.get(f"/articles/{world.article.slug}").text
    assert ALICE_WORDS not in page
    assert "Bob answers kindly." in page


def test_withdrawn_reports_leave_the_flagged_view_exact(
    session: Session, world: World
) -> None:
    """Her report of Bob's comment was its only one: it leaves the flagged view."""
    personal.delete_account(session, TEST_PASSWORD, actor=world.alice)

    assert (
        session.scalar(
            select(func.count(Flag.id)).where(Flag.comment_id == world.bob_comment.id)
        )
        == 0
    )
    assert_counts_exact(session, "after her reports went")


def test_a_comment_hidden_only_by_her_report_shows_again(
    session: Session, app_factory: AppFactory
) -> None:
    admin = make_admin(session)
    update_policy(session, PolicyUpdate(flag_threshold=1), actor=admin)
    session.info.clear()
    reporter = make_trusted_member(session)
    article = make_article(session)
    target = make_comment(session, article, author=make_user(session))
    reporting.flag_comment(
        session, target.id, FlagCreate(reason=FlagReason.ABUSIVE), actor=reporter
    )
    assert target.hidden_at is not None
    shown_before = article.approved_count

    personal.delete_account(session, TEST_PASSWORD, actor=reporter)

    session.refresh(target)
    session.refresh(article)
    assert target.hidden_at is None
    assert article.approved_count == shown_before + 1
    assert_counts_exact(session, "after the hiding report went")


def test_a_comment_hidden_by_others_reports_too_stays_hidden(
    session: Session,
) -> None:
    admin = make_admin(session)
    update_policy(session, PolicyUpdate(flag_threshold=2), actor=admin)
    session.info.clear()
    first, second = make_trusted_member(session), make_trusted_member(session)
    article = make_article(session)
    target = make_comment(session, article, author=make_user(session))
    for reporter in (first, second):
        reporting.flag_comment(
            session, target.id, FlagCreate(reason=FlagReason.SPAM), actor=reporter
        )
    assert target.hidden_at is not None

    personal.delete_account(session, TEST_PASSWORD, actor=first)

    session.refresh(target)
    assert target.hidden_at is not None
    assert_counts_exact(session, "with one report left")


def test_mail_waiting_for_her_is_dropped(session: Session, world: World) -> None:
    session.add(Outbox(kind=MailKind.REPLY, user_id=world.alice.id))
    session.add(
        Outbox(kind=MailKind.REPLY, user_id=world.bob.id, comment_id=world.published.id)
    )
    session.flush()

    personal.delete_account(session, TEST_PASSWORD, actor=world.alice)

    assert (
        session.scalar(
            select(func.count(Outbox.id)).where(Outbox.kind == MailKind.REPLY)
        )
        == 0
    )
