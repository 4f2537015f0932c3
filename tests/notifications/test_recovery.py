"""Password reset by mail, confirming addresses, and guests' reply notices."""

import re
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import AuthSession, Role, User
from app.comments.models import Comment, CommentStatus
from app.config import Settings
from app.moderation import service as moderation_service
from app.moderation.models import Decision
from app.notifications.models import Outbox
from app.notifications.tokens import Purpose, Signer, password_fingerprint
from tests.conftest import AppFactory
from tests.factories import TEST_PASSWORD, make_article, make_comment, make_user
from tests.helpers import api_token, csrf_from, login, post_form
from tests.mailserver import Inbox, link_in, text_of
from tests.notifications.conftest import SendMail

pytestmark = pytest.mark.smtp

NEW_PASSWORD = "a quiet walk by the river"


def _ask_reset(client: TestClient, email: str) -> str:
    response = post_form(
        client, "/forgot-password", "/forgot-password", {"email": email}
    )
    assert response.status_code == 200
    return response.text


def test_the_sign_in_page_offers_a_reset(client: TestClient) -> None:
    page = client.get("/login")
    assert 'href="/forgot-password"' in page.text
    assert client.get("/forgot-password").status_code == 200


def test_a_reset_link_works_once_and_ends_every_session(
    session: Session,
    client: TestClient,
    app_factory: AppFactory,
    inbox: Inbox,
    send_mail: SendMail,
) -> None:
    member = make_user(session)
    with TestClient(app_factory(), follow_redirects=False) as other_device:
        login(other_device, member.username)
        assert other_device.get("/settings").status_code == 200

        _ask_reset(client, member.email.upper())  # addresses ignore case
        send_mail()
        link = link_in(inbox.only(member.email), "/reset-password/")

        form = client.get(link)
        assert form.status_code == 200
        done = client.post(
            link,
            data={"new_password": NEW_PASSWORD, "csrf_token": csrf_from(form.text)},
        )
        assert done.status_code == 303
        assert client.get("/settings").status_code == 200  # signed in
        assert other_device.get("/settings").status_code == 303  # signed out

    # The link is dead now: its password is gone.
    again = client.get(link)
    assert again.status_code == 400
    assert "not valid any more" in again.text
    with TestClient(app_factory(), follow_redirects=False) as fresh:
        with pytest.raises(AssertionError):
            login(fresh, member.username, TEST_PASSWORD)
        login(fresh, member.username, NEW_PASSWORD)


def test_a_reset_link_dies_when_the_password_changes_another_way(
    session: Session, client: TestClient, inbox: Inbox, send_mail: SendMail
) -> None:
    member = make_user(session)
    _ask_reset(client, member.email)
    send_mail()
    link = link_in(inbox.only(member.email), "/reset-password/")
    login(client, member.username)
    changed = post_form(
        client,
        "/settings",
        "/settings/password",
        {"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 303
    assert client.get(link).status_code == 400


def test_an_expired_reset_link_is_refused(
    session: Session,
    client: TestClient,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    member = make_user(session)
    session.commit()
    signer = Signer(settings.secret_key)
    # Signed an hour and a minute ago (itsdangerous reads the clock through time.time).
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() - 3660)
    token = signer.sign(
        Purpose.PASSWORD_RESET,
        {"u": member.id, "h": password_fingerprint(member.password_hash)},
    )
    monkeypatch.setattr(time, "time", real_time)
    page = client.get(f"/reset-password/{token}")
    assert page.status_code == 400
    assert "expired" in page.text
    api = client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": token, "new_password": NEW_PASSWORD},
    )
    assert api.status_code == 422
    assert "expired" in api.json()["detail"]


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    session: Session, client: TestClient, inbox: Inbox, send_mail: SendMail
) -> None:
    member = make_user(session)
    known = _ask_reset(client, member.email)
    unknown = _ask_reset(client, "nobody-here@example.org")

    def answer(page: str) -> str:
        return re.sub(r'value="[^"]*"', "", page.split('id="reset-sent"')[1])

    assert answer(known) == answer(unknown)
    # Neither request talks to the mail server: the mail goes later, from the
    # worker, so both answers take the same path and time.
    assert inbox.messages == []
    send_mail()
    assert [m["To"] for m in inbox.messages] == [member.email]

    api_known = client.post("/api/v1/auth/password-reset", json={"email": member.email})
    api_unknown = client.post(
        "/api/v1/auth/password-reset", json={"email": "nobody@example.org"}
    )
    assert api_known.status_code == api_unknown.status_code == 202
    assert api_known.json() == api_unknown.json()


