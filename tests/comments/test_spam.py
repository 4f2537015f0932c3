"""Spam defence without CAPTCHAs: honeypot, timing token, duplicates, rate limits."""

import html
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.articles.models import Article
from app.comments import duplicates, form_defence, posting_limit, standing
from app.comments.models import Comment, CommentStatus, TextClaim
from app.comments.schemas import CommentCreate
from app.comments.service import API_GUESTS_OFF, post_comment
from app.config import Settings
from app.db import WRITE_INTENT, make_sessionmaker, utcnow
from app.errors import Conflict
from app.ratelimit import Limit, RateLimiter
from tests.comments.conftest import ClientFactory
from tests.conftest import AppFactory, in_ci
from tests.factories import allow_api_guests, make_article, make_comment, make_user
from tests.helpers import (
    api_token,
    csrf_from,
    form_token,
    form_token_from,
    login,
    visitor_seed,
)
from tests.test_ratelimit import redis_answers

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
DAY = 24 * 3600

Browser = Callable[..., TestClient]


@pytest.fixture
def browser(new_client: ClientFactory) -> Browser:
    """A browser on the site with these settings, signed in as ``user`` if given."""

    def open_browser(user: User | None = None, **options: Any) -> TestClient:
        client = new_client(**options)
        if user is not None:
            login(client, user.username)
        return client

    return open_browser


def stored(session: Session) -> int:
    return session.scalar(select(func.count(Comment.id))) or 0


