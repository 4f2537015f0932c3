"""Accounts: registration, sign-in, sessions, CSRF, rate limits, profiles."""

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts import service
from app.accounts.deps import SESSION_COOKIE
from app.accounts.models import AuthSession, Role, User
from app.accounts.schemas import RegisterIn
from app.db import utcnow
from app.errors import Invalid, PermissionDenied
from app.security import password_context
from tests.conftest import AppFactory
from tests.factories import TEST_PASSWORD, make_user
from tests.helpers import csrf_from, login

GOOD_PASSWORD = "lantern meadow copper 42"


def register(client: TestClient, **fields: str) -> object:
    data = {
        "username": "newperson",
        "email": "new@example.org",
        "password": GOOD_PASSWORD,
        **fields,
    }
    token = csrf_from(client.get("/register").text)
    return client.post("/register", data={**data, "csrf_token": token})


def sessions_of(session: Session, user: User) -> int:
    return (
        session.scalar(
            select(func.count(AuthSession.id)).where(AuthSession.user_id == user.id)
        )
        or 0
    )


def test_register_signs_in_and_stores_only_an_argon2_hash(
    client: TestClient, session: Session
) -> None:
    response = register(client, display_name="New Person")

    assert response.status_code == 303  # type: ignore[attr-defined]
    assert SESSION_COOKIE in client.cookies
    user = service.get_user(session, "NEWPERSON")
    assert user.password_hash.startswith("$argon2id$")
    assert GOOD_PASSWORD not in user.password_hash
    assert user.role == Role.MEMBER
    assert user.display_name == "New Person"
    assert "New Person" in client.get("/").text  # signed in: the nav shows the name


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"username": "ab"}, "username", "3 to 30"),
        ({"username": "bad name!"}, "username", "3 to 30"),
        ({"username": "x" * 31}, "username", "3 to 30"),
        ({"username": "Admin"}, "username", "reserved"),
        ({"email": "not-an-email"}, "email", "email"),
        ({"password": "short"}, "password", "10 characters"),
        ({"password": "p" * 129}, "password", "128 characters"),
        ({"password": "password123"}, "password", "too common"),
        # Blank, or mostly spaces (issue #16, defect 9).
        ({"password": " " * 10}, "password", "10 characters besides spaces"),
        ({"password": "a b c d e  f  "}, "password", "10 characters besides spaces"),
        (
            {"password": "Newperson-x", "username": "Newperson-x"},
            "password",
            "username or email",
        ),
    ],
)
def test_register_refuses_bad_input_per_field(
    client: TestClient, fields: dict[str, str], field: str, message: str
) -> None:
    response = register(client, **fields)

    assert response.status_code == 422  # type: ignore[attr-defined]
    html = response.text  # type: ignore[attr-defined]
    assert f'id="error-{field}"' in html
    assert message in html
    assert 'aria-invalid="true"' in html
    if field != "username":
        assert 'value="newperson"' in html or 'value="Newperson-x"' in html  # kept
    assert GOOD_PASSWORD not in html


def test_register_refuses_taken_username_and_email_ignoring_case(
    client: TestClient, session: Session
) -> None:
    make_user(session, username="Maggie")
    taken_name = register(client, username="maggie")
    taken_email = register(client, username="other", email="MAGGIE@example.org")

    assert taken_name.status_code == 422  # type: ignore[attr-defined]
    assert "That username is taken" in taken_name.text  # type: ignore[attr-defined]
    assert "already exists" in taken_email.text  # type: ignore[attr-defined]


