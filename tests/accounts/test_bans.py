"""Bans: for a period or for good, sessions revoked, the member told why, expiry, unban."""

import re
from datetime import UTC, datetime, timedelta, timezone

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import service
from app.accounts.models import Role, User
from app.articles.models import Article
from app.comments.models import Comment, CommentStatus
from app.db import utcnow
from app.errors import PermissionDenied
from app.moderation.models import ActionKind
from tests.accounts.conftest import record_page
from tests.conftest import AppFactory
from tests.factories import make_article, make_comment, make_user
from tests.helpers import api_token, audit, csrf_from, login


def ban_html(client: TestClient, user: User, **fields: str) -> httpx2.Response:
    token = csrf_from(client.get(record_page(user)).text)
    return client.post(
        f"/users/{user.username}/ban", data={"csrf_token": token, **fields}
    )


_FORM_TOKEN = re.compile(r'name="form_token" value="([^"]*)"')


def comment_fields(page: str, body: str) -> dict[str, str]:
    """What the comment form sends, spam-defence token included where the page has one."""
    fields = {"body": body, "action": "post", "csrf_token": csrf_from(page)}
    if match := _FORM_TOKEN.search(page):
        fields["form_token"] = match.group(1)
    return fields


def test_ban_for_seven_days_from_the_page_ends_then_and_is_audited(
    session: Session, mod_client: TestClient, member: User
) -> None:
    response = ban_html(mod_client, member, period="7", reason="Repeated insults")

    assert response.status_code == 303
    session.refresh(member)
    assert member.is_banned()
    assert member.banned_until is not None
    assert abs(member.banned_until - (utcnow() + timedelta(days=7))) < timedelta(
        minutes=1
    )
    assert member.ban_reason == "Repeated insults"
    [(action, reason)] = audit(session, user=member, fields=("action", "reason"))
    assert action == ActionKind.BAN
    assert reason is not None
    assert reason.startswith("until ")
    assert reason.endswith("Repeated insults")
    page = mod_client.get(record_page(member)).text
    assert "Bert is banned until" in page
    assert "Repeated insults" in page


@pytest.mark.parametrize(("period", "days"), [("1", 1), ("30", 30)])
def test_ban_periods_offered_on_the_page(
    session: Session, mod_client: TestClient, member: User, period: str, days: int
) -> None:
    ban_html(mod_client, member, period=period, reason="Cool off")

    session.refresh(member)
    assert member.banned_until is not None
    assert abs(member.banned_until - (utcnow() + timedelta(days=days))) < timedelta(
        minutes=1
    )


def test_ban_for_good_from_the_page(
    session: Session, mod_client: TestClient, member: User
) -> None:
    ban_html(mod_client, member, period="forever", reason="Spam links")

    session.refresh(member)
    assert member.is_banned(utcnow() + timedelta(days=36500))
    assert member.banned_until is None
    assert audit(session, user=member, fields=("action", "reason")) == [
        (ActionKind.BAN, "for good: Spam links")
    ]


def test_ban_until_a_date_from_the_page(
    session: Session, mod_client: TestClient, member: User
) -> None:
    day = (utcnow() + timedelta(days=10)).date()

    ban_html(mod_client, member, period="date", until=day.isoformat(), reason="Off")

    session.refresh(member)
    assert member.banned_until == datetime(day.year, day.month, day.day, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"reason": "Rude"}, "period", "how long"),
        ({"period": "date", "reason": "Rude"}, "until", "day the ban ends"),
        (
            {"period": "date", "until": "2001-01-01", "reason": "Rude"},
            "until",
            "future",
        ),
        ({"period": "date", "until": "soon", "reason": "Rude"}, "until", ""),
        ({"period": "7", "reason": "   "}, "reason", "reason"),
        ({"period": "99999", "reason": "Rude"}, "period", ""),
    ],
)
def test_ban_form_refuses_bad_input_keeping_it_and_naming_the_field(
    session: Session,
    mod_client: TestClient,
    member: User,
    fields: dict[str, str],
    field: str,
    message: str,
) -> None:
    response = ban_html(mod_client, member, **fields)

    assert response.status_code == 422
    html = response.text
    assert f'id="error-{field}"' in html
    assert message in html
    if field in ("until", "reason"):
        assert f'aria-describedby="hint-{field} error-{field}"' in html
    if fields.get("reason", "").strip():
        assert fields["reason"] in html
    session.refresh(member)
    assert not member.is_banned()
    assert audit(session, user=member, fields=("action", "reason")) == []