def textarea(page: str) -> str:
    match = re.search(r'<textarea id="field-body"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, "no comment textarea on the page"
    return html.unescape(match.group(1))


def send(
    client: TestClient,
    article: Article,
    body: str,
    *,
    age: float | None = 5.0,
    fields: dict[str, str] | None = None,
) -> httpx2.Response:
    """Post the comment form as a browser would, its token rendered ``age`` seconds
    ago (None: the token the page itself carries)."""
    page = client.get(f"/articles/{article.slug}").text
    token = (
        form_token_from(page)
        if age is None
        else form_token(client, article.id, age=age)
    )
    data = {
        "csrf_token": csrf_from(page),
        "form_token": token,
        "website": "",
        "body": body,
        "action": "post",
        **(fields or {}),
    }
    return client.post(f"/articles/{article.slug}/comments", data=data)


def send_api(
    client: TestClient, article: Article, token: str, body: str
) -> httpx2.Response:
    return client.post(
        f"/api/v1/articles/{article.slug}/comments",
        json={"body": body},
        headers={"Authorization": f"Bearer {token}"},
    )


def issued_at(client: TestClient, page: str, article: Article) -> float:
    secret = client.app.state.settings.secret_key  # type: ignore[attr-defined]
    issued = form_defence.token_issued_at(
        secret, form_token_from(page), article.id, seed=visitor_seed(client)
    )
    assert issued is not None
    return issued


GUEST = {"guest_name": "Robin", "guest_email": "robin@example.org"}


# The defaults -----------------------------------------------------------------


def test_defaults_are_five_a_minute_fifty_a_day_and_three_seconds(
    tmp_path: Any,
) -> None:
    settings = Settings(env="test", data_dir=tmp_path, secret_key="x" * 40)

    limit = posting_limit.post_limit(settings)

    assert settings.form_min_seconds == 3.0
    assert [(i.amount, i.get_expiry()) for i in limit.items] == [(5, 60), (50, DAY)]
    assert (
        posting_limit.post_limit(
            settings.model_copy(update={"post_rate_limit": ""})
        ).items
        == ()
    )


def test_environment_sets_the_post_limit(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAVEN_POST_RATE_LIMIT", "")
    monkeypatch.setenv("HAVEN_FORM_MIN_SECONDS", "1.5")

    settings = Settings(env="test", data_dir=tmp_path, secret_key="x" * 40)

    assert (settings.post_rate_limit, settings.form_min_seconds) == ("", 1.5)


# Honeypot and timing token ----------------------------------------------------


def test_form_carries_a_hidden_honeypot_and_a_token_for_its_article(
    session: Session, browser: Browser
) -> None:
    article = make_article(session)
    parent = make_comment(session, article)
    client = browser(make_user(session))

    before = time.time()
    page = client.get(f"/articles/{article.slug}").text
    reply = client.get(f"/articles/{article.slug}/comments/{parent.id}/reply").text

    for shown in (page, reply):
        trap = re.search(
            r'<div class="comment-form__extra" aria-hidden="true">(.*?)</div>',
            shown,
            re.S,
        )
        assert trap, "no honeypot on the form"
        assert '<label for="field-website">Leave this field empty' in trap.group(1)
        assert re.search(
            r'<input id="field-website" name="website" type="text" value="" '
            r'autocomplete="off" tabindex="-1">',
            trap.group(1),
        )
        assert before - 1 <= issued_at(client, shown, article) <= time.time()


@pytest.mark.parametrize("guest", [False, True], ids=["member", "guest"])
def test_a_filled_honeypot_is_refused_quietly_and_stores_nothing(
    session: Session, browser: Browser, guest: bool
) -> None:
    article = make_article(session)
    client = (
        browser(allow_guest_comments=True) if guest else browser(make_user(session))
    )

    response = send(
        client,
        article,
        "Great post",
        fields={"website": "https://spam.example", **(GUEST if guest else {})},
    )

    assert response.status_code == 400
    assert form_defence.REFUSED in response.text
    assert "honeypot" not in response.text.lower()
    assert "spam.example" not in response.text  # the trap is never echoed
    assert textarea(response.text) == "Great post"
    assert stored(session) == 0


@pytest.mark.parametrize("guest", [False, True], ids=["member", "guest"])
def test_a_form_sent_too_soon_asks_to_wait_and_keeps_text_and_token(
    session: Session, browser: Browser, guest: bool
) -> None:
    article = make_article(session)
    user = None if guest else make_user(session)
    client = browser(user, form_min_seconds=3, allow_guest_comments=guest)
    extra = GUEST if guest else {}

    page = client.get(f"/articles/{article.slug}").text
    quick = client.post(
        f"/articles/{article.slug}/comments",
        data={
            "csrf_token": csrf_from(page),
            "form_token": form_token_from(page),
            "website": "",
            "body": "Hello all",
            "action": "post",
            **extra,
        },
    )
    almost = send(client, article, "Hello all", age=2.5, fields=extra)
    waited = send(client, article, "Hello all", age=3.5, fields=extra)

    assert quick.status_code == 400
    assert html.escape(form_defence.TOO_FAST, quote=False) in quick.text
    assert textarea(quick.text) == "Hello all"
    if guest:
        assert 'value="robin@example.org"' in quick.text
    # The same token comes back: once a few seconds have passed it is accepted.
    assert form_token_from(quick.text) == form_token_from(page)
    assert almost.status_code == 400
    assert waited.status_code == 303
    assert stored(session) == 1


def test_a_reply_sent_too_soon_names_the_button_the_reply_form_shows(
    session: Session, browser: Browser
) -> None:
    article = make_article(session)
    parent = make_comment(session, article, status=CommentStatus.APPROVED)
    client = browser(make_user(session), form_min_seconds=3)

    quick = send(client, article, "Me too", age=0, fields={"parent_id": str(parent.id)})

    assert quick.status_code == 400
    button = re.search(
        r'<button type="submit" name="action" value="post">([^<]+)<', quick.text
    )
    assert button is not None
    assert button.group(1) == "Post reply"
    assert html.escape(form_defence.TOO_FAST_REPLY, quote=False) in quick.text
    assert "“Post comment”" not in quick.text


def test_the_re_shown_form_keeps_the_clock_of_its_first_render(
    session: Session, browser: Browser
) -> None:
    article = make_article(session)
    client = browser(make_user(session), form_min_seconds=3)
    token = form_token(client, article.id, age=1)
    page = client.get(f"/articles/{article.slug}").text
    data = {"csrf_token": csrf_from(page), "form_token": token, "body": "Hi there"}

    too_soon = client.post(
        f"/articles/{article.slug}/comments", data={**data, "action": "post"}
    )
    preview = client.post(
        f"/articles/{article.slug}/comments", data={**data, "action": "preview"}
    )
    invalid = client.post(
        f"/articles/{article.slug}/comments",
        data={**data, "body": "", "action": "post"},
    )

    assert too_soon.status_code == 400
    assert preview.status_code == 200
    assert invalid.status_code == 422
    for response in (too_soon, preview, invalid):
        assert form_token_from(response.text) == token
    assert stored(session) == 0


def test_an_expired_form_says_so_keeps_the_text_and_gives_a_fresh_token(
    session: Session, browser: Browser
) -> None:
    article = make_article(session)
    client = browser(make_user(session), form_min_seconds=3)

    expired = send(client, article, "Written yesterday", age=DAY + 60)
    preview_page = client.post(
        f"/articles/{article.slug}/comments",
        data={
            "csrf_token": csrf_from(expired.text),
            "form_token": form_token(client, article.id, age=DAY + 60),
            "body": "Written yesterday",
            "action": "preview",
        },
    )
    just_in_time = send(client, article, "Written almost a day ago", age=DAY - 60)

    assert expired.status_code == 400
    assert html.escape(form_defence.EXPIRED, quote=False) in expired.text
    assert textarea(expired.text) == "Written yesterday"
    assert time.time() - issued_at(client, expired.text, article) < 60
    assert time.time() - issued_at(client, preview_page.text, article) < 60
    assert just_in_time.status_code == 303
    assert stored(session) == 1


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda _client, _article: "", id="missing"),
        pytest.param(lambda _client, _article: "12:1700000000000.bad", id="garbage"),
        pytest.param(
            lambda client, article: form_token(client, article.id + 1, age=10),
            id="other-article",
        ),
        pytest.param(
            lambda client, article: form_defence.form_token(
                "another-secret",
                article.id,
                seed=visitor_seed(client),
                issued_at=time.time() - 10,
            ),
            id="other-key",
        ),
        pytest.param(
            lambda client, article: form_token(client, article.id, age=10).replace(
                f"{article.id}:", f"{article.id}:1", 1
            ),
            id="tampered-time",
        ),
    ],
)
def test_a_missing_or_forged_token_is_refused(
    session: Session,
    browser: Browser,
    forge: Callable[[TestClient, Article], str],
) -> None:
    article = make_article(session)
    make_article(session)  # so article.id + 1 exists
    client = browser(make_user(session))
    page = client.get(f"/articles/{article.slug}").text

    response = client.post(
        f"/articles/{article.slug}/comments",
        data={
            "csrf_token": csrf_from(page),
            "form_token": forge(client, article),
            "body": "Looks human",
            "action": "post",
        },
    )

    assert response.status_code == 400
    assert form_defence.UNCHECKED in response.text
    assert textarea(response.text) == "Looks human"
    assert time.time() - issued_at(client, response.text, article) < 60
    assert stored(session) == 0