def test_login_and_logout_end_the_session(client: TestClient, session: Session) -> None:
    user = make_user(session)
    login(client, user.username)
    old_cookie = client.cookies[SESSION_COOKIE]
    assert sessions_of(session, user) == 1

    token = csrf_from(client.get("/settings").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303

    assert sessions_of(session, user) == 0
    client.cookies.set(SESSION_COOKIE, old_cookie)
    assert client.get("/settings").status_code == 303  # the old cookie is dead


def test_unknown_user_and_wrong_password_get_the_same_answer(
    client: TestClient, session: Session
) -> None:
    make_user(session, username="known")
    answers = []
    for username in ("known", "unknown"):
        token = csrf_from(client.get("/login").text)
        response = client.post(
            "/login",
            data={
                "username": username,
                "password": "wrong password!",
                "csrf_token": token,
            },
        )
        assert response.status_code == 401
        answers.append(response.text.split('role="alert"')[1][:300])
    assert answers[0] == answers[1]
    assert service.BAD_LOGIN.replace("'", "&#39;") in answers[0]


def test_login_is_limited_per_account(client: TestClient, session: Session) -> None:
    user = make_user(session)
    for _ in range(5):
        token = csrf_from(client.get("/login").text)
        client.post(
            "/login",
            data={
                "username": user.username,
                "password": "nope nope nope",
                "csrf_token": token,
            },
        )

    token = csrf_from(client.get("/login").text)
    blocked = client.post(
        "/login",
        data={
            "username": user.username,
            "password": TEST_PASSWORD,
            "csrf_token": token,
        },
    )

    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["Retry-After"]) <= 900
    api = client.post(
        "/api/v1/auth/token",
        data={"username": user.username, "password": TEST_PASSWORD},
    )
    assert api.status_code == 429
    assert "Retry-After" in api.headers


def test_a_right_password_gives_its_count_back(
    app_factory: AppFactory, session: Session
) -> None:
    """Tries are counted before the check; only the failures keep their count."""
    user = make_user(session)

    def sign_in(password: str) -> int:
        return client.post(
            "/api/v1/auth/token",
            data={"username": user.username, "password": password},
        ).status_code

    with TestClient(app_factory(login_limit_account="3/15 minutes")) as client:
        codes = [sign_in("wrong one"), sign_in("wrong two")]
        codes += [sign_in(TEST_PASSWORD) for _ in range(4)]
        codes += [sign_in("wrong three"), sign_in(TEST_PASSWORD)]

    assert codes == [401, 401, 200, 200, 200, 200, 401, 429]


def test_login_is_limited_per_address(
    app_factory: AppFactory, session: Session
) -> None:
    with TestClient(
        app_factory(login_limit_ip="3/15 minutes", login_limit_account="")
    ) as client:
        for attempt in range(3):
            client.post(
                "/api/v1/auth/token",
                data={"username": f"nobody{attempt}", "password": "x"},
            )
        user = make_user(session)
        response = client.post(
            "/api/v1/auth/token",
            data={"username": user.username, "password": TEST_PASSWORD},
        )
    assert response.status_code == 429


def test_limits_can_be_turned_off(app_factory: AppFactory, session: Session) -> None:
    user = make_user(session)
    with TestClient(app_factory(login_limit_ip="", login_limit_account="")) as client:
        for _ in range(8):
            client.post(
                "/api/v1/auth/token",
                data={"username": user.username, "password": "wrong"},
            )
        ok = client.post(
            "/api/v1/auth/token",
            data={"username": user.username, "password": TEST_PASSWORD},
        )
    assert ok.status_code == 200


def test_password_change_revokes_other_sessions(
    app_factory: AppFactory, session: Session
) -> None:
    user = make_user(session)
    app = app_factory()
    with (
        TestClient(app, follow_redirects=False) as laptop,
        TestClient(app, follow_redirects=False) as phone,
    ):
        login(laptop, user.username)
        login(phone, user.username)
        token = csrf_from(laptop.get("/settings").text)
        response = laptop.post(
            "/settings/password",
            data={
                "current_password": TEST_PASSWORD,
                "new_password": GOOD_PASSWORD,
                "csrf_token": token,
            },
        )
        assert response.status_code == 303
        assert laptop.get("/settings").status_code == 200
        assert phone.get("/settings").status_code == 303
    assert sessions_of(session, user) == 1
    assert password_context.verify(GOOD_PASSWORD, user.password_hash)


def test_password_change_needs_the_current_password(
    client: TestClient, session: Session
) -> None:
    user = make_user(session)
    login(client, user.username)
    token = csrf_from(client.get("/settings").text)
    response = client.post(
        "/settings/password",
        data={
            "current_password": "not it at all",
            "new_password": GOOD_PASSWORD,
            "csrf_token": token,
        },
    )
    assert response.status_code == 422
    assert 'id="error-current_password"' in response.text


def test_ban_revokes_every_session(client: TestClient, session: Session) -> None:
    member = make_user(session)
    moderator = make_user(session, role=Role.MODERATOR)
    login(client, member.username)

    service.ban(session, member, until=None, reason="Repeated abuse", actor=moderator)

    assert sessions_of(session, member) == 0
    assert client.get("/settings").status_code == 303
    assert member.is_banned()