def test_ban_ends_the_members_browser_session_and_api_token(
    app_factory: AppFactory, session: Session, mod_api: TestClient, member: User
) -> None:
    app = app_factory()
    with (
        TestClient(app, follow_redirects=False) as browser,
        TestClient(app, follow_redirects=False) as api,
    ):
        login(browser, member.username)
        api.headers["Authorization"] = f"Bearer {api_token(api, member.username)}"
        assert browser.get("/settings").status_code == 200
        assert api.get("/api/v1/me").status_code == 200

        response = mod_api.post(
            f"/api/v1/users/{member.username}/ban",
            json={"days": 3, "reason": "Harassment"},
        )

        assert response.status_code == 200, response.text
        assert response.json()["is_banned"] is True
        assert browser.get("/settings").status_code == 303
        assert api.get("/api/v1/me").status_code == 401


@pytest.fixture
def article(session: Session) -> Article:
    return make_article(session, title="Living with fatigue")


def test_banned_member_who_signs_in_sees_reason_and_end_and_no_comment_form(
    session: Session,
    client: TestClient,
    moderator: User,
    member: User,
    article: Article,
) -> None:
    until = utcnow() + timedelta(days=5)
    service.ban(session, member, until=until, reason="Spam links", actor=moderator)
    login(client, member.username)

    page = client.get(f"/articles/{article.slug}").text

    assert f"until {until:%-d %B %Y at %H:%M} UTC" in page
    assert "Spam links" in page
    assert 'id="ban-notice"' in page
    assert 'name="body"' not in page  # the comment form is replaced by the notice
    me = client.get("/settings").text
    assert 'id="ban-notice"' in me


def test_banned_member_cannot_post_through_the_page_and_keeps_the_text(
    session: Session,
    client: TestClient,
    moderator: User,
    member: User,
    article: Article,
) -> None:
    login(client, member.username)
    before = client.get(f"/articles/{article.slug}").text  # the form, still offered
    service.ban(session, member, until=None, reason="Spam links", actor=moderator)
    login(client, member.username)  # the ban ended the old session

    response = client.post(
        f"/articles/{article.slug}/comments",
        data={
            **comment_fields(before, "Buy my miracle cure"),
            "csrf_token": csrf_from(client.get("/settings").text),
        },
    )

    assert response.status_code == 403
    assert "Buy my miracle cure" in response.text
    assert "banned for good" in response.text
    assert (
        session.scalars(select(Comment).where(Comment.author_id == member.id)).all()
        == []
    )


def test_banned_member_cannot_post_through_the_api(
    app_factory: AppFactory,
    session: Session,
    moderator: User,
    member: User,
    article: Article,
) -> None:
    service.ban(
        session,
        member,
        until=utcnow() + timedelta(days=1),
        reason="Spam",
        actor=moderator,
    )
    with TestClient(app_factory()) as api:
        api.headers["Authorization"] = f"Bearer {api_token(api, member.username)}"
        me = api.get("/api/v1/me").json()
        response = api.post(
            f"/api/v1/articles/{article.slug}/comments", json={"body": "Hello again"}
        )

    assert me["is_banned"] is True
    assert me["ban_reason"] == "Spam"
    assert response.status_code == 403
    assert "banned until" in response.json()["detail"]
    assert "Spam" in response.json()["detail"]