def test_the_api_needs_no_form_token(session: Session, client: TestClient) -> None:
    article = make_article(session)
    token = api_token(client, make_user(session).username)

    response = send_api(client, article, token, "Straight from an app")

    assert response.status_code == 201


def test_the_csrf_resend_page_does_not_show_the_spam_fields(
    session: Session, browser: Browser
) -> None:
    article = make_article(session)
    client = browser(make_user(session))
    client.get(f"/articles/{article.slug}")

    response = client.post(
        f"/articles/{article.slug}/comments",
        data={
            "csrf_token": "stale",
            "form_token": "x.y",
            "website": "",
            "body": "Mine",
        },
    )

    assert response.status_code == 403
    assert "Mine" in response.text
    assert 'name="form_token"' not in response.text
    assert 'name="website"' not in response.text


# Duplicates ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "again",
    [
        "My tip: keep cool.",
        "  my TIP:\n\nkeep   cool.  ",
        "\uff2dy \uff54ip: keep cool.",  # NFKC: fullwidth letters
        "My t\u200bip: keep\u00a0cool.",  # a zero-width space, a no-break space
    ],
    ids=["same", "case-and-spaces", "fullwidth", "invisible"],
)
def test_the_same_text_from_the_same_member_is_refused_within_a_day(
    session: Session, again: str
) -> None:
    member = make_user(session)
    make_comment(
        session, make_article(session), author=member, body="My tip: keep cool."
    )
    elsewhere = make_article(session)

    with pytest.raises(Conflict) as refused:
        post_comment(
            session,
            elsewhere,
            CommentCreate(body=again),
            actor=member,
            allow_guests=False,
        )

    assert refused.value.message == duplicates.DUPLICATE
    assert refused.value.field == "body"


