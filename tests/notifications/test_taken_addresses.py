"""Nobody learns from Haven whether an address has an account (issue #16, defect 9).

While the site hides taken addresses (by default whenever mail goes out), a
sign-up with a known address answers exactly as one with a new address; the
owner is told by mail, and no account is made.
"""

import re
import statistics
import time
from collections.abc import Callable

import httpx2
import pytest
from fastapi.testclient import TestClient
from passlib.context import CryptContext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts import service
from app.accounts.deps import SESSION_COOKIE
from app.accounts.models import User
from app.accounts.schemas import RegisterIn
from app.config import Settings
from app.security import password_context
from tests.conftest import AppFactory
from tests.factories import make_user
from tests.helpers import login, post_form, sign_in_as
from tests.mailserver import Inbox, link_in, text_of
from tests.notifications.conftest import SendMail

pytestmark = pytest.mark.smtp

PASSWORD = "lantern meadow copper 42"
NEW_ADDRESS = "someone.new@example.org"


Visitors = Callable[[], TestClient]


@pytest.fixture
def hiding(app_factory: AppFactory) -> Visitors:
    """Fresh visitors of a site that hides taken addresses."""
    return lambda: TestClient(
        app_factory(hide_taken_emails=True), follow_redirects=False
    )


@pytest.fixture
def owner(session: Session) -> User:
    return make_user(session, username="maggie")


def _sign_up_page(visitor: TestClient, username: str, email: str) -> httpx2.Response:
    return post_form(
        visitor,
        "/register",
        "/register",
        {"username": username, "email": email, "password": PASSWORD},
    )


def _cookie_shapes(response: httpx2.Response) -> list[str]:
    """Each Set-Cookie header without its value and its dates."""
    return sorted(
        re.sub(r"(?i);\s*expires=[^;]*", "", re.sub(r"=[^;]*", "=…", header, count=1))
        for header in response.headers.get_list("set-cookie")
    )


def _visible(html: str, address: str) -> str:
    """A page as a reader sees it, the address typed and form tokens aside."""
    html = re.sub(r'value="[^"]{20,}"', 'value="…"', html)
    text = re.sub(r"<[^>]+>", " ", html)
    return " ".join(re.sub(re.escape(address), "ADDRESS", text, flags=re.I).split())


def test_the_sign_up_page_answers_the_same_for_a_known_and_a_new_address(
    session: Session, hiding: Visitors, owner: User
) -> None:
    known_address = owner.email.upper()  # addresses ignore case
    answers = []
    for username, address in (("newcomer", NEW_ADDRESS), ("other", known_address)):
        with hiding() as visitor:
            answer = _sign_up_page(visitor, username, address)
            page = visitor.get(answer.headers["location"])
            answers.append(
                (
                    answer.status_code,
                    answer.headers["location"],
                    _cookie_shapes(answer),
                    _visible(answer.text, address),
                    page.status_code,
                    _visible(page.text, address),
                )
            )
            assert SESSION_COOKIE not in visitor.cookies  # nobody is signed in
    assert answers[0] == answers[1]
    assert answers[0][0] == 303
    assert "open the link in it to confirm your address" in answers[0][5]
    assert "already" not in answers[0][5]


def test_the_api_answers_the_same_for_a_known_and_a_new_address(
    session: Session, hiding: Visitors, owner: User
) -> None:
    answers = []
    for username, address in (("newcomer", NEW_ADDRESS), ("other", owner.email)):
        with hiding() as client:
            answer = client.post(
                "/api/v1/auth/register",
                json={"username": username, "email": address, "password": PASSWORD},
            )
        answers.append(
            (
                answer.status_code,
                answer.headers["content-type"],
                answer.headers.get_list("set-cookie"),
                _visible(answer.text, address),
            )
        )
    assert answers[0] == answers[1]
    assert answers[0][0] == 202
    assert answers[0][2] == []
    assert "confirm your address" in answers[0][3]


def test_a_known_address_makes_no_account_and_its_owner_hears_by_mail(
    session: Session,
    hiding: Visitors,
    owner: User,
    inbox: Inbox,
    send_mail: SendMail,
) -> None:
    accounts = session.scalar(select(func.count(User.id)))
    with hiding() as visitor:
        assert _sign_up_page(visitor, "intruder", owner.email).status_code == 303
    session.expire_all()
    assert session.scalar(select(func.count(User.id))) == accounts
    assert service.find_user(session, "intruder") is None  # the name stays free

    send_mail()
    message = inbox.only(owner.email)
    assert message["Subject"] == "Someone tried to use your address on Haven"
    assert message["List-Unsubscribe"] is None  # mail asked for by an act
    text = text_of(message)
    assert '"maggie"' in text
    assert link_in(message, "/login") == "/login"
    assert link_in(message, "/forgot-password") == "/forgot-password"
    assert "/confirm-email/" not in text