def test_form_without_csrf_token_is_refused_and_text_kept(
    client: TestClient, session: Session
) -> None:
    user = make_user(session)
    login(client, user.username)

    missing = client.post(
        "/settings",
        data={"display_name": "X", "bio": "My long story " * 10, "email": "a@b.org"},
    )
    wrong = client.post(
        "/settings",
        data={"display_name": "X", "email": "a@b.org", "csrf_token": "forged"},
    )

    assert missing.status_code == 403
    assert wrong.status_code == 403
    assert "My long story" in missing.text
    assert session.get(User, user.id).display_name != "X"  # type: ignore[union-attr]


def test_csrf_error_page_shows_the_text_but_never_sends_it_again(
    client: TestClient, session: Session
) -> None:
    """A forged same-site form once came back with a fresh token and a "Send
    again" button: one click completed the forgery (#16)."""
    user = make_user(session)
    login(client, user.username)

    page = client.post(
        "/settings",
        data={"display_name": "Forged <b>name</b>", "email": "forger@example.org"},
    )

    assert page.status_code == 403
    assert "Forged &lt;b&gt;name&lt;/b&gt;" in page.text
    assert "forger@example.org" in page.text
    kept = re.findall(r"<textarea[^>]*>", page.text)
    assert kept
    assert all("readonly" in field and "name=" not in field for field in kept)
    assert 'method="post"' not in page.text.split("<main", 1)[1].split("</main>")[0]
    assert 'name="csrf_token"' not in page.text.split("<main", 1)[1]
    assert "Send again" not in page.text


def test_csrf_token_is_bound_to_the_session(
    app_factory: AppFactory, session: Session
) -> None:
    one, two = make_user(session), make_user(session)
    app = app_factory()
    with (
        TestClient(app, follow_redirects=False) as first,
        TestClient(app, follow_redirects=False) as second,
    ):
        login(first, one.username)
        login(second, two.username)
        token_of_first = csrf_from(first.get("/settings").text)
        response = second.post(
            "/settings",
            data={
                "display_name": "Hijack",
                "email": "h@example.org",
                "csrf_token": token_of_first,
            },
        )
    assert response.status_code == 403


def test_hash_with_old_parameters_is_upgraded_at_login(
    client: TestClient, session: Session
) -> None:
    user = make_user(session)
    user.password_hash = (
        password_context.handler("argon2")
        .using(rounds=1, memory_cost=512, parallelism=1)
        .hash(TEST_PASSWORD)
    )
    session.flush()
    old = user.password_hash

    login(client, user.username)

    assert user.password_hash != old
    assert not password_context.needs_update(user.password_hash)


def test_api_token_me_and_revoke(client: TestClient, session: Session) -> None:
    user = make_user(session, display_name="Api User")
    token = client.post(
        "/api/v1/auth/token",
        data={"username": user.username, "password": TEST_PASSWORD},
    ).json()
    assert token["token_type"] == "bearer"
    headers = {"Authorization": f"Bearer {token['access_token']}"}

    me = client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["username"] == user.username
    assert me.json()["email"] == user.email

    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_api_ignores_the_browser_cookie(client: TestClient, session: Session) -> None:
    user = make_user(session)
    login(client, user.username)
    assert client.get("/api/v1/me").status_code == 401


def test_api_register(client: TestClient, session: Session) -> None:
    created = client.post(
        "/api/v1/auth/register",
        json={
            "username": "apiperson",
            "email": "api@example.org",
            "password": GOOD_PASSWORD,
        },
    )
    clash = client.post(
        "/api/v1/auth/register",
        json={
            "username": "APIPERSON",
            "email": "x@example.org",
            "password": GOOD_PASSWORD,
        },
    )
    common = client.post(
        "/api/v1/auth/register",
        json={"username": "other", "email": "o@example.org", "password": "password123"},
    )
    short = client.post(
        "/api/v1/auth/register",
        json={"username": "other", "email": "o@example.org", "password": "short"},
    )

    assert created.status_code == 201
    assert created.json()["role"] == "member"
    assert clash.status_code == 409
    assert clash.json()["detail"] == "That username is taken."
    assert common.status_code == 422
    assert "too common" in common.json()["detail"]
    assert short.status_code == 422
    assert "password" in short.json()["detail"]