def test_duplicates_are_counted_per_author_and_per_day(session: Session) -> None:
    article = make_article(session)
    member, other = make_user(session), make_user(session)
    make_comment(
        session,
        article,
        author=member,
        body="Old news",
        created_at=utcnow() - timedelta(hours=25),
    )
    make_comment(
        session,
        article,
        author=member,
        body="Deleted one",
        status=CommentStatus.DELETED,
    )
    make_comment(session, article, author=other, body="Shared thought")

    for body in ("Old news", "Deleted one", "Shared thought", "Something new"):
        post_comment(
            session, article, CommentCreate(body=body), actor=member, allow_guests=False
        )

    assert stored(session) == 7


def test_guests_are_matched_by_email(session: Session) -> None:
    article = make_article(session)

    def as_guest(email: str, body: str = "Guest words") -> Comment:
        data = CommentCreate(body=body, guest_name="Robin", guest_email=email)
        return post_comment(session, article, data, actor=None, allow_guests=True)

    as_guest("robin@example.org")
    as_guest("sam@example.org")  # another guest may say the same
    with pytest.raises(Conflict):
        as_guest("Robin@Example.org", "guest   WORDS")
    member = make_user(session, username="robin")  # robin@example.org
    post_comment(
        session,
        article,
        CommentCreate(body="Guest words"),
        actor=member,
        allow_guests=True,
    )


def test_a_duplicate_is_409_on_both_faces_and_the_page_keeps_the_text(
    session: Session, browser: Browser
) -> None:
    article, another = make_article(session), make_article(session)
    member = make_user(session)
    client = browser(member)
    token = api_token(client, member.username)
    first = send(client, article, "Thank you for this")
    before = stored(session)

    page = send(client, another, "thank you for this ")
    api = send_api(client, another, token, "Thank you  for this")

    assert first.status_code == 303
    assert page.status_code == 409
    assert duplicates.DUPLICATE in page.text
    assert 'aria-describedby="hint-body error-body"' in page.text
    assert textarea(page.text) == "thank you for this "
    assert api.status_code == 409
    assert api.json() == {"detail": duplicates.DUPLICATE}
    assert stored(session) == before


def test_the_duplicate_check_reads_one_query(
    session: Session, count_queries: Any
) -> None:
    member = make_user(session)
    article = make_article(session)
    for n in range(20):
        make_comment(session, article, author=member, body=f"Comment {n}")

    with count_queries() as log:
        duplicates.ensure_not_duplicate(
            session, "Fresh words", actor=member, guest_email=None
        )

    assert len(log) == 1
    # It looks the fingerprint up; it never reads the author's earlier texts.
    [statement] = log.statements
    assert "body_fingerprint = " in statement
    assert "comment.body," not in statement
    assert "comment.body " not in statement


def test_the_duplicate_check_sees_through_case_spacing_and_invisible_marks(
    session: Session,
) -> None:
    member = make_user(session)
    make_comment(
        session, make_article(session), author=member, body="Thank you  for this\n"
    )

    with pytest.raises(Conflict):
        duplicates.ensure_not_duplicate(
            session, "thank\u200b you for THIS", actor=member, guest_email=None
        )


# Rate limits --------------------------------------------------------------------


def test_posting_past_the_limit_is_429_with_retry_after_in_the_pages(
    session: Session, browser: Browser
) -> None:
    article = make_article(session)
    client = browser(make_user(session), post_rate_limit="2/minute;50/day")

    sent = [send(client, article, f"Comment {n}") for n in range(2)]
    refused = send(client, article, "One too many")

    assert [r.status_code for r in sent] == [303, 303]
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert "Please wait about a minute before posting again." in refused.text
    assert textarea(refused.text) == "One too many"
    assert form_token_from(refused.text)  # the form is ready to send again
    assert stored(session) == 2


def test_posting_past_the_limit_is_429_with_retry_after_in_the_api(
    session: Session, browser: Browser
) -> None:
    article = make_article(session)
    member = make_user(session)
    client = browser(post_rate_limit="2/minute")
    token = api_token(client, member.username)

    sent = [send_api(client, article, token, f"Comment {n}") for n in range(2)]
    refused = send_api(client, article, token, "One too many")

    assert [r.status_code for r in sent] == [201, 201]
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.json() == {
        "detail": "You have posted several comments in a short time. "
        "Please wait about a minute before posting again."
    }
    assert stored(session) == 2