def test_a_new_address_gets_an_account_once_its_link_is_opened(
    session: Session,
    hiding: Visitors,
    inbox: Inbox,
    send_mail: SendMail,
) -> None:
    with hiding() as visitor:
        _sign_up_page(visitor, "newcomer", NEW_ADDRESS)
        assert service.find_user(session, "newcomer") is None  # not yet
        send_mail()
        link = link_in(inbox.only(NEW_ADDRESS), "/sign-up/")
        joined = visitor.get(link)
        assert joined.status_code == 303
        assert visitor.get("/settings").status_code == 200  # signed in
        member = service.get_user(session, "newcomer")
        assert member.email == NEW_ADDRESS
        assert member.email_verified_at is not None
        assert visitor.get(link).status_code == 400  # once only
    with hiding() as later:
        login(later, "newcomer", PASSWORD)


def test_the_sign_up_link_leads_back_to_the_page_it_was_asked_from(
    hiding: Visitors, inbox: Inbox, send_mail: SendMail
) -> None:
    back = "/articles/what-is-spasticity#comments"
    with hiding() as visitor:
        asked = post_form(
            visitor,
            f"/register?next={back.replace('#', '%23')}",
            "/register",
            {
                "username": "newcomer",
                "email": NEW_ADDRESS,
                "password": PASSWORD,
                "next": back,
            },
        )
        # Told to check their mail on the sign-in page, which keeps the way back too.
        assert asked.headers["location"] == f"/login?next={back.replace('#', '%23')}"
        send_mail()
        joined = visitor.get(link_in(inbox.only(NEW_ADDRESS), "/sign-up/"))

        assert joined.status_code == 303
        assert joined.headers["location"] == back


def _traces(visitor: TestClient, username: str) -> tuple[int, int, int]:
    """What anyone can learn about a username after a sign-up: its profile,
    signing in with the password chosen, and signing up with it again."""
    profile = visitor.get(f"/users/{username}").status_code
    signed_in = post_form(
        visitor, "/login", "/login", {"username": username, "password": PASSWORD}
    ).status_code
    again = _sign_up_page(visitor, username, f"{username}@elsewhere.example")
    return profile, signed_in, again.status_code


def test_no_username_profile_or_sign_in_tells_a_known_address_from_a_new_one(
    session: Session, hiding: Visitors, owner: User
) -> None:
    traces = []
    for username, address in (("probe1", NEW_ADDRESS), ("probe2", owner.email)):
        with hiding() as visitor:
            _sign_up_page(visitor, username, address)
            traces.append(_traces(visitor, username))
    assert traces[0] == traces[1] == (404, 401, 303)


def test_a_sign_up_link_whose_username_was_taken_meanwhile_makes_nothing(
    session: Session, hiding: Visitors, inbox: Inbox, send_mail: SendMail
) -> None:
    with hiding() as visitor:
        _sign_up_page(visitor, "newcomer", NEW_ADDRESS)
        send_mail()
        make_user(session, username="Newcomer")
        refused = visitor.get(link_in(inbox.only(NEW_ADDRESS), "/sign-up/"))
    assert refused.status_code == 409
    assert "Someone took the username newcomer meanwhile" in refused.text
    assert service.find_user_by_email(session, NEW_ADDRESS) is None


def test_the_api_makes_the_account_from_the_mailed_token(
    session: Session, hiding: Visitors, inbox: Inbox, send_mail: SendMail
) -> None:
    with hiding() as client:
        client.post(
            "/api/v1/auth/register",
            json={"username": "apiperson", "email": NEW_ADDRESS, "password": PASSWORD},
        )
        send_mail()
        token = link_in(inbox.only(NEW_ADDRESS), "/sign-up/").rsplit("/", 1)[1]
        made = client.post("/api/v1/auth/sign-up/confirm", json={"token": token})
        again = client.post("/api/v1/auth/sign-up/confirm", json={"token": token})
    assert made.status_code == 201
    assert made.json()["username"] == "apiperson"
    assert made.json()["email_verified"] is True
    assert again.status_code == 422
    assert again.json()["detail"] == service.SIGN_UP_GONE


def test_taken_addresses_are_hidden_whenever_mail_goes_out(settings: Settings) -> None:
    assert not settings.hides_taken_emails  # the demo and tests: no SMTP
    with_mail = settings.model_copy(update={"smtp_url": "smtp://mail.example.org"})
    assert with_mail.hides_taken_emails
    turned_off = with_mail.model_copy(update={"hide_taken_emails": False})
    assert not turned_off.hides_taken_emails


def _median_seconds(session: Session, email: str, runs: int) -> float:
    times = []
    for run in range(runs):
        data = RegisterIn(username=f"timing{run}", email=email, password=PASSWORD)
        with session.begin_nested() as attempt:
            started = time.perf_counter()
            service.sign_up(session, data, hide_taken_emails=True)
            times.append(time.perf_counter() - started)
            attempt.rollback()
    return statistics.median(times)