def test_ensure_can_participate_is_the_one_check_for_posting_editing_flagging(
    session: Session, moderator: User, member: User
) -> None:
    service.ensure_can_participate(member)
    service.ensure_can_participate(None)  # guests are judged elsewhere
    service.ban(session, member, until=None, reason="Abuse", actor=moderator)

    with pytest.raises(PermissionDenied, match="can't post, edit or flag"):
        service.ensure_can_participate(member)


def make_waiting(session: Session, article: Article, author: User) -> list[Comment]:
    first = make_comment(session, article, author=author, status=CommentStatus.PENDING)
    second = make_comment(session, article, author=author, status=CommentStatus.PENDING)
    edited = make_comment(session, article, author=author)
    edited.pending_body = "A sneaky new version"
    edited.pending_body_html = "<p>A sneaky new version</p>"
    session.flush()
    return [first, second, edited]


def test_ban_can_reject_every_waiting_comment_each_audited(
    session: Session, mod_client: TestClient, member: User, article: Article
) -> None:
    first, second, edited = make_waiting(session, article, member)
    published = make_comment(session, article, author=member)
    someone_else = make_comment(session, article, status=CommentStatus.PENDING)

    response = ban_html(
        mod_client, member, period="forever", reason="Spam run", reject_pending="1"
    )

    assert response.status_code == 303
    for comment in (first, second, edited, published, someone_else):
        session.refresh(comment)
    assert first.status == second.status == CommentStatus.REJECTED
    assert first.decision_reason == "Author banned: Spam run"
    assert edited.status == CommentStatus.APPROVED
    assert edited.pending_body is None
    assert published.status == CommentStatus.APPROVED
    assert someone_else.status == CommentStatus.PENDING
    actions = [
        action for action, _ in audit(session, user=member, fields=("action", "reason"))
    ]
    assert sorted(actions) == sorted(
        [
            ActionKind.BAN,
            ActionKind.REJECT,
            ActionKind.REJECT,
            ActionKind.REJECT_EDIT,
        ]
    )
    page = mod_client.get(record_page(member)).text
    assert "3 waiting comment(s) rejected" in page


def test_ban_through_the_api_reports_the_rejected_comments(
    session: Session, mod_api: TestClient, member: User, article: Article
) -> None:
    waiting = make_waiting(session, article, member)

    response = mod_api.post(
        f"/api/v1/users/{member.username}/ban",
        json={"reason": "Spam run", "reject_pending": True},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert sorted(body["rejected_comment_ids"]) == sorted(c.id for c in waiting)
    assert body["banned_until"] is None


def test_ban_without_the_option_leaves_waiting_comments_alone(
    session: Session, mod_api: TestClient, member: User, article: Article
) -> None:
    first, _, edited = make_waiting(session, article, member)

    mod_api.post(f"/api/v1/users/{member.username}/ban", json={"reason": "Rude"})

    session.refresh(first)
    session.refresh(edited)
    assert first.status == CommentStatus.PENDING
    assert edited.pending_body == "A sneaky new version"


def test_ban_expires_by_itself(
    session: Session,
    app_factory: AppFactory,
    moderator: User,
    member: User,
    article: Article,
) -> None:
    service.ban(
        session,
        member,
        until=utcnow() + timedelta(days=1),
        reason="Rude",
        actor=moderator,
    )
    assert service.ban_message(member, utcnow() + timedelta(hours=23)) is not None

    member.banned_until = utcnow() - timedelta(minutes=1)  # a day later
    session.flush()

    assert not member.is_banned()
    assert service.ban_message(member) is None
    with TestClient(app_factory(), follow_redirects=False) as client:
        login(client, member.username)
        page = client.get(f"/articles/{article.slug}").text
        response = client.post(
            f"/articles/{article.slug}/comments",
            data=comment_fields(page, "I'm back, and sorry."),
        )
    assert 'id="ban-notice"' not in page
    assert response.status_code == 303


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"reason": "x", "days": 2, "until": "2030-01-01"}, "not both"),
        ({"reason": "x", "until": "2001-01-01T00:00:00"}, "future"),
        ({"reason": "x", "days": 0}, "days: The number of days must be 1 or more."),
        ({"reason": ""}, "reason: Please fill in the reason."),
    ],
)
def test_api_ban_refuses_bad_input(
    session: Session,
    mod_api: TestClient,
    member: User,
    payload: dict[str, object],
    fragment: str,
) -> None:
    response = mod_api.post(f"/api/v1/users/{member.username}/ban", json=payload)

    assert response.status_code == 422
    assert fragment in response.json()["detail"]
    session.refresh(member)
    assert not member.is_banned()