def test_the_daily_limit_reports_the_wait_in_hours(
    session: Session, browser: Browser
) -> None:
    article = make_article(session)
    member = make_user(session)
    client = browser(post_rate_limit="10/minute;1/day")
    token = api_token(client, member.username)

    send_api(client, article, token, "Today's one")
    refused = send_api(client, article, token, "Another")

    assert refused.status_code == 429
    assert DAY - 120 < int(refused.headers["Retry-After"]) <= DAY
    assert "Please wait about 24 hours" in refused.json()["detail"]


def test_a_members_allowance_is_shared_by_the_pages_and_the_api(
    session: Session, browser: Browser
) -> None:
    article = make_article(session)
    member = make_user(session)
    client = browser(member, post_rate_limit="1/minute")
    token = api_token(client, member.username)

    first = send(client, article, "From the page")
    second = send_api(client, article, token, "From the app")

    assert (first.status_code, second.status_code) == (303, 429)


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ADMIN])
def test_moderators_and_admins_are_not_limited(
    session: Session, browser: Browser, role: Role
) -> None:
    article = make_article(session)
    staff = make_user(session, role=role)
    client = browser(staff, post_rate_limit="1/minute")
    token = api_token(client, staff.username)

    pages = [send(client, article, f"Page note {n}").status_code for n in range(3)]
    api = [
        send_api(client, article, token, f"API note {n}").status_code for n in range(3)
    ]

    assert pages == [303] * 3
    assert api == [201] * 3


def test_an_empty_limit_turns_it_off(session: Session, browser: Browser) -> None:
    article = make_article(session)
    member = make_user(session)
    client = browser(member, post_rate_limit="")
    token = api_token(client, member.username)

    codes = [
        send_api(client, article, token, f"Note {n}").status_code for n in range(12)
    ]

    assert codes == [201] * 12


def test_guests_are_limited_per_address(session: Session, browser: Browser) -> None:
    article = make_article(session)
    settings = {"post_rate_limit": "1/minute", "allow_guest_comments": True}
    first = browser(ip="203.0.113.7", **settings)
    same_address = browser(ip="203.0.113.7", **settings)
    other_address = browser(ip="198.51.100.2", **settings)
    member = browser(make_user(session), ip="203.0.113.7", **settings)

    ok = send(first, article, "First guest", fields=GUEST)
    blocked = send(
        same_address,
        article,
        "Second guest",
        fields={"guest_name": "Sam", "guest_email": "sam@example.org"},
    )
    elsewhere = send(
        other_address,
        article,
        "Third guest",
        fields={"guest_name": "Kim", "guest_email": "kim@example.org"},
    )
    signed_in = send(member, article, "A member on the same network")

    assert ok.status_code == 303
    assert blocked.status_code == 429
    assert textarea(blocked.text) == "Second guest"
    assert 'value="sam@example.org"' in blocked.text
    assert elsewhere.status_code == 303
    assert signed_in.status_code == 303


def test_a_refused_post_uses_no_allowance() -> None:
    limiter = RateLimiter("memory://")
    limit = Limit.parse("post", "2/minute;3/day")
    member = User(id=1, role=Role.MEMBER)

    for _ in range(2):
        posting_limit.count_post(limiter, limit, actor=member, client_ip="x")
    for _ in range(5):
        with pytest.raises(Exception, match="short time"):
            posting_limit.count_post(limiter, limit, actor=member, client_ip="x")

    stats = limiter.strategy.get_window_stats(limit.items[1], "post", "user:1")
    assert stats.remaining == 1  # the refusals counted nothing against the day