def test_a_known_address_costs_as_much_time_as_a_new_one(
    session: Session, owner: User
) -> None:
    saved = password_context.to_dict()
    # argon2's real cost, which would give the difference away.
    password_context.load(CryptContext(schemes=["argon2"]).to_dict())
    try:
        new = _median_seconds(session, NEW_ADDRESS, 5)
        known = _median_seconds(session, owner.email, 5)
    finally:
        password_context.load(saved)
    assert known > new / 2, (known, new)


# Changing one's address (the settings page and PATCH /api/v1/me).


def _settings_answer(
    hiding: Visitors, member: User, address: str
) -> tuple[int, str | None, list[str], str, int, str]:
    """What a member sees on asking to move to ``address``, their own names
    and the address aside."""

    def plain(text: str) -> str:
        for own, mark in ((member.email, "OWN"), (member.username, "ME")):
            text = re.sub(re.escape(own), mark, text, flags=re.I)
        return _visible(text, address)

    with hiding() as visitor:
        login(visitor, member.username)
        saved = post_form(
            visitor,
            "/settings",
            "/settings",
            {"display_name": "Sam", "bio": "", "email": address},
        )
        page = visitor.get(saved.headers.get("location", "/settings"))
    return (
        saved.status_code,
        saved.headers.get("location"),
        _cookie_shapes(saved),
        plain(saved.text),
        page.status_code,
        plain(page.text),
    )


def test_the_settings_page_answers_the_same_for_a_known_and_a_new_address(
    session: Session, hiding: Visitors, owner: User
) -> None:
    first, second = (make_user(session, display_name="Sam") for _ in range(2))
    to_new = _settings_answer(hiding, first, NEW_ADDRESS)
    to_known = _settings_answer(hiding, second, owner.email.upper())

    assert to_new == to_known
    assert to_new[0] == 303
    assert "your address changes when you open it" in to_new[5]
    session.expire_all()
    # Both keep their address until a link is opened; the owner keeps theirs.
    assert (first.email, second.email) == (
        f"{first.username}@example.org",
        f"{second.username}@example.org",
    )
    assert first.pending_email == NEW_ADDRESS
    assert (second.pending_email or "").casefold() == owner.email.casefold()


def test_the_api_answers_the_same_for_a_known_and_a_new_address_in_me(
    session: Session, hiding: Visitors, owner: User
) -> None:
    answers = []
    for address in (NEW_ADDRESS, owner.email):
        member = make_user(session, display_name="Sam")
        with hiding() as client:
            sign_in_as(client, member.username, api=True)
            answer = client.patch("/api/v1/me", json={"email": address})
        body = answer.json()
        for own in ("id", "username", "email", "created_at"):
            body.pop(own, None)
        body["pending_email"] = body["pending_email"].replace(address, "ADDRESS")
        answers.append((answer.status_code, answer.headers["content-type"], body))
    assert answers[0] == answers[1]
    assert answers[0][0] == 200
    assert answers[0][2]["pending_email"] == "ADDRESS"


def test_a_new_address_replaces_the_old_once_its_link_is_opened(
    session: Session,
    hiding: Visitors,
    owner: User,
    inbox: Inbox,
    send_mail: SendMail,
) -> None:
    mover, squatter = make_user(session), make_user(session)
    for member, address in ((mover, NEW_ADDRESS), (squatter, owner.email)):
        _settings_answer(hiding, member, address)
    send_mail()
    # The owner of the known address is told, and gets no link to move anyone.
    told = text_of(inbox.only(owner.email))
    assert "/confirm-email/" not in told
    assert f'"{owner.username}"' in told

    with hiding() as visitor:
        moved = visitor.get(link_in(inbox.only(NEW_ADDRESS), "/confirm-email/"))
    assert moved.status_code == 303
    session.expire_all()
    assert (mover.email, mover.pending_email) == (NEW_ADDRESS, None)
    assert mover.email_verified_at is not None
    assert squatter.email == f"{squatter.username}@example.org"


def test_a_link_to_an_address_taken_meanwhile_moves_nothing(
    session: Session, hiding: Visitors, inbox: Inbox, send_mail: SendMail
) -> None:
    mover = make_user(session)
    _settings_answer(hiding, mover, NEW_ADDRESS)
    send_mail()
    link = link_in(inbox.only(NEW_ADDRESS), "/confirm-email/")
    service.create_user(
        session, username="quicker", email=NEW_ADDRESS, password=PASSWORD
    )
    with hiding() as visitor:
        refused = visitor.get(link)
    assert refused.status_code == 400
    assert "belongs to another account now" in refused.text
    session.expire_all()
    assert mover.email == f"{mover.username}@example.org"