def test_reset_requests_are_rate_limited(
    session: Session, app_factory: AppFactory
) -> None:
    member = make_user(session)
    with TestClient(
        app_factory(reset_limit="2/hour"), follow_redirects=False
    ) as client:
        for _ in range(2):
            _ask_reset(client, member.email)
        limited = post_form(
            client, "/forgot-password", "/forgot-password", {"email": member.email}
        )
        assert limited.status_code == 429
        assert "Too many reset requests" in limited.text
    waiting = session.scalar(select(func.count(Outbox.id))) or 0
    assert waiting == 2


def test_a_reset_refused_for_its_address_costs_the_visitor_nothing(
    app_factory: AppFactory,
) -> None:
    app = app_factory(reset_limit="2/hour")

    def ask(ip: str, email: str) -> int:
        with TestClient(app, client=(ip, 1)) as client:
            return client.post(
                "/api/v1/auth/password-reset", json={"email": email}
            ).status_code

    codes = [ask("203.0.113.7", "ann@example.org") for _ in range(2)]
    codes.append(ask("198.51.100.2", "ann@example.org"))  # Ann's are used up
    codes += [ask("198.51.100.2", f"{name}@example.org") for name in ("bo", "cy")]

    assert codes == [202, 202, 429, 202, 202]


def test_the_api_resets_a_password(
    session: Session, client: TestClient, inbox: Inbox, send_mail: SendMail
) -> None:
    member = make_user(session)
    token = api_token(client, member.username)
    client.post("/api/v1/auth/password-reset", json={"email": member.email})
    send_mail()
    link = link_in(inbox.only(member.email), "/reset-password/")
    reset = client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": link.rsplit("/", 1)[1], "new_password": NEW_PASSWORD},
    )
    assert reset.status_code == 200
    # Every session ended, API tokens too.
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401
    assert (
        session.scalar(
            select(func.count(AuthSession.id)).where(AuthSession.user_id == member.id)
        )
        == 0
    )


def test_a_new_member_confirms_their_address_before_any_notice(
    session: Session,
    client: TestClient,
    moderator: User,
    inbox: Inbox,
    send_mail: SendMail,
) -> None:
    registered = post_form(
        client,
        "/register",
        "/register",
        {"username": "newcomer", "email": "new@example.org", "password": NEW_PASSWORD},
    )
    assert registered.status_code == 303
    member = session.scalars(select(User).where(User.username == "newcomer")).one()
    assert member.email_verified_at is None
    settings_page = client.get("/settings")
    assert "Please confirm your address" in settings_page.text

    comment = make_comment(
        session, make_article(session), author=member, status=CommentStatus.PENDING
    )
    moderation_service.decide(session, comment, Decision.APPROVE, actor=moderator)
    send_mail()
    # Only the confirmation link went out; the approval notice waited in vain.
    message = inbox.only("new@example.org")
    assert "Confirm your email address" in message["Subject"]
    assert message["List-Unsubscribe"] is None

    confirmed = client.get(link_in(message, "/confirm-email/"))
    assert confirmed.status_code == 303
    session.refresh(member)
    assert member.email_verified_at is not None
    assert "Please confirm your address" not in client.get("/settings").text


def test_a_changed_address_waits_for_its_own_confirmation(
    session: Session, client: TestClient, inbox: Inbox, send_mail: SendMail
) -> None:
    member = make_user(session)
    login(client, member.username)
    first = client.get(
        link_in_settings_change(
            client, session, member, "a@example.org", inbox, send_mail
        ),
        follow_redirects=False,
    )
    assert first.status_code == 303
    old_link = link_in(inbox.only("a@example.org"), "/confirm-email/")
    inbox.messages.clear()
    # Changed again before confirming: the old link no longer counts.
    link_in_settings_change(client, session, member, "b@example.org", inbox, send_mail)
    refused = client.get(old_link)
    assert refused.status_code == 400
    session.refresh(member)
    assert member.email == "b@example.org"
    assert member.email_verified_at is None