def test_limits_are_shared_by_workers_through_redis(
    session: Session, app_factory: AppFactory
) -> None:
    if not redis_answers():
        if in_ci():
            pytest.fail(
                "Redis is not reachable on 127.0.0.1:6379 (required when CI=true)"
            )
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    article = make_article(session)
    # A fresh address per run: counts left in Redis by earlier runs never match.
    ip = f"redis-test-{uuid.uuid4()}"
    settings = {
        "post_rate_limit": "1/minute",
        "allow_guest_comments": True,
        "redis_url": REDIS_URL,
    }
    # Two apps stand for two worker processes, each with its own limiter.
    with (
        TestClient(
            app_factory(**settings), client=(ip, 1), follow_redirects=False
        ) as first,
        TestClient(
            app_factory(**settings), client=(ip, 2), follow_redirects=False
        ) as second,
    ):
        ok = send(first, article, "Through worker one", fields=GUEST)
        refused = send(second, article, "Through worker two", fields=GUEST)

    assert ok.status_code == 303
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0


# Doors closed (#16) ---------------------------------------------------------------


@pytest.mark.parametrize("allowed", [False, True], ids=["default", "admin-allows"])
def test_guests_post_through_the_api_only_where_an_admin_allows(
    session: Session, browser: Browser, allowed: bool
) -> None:
    article = make_article(session)
    if allowed:
        allow_api_guests(session)
    client = browser(allow_guest_comments=True)

    response = client.post(
        f"/api/v1/articles/{article.slug}/comments",
        json={"body": "Straight from a script", **GUEST},
    )

    if allowed:
        assert response.status_code == 201
        assert stored(session) == 1
    else:
        assert response.status_code == 403
        assert response.json() == {"detail": API_GUESTS_OFF}
        assert stored(session) == 0


def test_members_use_the_api_whatever_the_guest_setting(
    session: Session, browser: Browser
) -> None:
    article = make_article(session)
    member = make_user(session)
    client = browser(allow_guest_comments=True)

    response = send_api(client, article, api_token(client, member.username), "Mine")

    assert response.status_code == 201


@pytest.mark.parametrize("guest", [False, True], ids=["member", "guest"])
def test_a_form_token_is_taken_once(
    session: Session, browser: Browser, guest: bool
) -> None:
    article = make_article(session)
    client = (
        browser(allow_guest_comments=True) if guest else browser(make_user(session))
    )
    extra = GUEST if guest else {}
    page = client.get(f"/articles/{article.slug}").text
    data = {
        "csrf_token": csrf_from(page),
        "form_token": form_token_from(page),
        "website": "",
        "action": "post",
        **extra,
    }

    first = client.post(
        f"/articles/{article.slug}/comments", data={**data, "body": "First words"}
    )
    again = client.post(
        f"/articles/{article.slug}/comments", data={**data, "body": "Other words"}
    )

    assert first.status_code == 303
    assert again.status_code == 400
    assert html.escape(form_defence.ALREADY_SENT, quote=False) in again.text
    assert textarea(again.text) == "Other words"
    # The form comes back with a fresh token, which is taken.
    fresh = form_token_from(again.text)
    assert fresh != data["form_token"]
    retry = client.post(
        f"/articles/{article.slug}/comments",
        data={
            **data,
            "csrf_token": csrf_from(again.text),
            "form_token": fresh,
            "body": "Other words",
        },
    )
    assert retry.status_code == 303
    assert stored(session) == 2


@pytest.mark.parametrize("guest", [False, True], ids=["member", "guest"])
def test_a_token_from_another_visitors_form_is_refused(
    session: Session, browser: Browser, guest: bool
) -> None:
    article = make_article(session)
    if guest:
        owner, thief = (
            browser(allow_guest_comments=True),
            browser(allow_guest_comments=True),
        )
    else:
        owner, thief = browser(make_user(session)), browser(make_user(session))
    extra = GUEST if guest else {}
    their_token = form_token_from(owner.get(f"/articles/{article.slug}").text)
    page = thief.get(f"/articles/{article.slug}").text

    response = thief.post(
        f"/articles/{article.slug}/comments",
        data={
            "csrf_token": csrf_from(page),
            "form_token": their_token,
            "website": "",
            "body": "Borrowed token",
            "action": "post",
            **extra,
        },
    )

    assert response.status_code == 400
    assert form_defence.UNCHECKED in response.text
    assert form_token_from(response.text) != their_token
    assert stored(session) == 0