def test_api_ban_reads_a_time_without_zone_as_utc(
    session: Session, mod_api: TestClient, member: User
) -> None:
    year = utcnow().year + 2
    response = mod_api.post(
        f"/api/v1/users/{member.username}/ban",
        json={"reason": "Cool off", "until": f"{year}-01-01T12:00:00"},
    )

    assert response.status_code == 200, response.text
    session.refresh(member)
    assert member.banned_until == datetime(year, 1, 1, 12, tzinfo=UTC)


def test_banning_again_replaces_the_terms_and_is_audited_again(
    session: Session, mod_client: TestClient, member: User
) -> None:
    ban_html(mod_client, member, period="1", reason="Cool off")
    assert "Change the ban" in mod_client.get(record_page(member)).text

    ban_html(mod_client, member, period="forever", reason="Came back worse")

    session.refresh(member)
    assert member.banned_until is None
    assert member.ban_reason == "Came back worse"
    assert [
        action for action, _ in audit(session, user=member, fields=("action", "reason"))
    ] == [
        ActionKind.BAN,
        ActionKind.BAN,
    ]


def test_unban_from_the_page_and_the_api_is_audited(
    session: Session, mod_client: TestClient, mod_api: TestClient, member: User
) -> None:
    other = make_user(session)
    ban_html(mod_client, member, period="forever", reason="Rude")
    ban_html(mod_client, other, period="forever", reason="Rude")
    token = csrf_from(mod_client.get(record_page(member)).text)

    page = mod_client.post(
        f"/users/{member.username}/unban", data={"csrf_token": token}
    )
    api = mod_api.post(f"/api/v1/users/{other.username}/unban")

    assert page.status_code == 303
    assert "ban is lifted" in mod_client.get(record_page(member)).text
    assert api.status_code == 200
    assert api.json()["is_banned"] is False
    for person in (member, other):
        session.refresh(person)
        assert not person.is_banned()
        assert [
            action
            for action, _ in audit(session, user=person, fields=("action", "reason"))
        ] == [
            ActionKind.BAN,
            ActionKind.UNBAN,
        ]


def test_unban_of_someone_not_banned_is_refused(
    session: Session, mod_client: TestClient, mod_api: TestClient, member: User
) -> None:
    token = csrf_from(mod_client.get(record_page(member)).text)

    page = mod_client.post(
        f"/users/{member.username}/unban", data={"csrf_token": token}
    )
    api = mod_api.post(f"/api/v1/users/{member.username}/unban")

    assert "not banned" in mod_client.get(page.headers["location"]).text
    assert api.status_code == 409
    assert audit(session, user=member, fields=("action", "reason")) == []


@pytest.mark.parametrize(
    ("actor_role", "target_role", "status"),
    [
        (Role.MODERATOR, Role.MODERATOR, 403),
        (Role.MODERATOR, Role.ADMIN, 403),
        (Role.ADMIN, Role.ADMIN, 403),
        (Role.ADMIN, Role.MODERATOR, 200),
        (Role.ADMIN, Role.MEMBER, 200),
    ],
)
def test_who_may_ban_whom(
    app_factory: AppFactory,
    session: Session,
    actor_role: Role,
    target_role: Role,
    status: int,
) -> None:
    actor = make_user(session, role=actor_role)
    target = make_user(session, role=target_role)
    with TestClient(app_factory()) as api:
        api.headers["Authorization"] = f"Bearer {api_token(api, actor.username)}"
        response = api.post(
            f"/api/v1/users/{target.username}/ban", json={"reason": "Testing"}
        )
        unban = api.post(f"/api/v1/users/{target.username}/unban")

    assert response.status_code == status, response.text
    assert unban.status_code == status
    assert len(audit(session, user=target, fields=("action", "reason"))) == (
        2 if status == 200 else 0
    )