def link_in_settings_change(
    client: TestClient,
    session: Session,
    member: User,
    address: str,
    inbox: Inbox,
    send_mail: SendMail,
) -> str:
    """Change the address in the settings form; the link mailed to the new one."""
    saved = post_form(
        client,
        "/settings",
        "/settings",
        {
            "display_name": member.display_name,
            "email": address,
            "bio": "",
            "notify_replies": "1",
        },
    )
    assert saved.status_code == 303
    session.refresh(member)
    assert member.email_verified_at is None
    send_mail()
    return link_in(inbox.only(address), "/confirm-email/")


def test_settings_switch_each_kind_of_mail(
    session: Session, client: TestClient
) -> None:
    member = make_user(session)
    login(client, member.username)
    page = client.get("/settings").text
    assert 'name="notify_decisions"' in page
    assert 'name="notify_digest"' not in page  # offered to moderators only
    post_form(
        client,
        "/settings",
        "/settings",
        {
            "display_name": member.display_name,
            "email": member.email,
            "bio": "",
            "notify_decisions": "1",
        },
    )
    session.refresh(member)
    assert (member.notify_replies, member.notify_decisions) == (False, True)

    api = client.patch(
        "/api/v1/me",
        json={"notify_replies": True},
        headers={"Authorization": f"Bearer {api_token(client, member.username)}"},
    )
    assert api.status_code == 200
    assert api.json()["notify_replies"] is True
    assert api.json()["notify_decisions"] is True
    assert api.json()["email_verified"] is True


def test_a_guest_hears_of_replies_only_after_confirming(
    session: Session,
    app_factory: AppFactory,
    moderator: User,
    inbox: Inbox,
    send_mail: SendMail,
) -> None:
    article = make_article(session)
    with TestClient(
        app_factory(allow_guest_comments=True), follow_redirects=False
    ) as guest:
        page = guest.get(f"/articles/{article.slug}")
        assert 'name="notify_replies"' in page.text
        posted = post_form(
            guest,
            f"/articles/{article.slug}",
            f"/articles/{article.slug}/comments",
            {
                "body": "I'm new here and stretching helps me too.",
                "guest_name": "Gil",
                "guest_email": "gil@example.org",
                "notify_replies": "1",
                "form_token": re.search(
                    r'name="form_token" value="([^"]+)"', page.text
                ).group(1),  # type: ignore[union-attr]
            },
        )
        assert posted.status_code == 303, posted.text
    comment = session.scalars(select(Comment).where(Comment.guest_name == "Gil")).one()
    moderation_service.decide(session, comment, Decision.APPROVE, actor=moderator)
    replier = make_user(session, role=moderator.role)

    def reply(text: str) -> None:
        from app.comments import service as comments_service
        from app.comments.schemas import CommentCreate

        comments_service.post_comment(
            session,
            article,
            CommentCreate(body=text, parent_id=comment.id),
            actor=replier,
            allow_guests=False,
        )

    reply("Welcome, Gil!")
    send_mail()
    confirmation = inbox.only("gil@example.org")  # the link, not the reply
    assert "Confirm you want replies" in confirmation["Subject"]

    with TestClient(app_factory(), follow_redirects=False) as guest:
        assert guest.get(link_in(confirmation, "/guest-replies/")).status_code == 200
    inbox.messages.clear()
    reply("Glad you are here.")
    send_mail()
    notice = inbox.only("gil@example.org")
    assert "replied to you" in notice["Subject"]
    assert "Glad you are here." in text_of(notice)


def test_the_cli_sets_a_password_and_ends_sessions(
    session: Session, client: TestClient
) -> None:
    from app.accounts import service as accounts_service

    member = make_user(session)
    login(client, member.username)
    accounts_service.set_password(session, member, NEW_PASSWORD)
    assert client.get("/settings").status_code == 303
    with pytest.raises(Exception, match="too common"):
        accounts_service.set_password(session, member, "password123")


@pytest.mark.parametrize(
    ("role", "offered"),
    [(Role.MEMBER, False), (Role.MODERATOR, True), (Role.ADMIN, False)],
)
def test_only_moderators_are_offered_the_digest(
    session: Session, client: TestClient, role: Role, offered: bool
) -> None:
    person = make_user(session, role=role)
    login(client, person.username)
    assert ('name="notify_digest"' in client.get("/settings").text) is offered