def test_email_is_never_shown_to_other_people(
    client: TestClient, session: Session
) -> None:
    person = make_user(session, bio="Hello *there*")
    viewer = make_user(session)
    login(client, viewer.username)

    page = client.get(f"/users/{person.username}")
    api = client.get(f"/api/v1/users/{person.username}")

    assert page.status_code == 200
    assert "<em>there</em>" in page.text
    assert person.email not in page.text
    assert person.email not in api.text
    assert client.get("/users/nobody-here").status_code == 404


def test_settings_update_profile(client: TestClient, session: Session) -> None:
    user = make_user(session)
    login(client, user.username)
    token = csrf_from(client.get("/settings").text)
    response = client.post(
        "/settings",
        data={
            "display_name": "Fresh Name",
            "bio": "I like **tea**",
            "email": "fresh@example.org",
            "csrf_token": token,
        },
    )
    assert response.status_code == 303
    assert user.display_name == "Fresh Name"
    assert user.bio_html == "<p>I like <strong>tea</strong></p>"
    assert user.email_key == "fresh@example.org"
    assert user.notify_replies is False


def test_next_parameter_only_follows_local_paths(
    client: TestClient, session: Session
) -> None:
    user = make_user(session)
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login",
        data={
            "username": user.username,
            "password": TEST_PASSWORD,
            "next": "https://evil.example/",
            "csrf_token": token,
        },
    )
    assert response.headers["location"] == "/"
    assert client.get("/settings").status_code == 200
    assert client.get("/login?next=/settings").headers["location"] == "/settings"


def test_login_required_pages_redirect_to_login(client: TestClient) -> None:
    response = client.get("/settings")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/settings"


def test_active_session_slides_and_renews_its_cookie(
    client: TestClient, session: Session
) -> None:
    user = make_user(session)
    login(client, user.username)
    auth = session.scalars(
        select(AuthSession).where(AuthSession.user_id == user.id)
    ).one()
    auth.last_seen_at -= timedelta(days=2)
    auth.expires_at -= timedelta(days=2)
    session.flush()
    before = auth.expires_at

    response = client.get("/")

    assert auth.expires_at > before
    assert any(
        v.startswith(f"{SESSION_COOKIE}=")
        for v in response.headers.get_list("set-cookie")
    )
    quiet = client.get("/")
    assert not any(
        v.startswith(f"{SESSION_COOKIE}=") for v in quiet.headers.get_list("set-cookie")
    )


def test_expired_session_is_not_accepted(client: TestClient, session: Session) -> None:
    user = make_user(session)
    login(client, user.username)
    auth = session.scalars(
        select(AuthSession).where(AuthSession.user_id == user.id)
    ).one()
    auth.expires_at = utcnow() - timedelta(seconds=1)
    session.flush()
    assert client.get("/settings").status_code == 303


def test_only_the_operator_creates_team_or_reserved_accounts(session: Session) -> None:
    data = RegisterIn(
        username="moderator", email="m@example.org", password=GOOD_PASSWORD
    )
    with pytest.raises(Invalid):
        service.register(session, data)
    other = RegisterIn(username="helper", email="h@example.org", password=GOOD_PASSWORD)
    with pytest.raises(PermissionDenied):
        service.register(session, other, role=Role.MODERATOR)

    made = service.register(session, data, role=Role.MODERATOR, operator=True)

    assert made.role == Role.MODERATOR


def test_every_way_of_setting_a_password_refuses_spaces(
    session: Session, client: TestClient
) -> None:
    """Registration, a change, the operator's set-password and a reset all go
    through one policy: none takes a password of spaces."""
    member = make_user(session)
    spaces = " " * 12
    with pytest.raises(Invalid, match="besides spaces"):
        service.set_password(session, member, spaces)
    registered = client.post(
        "/api/v1/auth/register",
        json={"username": "spacey", "email": "spacey@example.org", "password": spaces},
    )
    assert registered.status_code == 422
    assert "besides spaces" in registered.json()["detail"]
    login(client, member.username)
    changed = client.post(
        "/settings/password",
        data={
            "csrf_token": csrf_from(client.get("/settings").text),
            "current_password": TEST_PASSWORD,
            "new_password": spaces,
        },
    )
    assert changed.status_code == 422
    assert "besides spaces" in changed.text