def test_nobody_bans_themselves(
    session: Session, mod_client: TestClient, mod_api: TestClient, moderator: User
) -> None:
    api = mod_api.post(f"/api/v1/users/{moderator.username}/ban", json={"reason": "Me"})
    page = mod_client.get(record_page(moderator)).text

    assert api.status_code == 409
    assert "ban yourself" in page
    assert f'action="/users/{moderator.username}/ban"' not in page
    assert not moderator.is_banned()


def test_a_banned_moderator_can_no_longer_ban(
    app_factory: AppFactory, session: Session, moderator: User, member: User
) -> None:
    admin = make_user(session, role=Role.ADMIN)
    service.ban(session, moderator, until=None, reason="Abused the tools", actor=admin)
    with TestClient(app_factory()) as api:
        api.headers["Authorization"] = f"Bearer {api_token(api, moderator.username)}"
        response = api.post(
            f"/api/v1/users/{member.username}/ban", json={"reason": "Revenge"}
        )

    assert response.status_code == 403
    assert not member.is_banned()


def test_a_member_cannot_ban_through_the_service_either(
    session: Session, member: User
) -> None:
    other = make_user(session)

    with pytest.raises(PermissionDenied):
        service.ban(session, other, until=None, reason="Nope", actor=member)
    with pytest.raises(PermissionDenied):
        service.unban(session, other, actor=None)


# Dates out of range (#16): every date a ban takes is checked, never a 500.


@pytest.mark.parametrize(
    ("ban", "message"),
    [
        ({"until": "9999-12-31T23:59:59+14:00"}, "within 10 years"),
        ({"until": "9999-12-31T23:59:59-14:00"}, "within 10 years"),
        ({"until": "9999-12-31T23:59:59"}, "within 10 years"),
        ({"until": "0001-01-01T00:00:00+14:00"}, "future"),
        ({"until": "2001-01-01T00:00:00Z"}, "future"),
        ({"days": 3651}, "days: The number of days must be 3650 or less."),
        ({"days": 0}, "days: The number of days must be 1 or more."),
        ({"days": 10**30}, "days: The number of days must be 3650 or less."),
    ],
)
def test_ban_dates_out_of_range_are_422_through_the_api(
    session: Session,
    mod_api: TestClient,
    member: User,
    ban: dict[str, object],
    message: str,
) -> None:
    response = mod_api.post(
        f"/api/v1/users/{member.username}/ban", json={"reason": "Rude", **ban}
    )

    assert response.status_code == 422, response.text
    assert message in response.json()["detail"]
    session.refresh(member)
    assert not member.is_banned()
    assert audit(session, user=member, fields=("action", "reason")) == []


@pytest.mark.parametrize("until", ["9999-12-31", "0001-01-01", "2001-01-01"])
def test_ban_form_refuses_a_day_out_of_range(
    session: Session, mod_client: TestClient, member: User, until: str
) -> None:
    response = ban_html(mod_client, member, period="date", until=until, reason="Rude")

    assert response.status_code == 422
    assert 'id="error-until"' in response.text
    session.refresh(member)
    assert not member.is_banned()


def test_ban_may_end_ten_years_from_now_with_any_offset(
    session: Session, mod_api: TestClient, member: User
) -> None:
    until = (utcnow() + timedelta(days=3649)).astimezone(timezone(timedelta(hours=-14)))

    response = mod_api.post(
        f"/api/v1/users/{member.username}/ban",
        json={"reason": "Rude", "until": until.isoformat()},
    )

    assert response.status_code == 200, response.text
    session.refresh(member)
    assert member.banned_until == until