def test_a_guest_with_a_new_email_is_still_the_same_guest_under_an_article(
    session: Session, browser: Browser
) -> None:
    article, other_article = make_article(session), make_article(session)
    here = browser(ip="203.0.113.7", allow_guest_comments=True)
    same_place = browser(ip="203.0.113.7", allow_guest_comments=True)
    elsewhere = browser(ip="198.51.100.2", allow_guest_comments=True)

    def as_guest(client: TestClient, where: Article, email: str) -> int:
        fields = {"guest_name": "Robin", "guest_email": email}
        return send(client, where, "Buy my cure now", fields=fields).status_code

    first = as_guest(here, article, "robin@example.org")
    new_email = as_guest(here, article, "robin2@example.org")
    new_browser = as_guest(same_place, article, "robin3@example.org")
    other_article_ok = as_guest(here, other_article, "robin4@example.org")
    other_address_ok = as_guest(elsewhere, article, "sam@example.org")

    assert first == 303
    assert (new_email, new_browser) == (409, 409)
    assert (other_article_ok, other_address_ok) == (303, 303)
    assert stored(session) == 3


def test_a_deleted_or_old_comment_no_longer_holds_its_text(session: Session) -> None:
    article = make_article(session)
    guest = CommentCreate(
        body="Said it twice", guest_name="Robin", guest_email="robin@example.org"
    )
    first = post_comment(
        session, article, guest, actor=None, allow_guests=True, address="10.0.0.1"
    )
    first.status = CommentStatus.DELETED
    session.flush()
    second = post_comment(
        session, article, guest, actor=None, allow_guests=True, address="10.0.0.1"
    )
    second.created_at = utcnow() - timedelta(hours=25)
    session.execute(update(TextClaim).values(created_at=utcnow() - timedelta(hours=25)))
    third = post_comment(
        session, article, guest, actor=None, allow_guests=True, address="10.0.0.1"
    )

    assert third.id not in (first.id, second.id)
    with pytest.raises(Conflict):
        post_comment(
            session, article, guest, actor=None, allow_guests=True, address="10.0.0.1"
        )


PARALLEL = 5


@pytest.fixture
def committed(engine: Engine) -> Iterator[tuple[int, int]]:
    """A member and an article that really commit (for posts from several
    threads, as several workers make them); removed afterwards."""
    maker = make_sessionmaker(engine)
    with maker() as setup:
        member = make_user(setup, username=f"racer_{uuid.uuid4().hex[:8]}")
        article = make_article(setup)
        setup.commit()
        made = (member.id, article.id)
    yield made
    with maker() as cleanup:
        cleanup.execute(delete(Comment).where(Comment.article_id == made[1]))
        cleanup.execute(delete(Article).where(Article.id == made[1]))
        cleanup.execute(delete(User).where(User.id == made[0]))
        standing.recount(cleanup)
        cleanup.commit()


@pytest.mark.parametrize("guest", [False, True], ids=["member", "guest"])
def test_identical_posts_at_once_store_exactly_one(
    engine: Engine, committed: tuple[int, int], guest: bool
) -> None:
    member_id, article_id = committed
    maker = make_sessionmaker(engine)
    start = threading.Barrier(PARALLEL)
    outcomes: list[str] = []

    def post(n: int) -> None:
        data = CommentCreate(
            body="Five at once, the same words",
            guest_name="Robin" if guest else None,
            # A new email each time: the address and article still match.
            guest_email=f"robin{n}@example.org" if guest else None,
        )
        start.wait()
        with maker() as session:
            session.connection(execution_options={WRITE_INTENT: True})
            actor = None if guest else session.get_one(User, member_id)
            try:
                post_comment(
                    session,
                    session.get_one(Article, article_id),
                    data,
                    actor=actor,
                    allow_guests=True,
                    address="192.0.2.9",
                )
                session.commit()
                outcomes.append("stored")
            except Conflict as exc:
                session.rollback()
                outcomes.append(exc.message)
            except Exception as exc:  # anything else is a 500: the test fails
                session.rollback()
                outcomes.append(repr(exc))

    threads = [threading.Thread(target=post, args=(n,)) for n in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    with maker() as session:
        count = session.scalar(
            select(func.count(Comment.id)).where(Comment.article_id == article_id)
        )
    assert sorted(outcomes) == sorted(
        ["stored"] + [duplicates.DUPLICATE] * (PARALLEL - 1)
    )
    assert count == 1
