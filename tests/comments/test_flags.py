"""Readers reporting published comments: once each, never their own, hidden at N."""

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.articles.models import Article, ArticleStatus
from app.comments import reporting, service, thread
from app.comments.models import Comment, CommentStatus, Flag, FlagReason
from app.comments.schemas import FlagCreate
from app.db import utcnow
from app.errors import Conflict, NotAuthenticated, NotFound, PermissionDenied
from app.moderation import flag_queries
from app.moderation.models import ActionKind, ModerationAction
from app.moderation.policy import update_policy
from app.moderation.schemas import PolicyUpdate
from tests.conftest import AppFactory, QueryCounter
from tests.factories import (
    make_admin,
    make_article,
    make_comment,
    make_trusted_member,
    make_user,
    read_thread,
)
from tests.helpers import api_token, csrf_from, login

SPAM = FlagCreate(reason=FlagReason.SPAM)
SignedIn = Callable[[User], AbstractContextManager[TestClient]]


@pytest.fixture
def signed_in(app_factory: AppFactory) -> SignedIn:
    """A browser signed in as ``user``."""

    @contextmanager
    def browser(user: User) -> Iterator[TestClient]:
        with TestClient(app_factory(), follow_redirects=False) as client:
            login(client, user.username)
            yield client

    return browser


@pytest.fixture
def api_as(app_factory: AppFactory) -> SignedIn:
    """An API client holding ``user``'s bearer token."""

    @contextmanager
    def api(user: User) -> Iterator[TestClient]:
        with TestClient(app_factory(), follow_redirects=False) as client:
            token = api_token(client, user.username)
            client.headers["Authorization"] = f"Bearer {token}"
            yield client

    return api


@pytest.fixture
def article(session: Session) -> Article:
    return make_article(session, title="Living with spasticity")


@pytest.fixture
def author(session: Session) -> User:
    return make_user(session, display_name="Ann Author")


@pytest.fixture
def comment(session: Session, article: Article, author: User) -> Comment:
    return make_comment(
        session, article, author=author, body="Miracle cure: stop all medicine."
    )


def flags_on(session: Session, comment: Comment) -> list[Flag]:
    return list(
        session.scalars(
            select(Flag).where(Flag.comment_id == comment.id).order_by(Flag.id)
        )
    )


def report(session: Session, comment: Comment, count: int) -> list[User]:
    """``count`` different trusted members flag ``comment``; returns them."""
    reporters = [make_trusted_member(session) for _ in range(count)]
    for reporter in reporters:
        reporting.flag_comment(session, comment.id, SPAM, actor=reporter)
    return reporters


def test_reports_from_new_accounts_never_hide_a_comment(
    session: Session, client: TestClient
) -> None:
    """Three accounts made for the purpose can't hide anyone's comment: only
    trusted members' reports count towards the threshold (all are kept and
    listed for moderators)."""
    article = make_article(session)
    comment = make_comment(session, article, author=make_user(session))
    for _ in range(5):
        reporting.flag_comment(session, comment.id, SPAM, actor=make_user(session))

    assert comment.hidden_at is None
    assert flag_queries.count_open(session, comment.id) == (5, 0, 0)
    report(session, comment, 3)
    assert comment.hidden_at is not None


def test_reports_never_hide_a_moderators_comment(
    session: Session, moderator: User
) -> None:
    article = make_article(session)
    comment = make_comment(session, article, author=moderator)
    report(session, comment, 5)
    assert comment.hidden_at is None
    reported = session.scalars(
        select(Flag).where(Flag.comment_id == comment.id, Flag.resolved_at.is_(None))
    ).all()
    assert len(reported) == 5  # still in the queue's flagged view


def flag_page(comment: Comment) -> str:
    return f"/comments/{comment.id}/flag"


def post_flag(
    client: TestClient, comment: Comment, **fields: str
) -> tuple[int, str, str]:
    """Fill the report page's form; (status, location, body) of the answer."""
    page = client.get(flag_page(comment))
    token = csrf_from(page.text) if page.status_code == 200 else "missing"
    response = client.post(flag_page(comment), data={"csrf_token": token, **fields})
    return response.status_code, response.headers.get("location", ""), response.text


# --- flagging once -------------------------------------------------------------


def test_member_reports_a_comment_once_through_the_page(
    session: Session, signed_in: SignedIn, comment: Comment, article: Article
) -> None:
    reader = make_user(session)
    with signed_in(reader) as browser:
        page = browser.get(flag_page(comment))
        assert page.status_code == 200
        assert "Miracle cure" in page.text
        for value in ("spam", "abusive", "medical_claim", "off_topic", "other"):
            assert f'id="reason-{value}" name="reason" value="{value}"' in page.text
        assert (
            '<label for="reason-medical_claim">A misleading medical claim</label>'
            in (page.text)
        )
        assert '<label for="field-note">' in page.text

        status, location, _ = post_flag(
            browser, comment, reason="medical_claim", note="  Dangerous advice.  "
        )
        assert status == 303
        assert location.endswith(f"/articles/{article.slug}#comment-{comment.id}")
        assert "A moderator will look at this comment." in browser.get(location).text

    [flag] = flags_on(session, comment)
    assert (flag.reporter_id, flag.reason, flag.note) == (
        reader.id,
        FlagReason.MEDICAL_CLAIM,
        "Dangerous advice.",
    )
    assert flag.resolved_at is None


def test_reporting_twice_is_refused_with_a_clear_409(
    session: Session,
    signed_in: SignedIn,
    api_as: SignedIn,
    comment: Comment,
) -> None:
    reader = make_user(session)
    reporting.flag_comment(session, comment.id, SPAM, actor=reader)

    with signed_in(reader) as browser:
        page = browser.get(flag_page(comment))
        again = browser.post(
            flag_page(comment),
            data={"csrf_token": csrf_from(page.text), "reason": "abusive"},
        )
    with api_as(reader) as api:
        answer = api.post(
            f"/api/v1/comments/{comment.id}/flag", json={"reason": "abusive"}
        )

    assert page.status_code == 409
    assert escape(reporting.ALREADY_FLAGGED) in page.text
    assert 'name="reason"' not in page.text  # no form to fill in again
    assert again.status_code == 409
    assert escape(reporting.ALREADY_FLAGGED) in again.text
    assert answer.status_code == 409
    assert answer.json() == {"detail": reporting.ALREADY_FLAGGED}
    assert len(flags_on(session, comment)) == 1


def test_the_database_refuses_a_duplicate_that_slips_past_the_check(
    session: Session, comment: Comment
) -> None:
    reader = make_user(session)
    session.add(Flag(comment_id=comment.id, reporter_id=reader.id, reason="spam"))
    session.flush()
    session.expire_all()

    with pytest.raises(Conflict):
        reporting.flag_comment(session, comment.id, SPAM, actor=reader)


def test_api_report_returns_201_with_the_flag(
    session: Session, api_as: SignedIn, comment: Comment
) -> None:
    reader = make_user(session)
    with api_as(reader) as api:
        answer = api.post(
            f"/api/v1/comments/{comment.id}/flag",
            json={"reason": "off_topic", "note": "Not about MS."},
        )

    assert answer.status_code == 201
    body = answer.json()
    assert body["comment_id"] == comment.id
    assert body["reason"] == "off_topic"
    assert body["note"] == "Not about MS."
    assert body["comment_hidden"] is False
    assert set(body) == {
        "id",
        "comment_id",
        "reason",
        "note",
        "created_at",
        "comment_hidden",
    }


# --- who may not ---------------------------------------------------------------


def test_reporting_your_own_comment_is_refused(
    session: Session,
    signed_in: SignedIn,
    api_as: SignedIn,
    comment: Comment,
    author: User,
    article: Article,
) -> None:
    with signed_in(author) as browser:
        page = browser.get(flag_page(comment))
        thread = browser.get(f"/articles/{article.slug}").text
    with api_as(author) as api:
        answer = api.post(
            f"/api/v1/comments/{comment.id}/flag", json={"reason": "spam"}
        )

    assert page.status_code == 403
    assert escape("You can't report your own comment.") in page.text
    assert answer.status_code == 403
    assert answer.json() == {"detail": "You can't report your own comment."}
    assert flag_page(comment) not in thread
    with pytest.raises(PermissionDenied):
        reporting.flag_comment(session, comment.id, SPAM, actor=author)
    assert flags_on(session, comment) == []


@pytest.mark.parametrize(
    "status", [CommentStatus.PENDING, CommentStatus.REJECTED, CommentStatus.SPAM]
)
def test_an_unpublished_comment_cannot_be_reported(
    session: Session,
    api_as: SignedIn,
    signed_in: SignedIn,
    article: Article,
    author: User,
    status: CommentStatus,
) -> None:
    hidden = make_comment(session, article, author=author, status=status)
    reader = make_user(session)
    moderator = make_user(session, role=Role.MODERATOR)

    with api_as(reader) as api:
        answer = api.post(f"/api/v1/comments/{hidden.id}/flag", json={"reason": "spam"})
    with signed_in(reader) as browser:
        page = browser.get(flag_page(hidden))

    # Readers can't see it at all; a moderator, who can, is told why not.
    assert answer.status_code == 404
    assert page.status_code == 404
    with pytest.raises(Conflict, match="Only published comments can be reported"):
        reporting.flag_comment(session, hidden.id, SPAM, actor=moderator)
    assert flags_on(session, hidden) == []


def test_a_removed_comment_or_an_unpublished_article_gives_404(
    session: Session, api_as: SignedIn, article: Article, author: User
) -> None:
    removed = make_comment(
        session, article, author=author, status=CommentStatus.REMOVED
    )
    draft = make_article(session, status=ArticleStatus.DRAFT)
    in_draft = make_comment(session, draft, author=author)
    reader = make_user(session)

    with api_as(reader) as api:
        codes = [
            api.post(
                f"/api/v1/comments/{c.id}/flag", json={"reason": "spam"}
            ).status_code
            for c in (removed, in_draft)
        ]
        missing = api.post("/api/v1/comments/2147483647/flag", json={"reason": "spam"})
        too_big = api.post("/api/v1/comments/2147483648/flag", json={"reason": "spam"})

    assert codes == [404, 404]
    assert missing.status_code == 404
    assert too_big.status_code == 422


def test_a_banned_member_cannot_report(
    session: Session,
    api_as: SignedIn,
    signed_in: SignedIn,
    comment: Comment,
    article: Article,
) -> None:
    reader = make_user(session)
    with api_as(reader) as api, signed_in(reader) as browser:
        reader.banned_at = utcnow()
        reader.banned_until = utcnow() + timedelta(days=7)
        session.flush()
        answer = api.post(
            f"/api/v1/comments/{comment.id}/flag", json={"reason": "spam"}
        )
        page = browser.get(flag_page(comment))
        thread = browser.get(f"/articles/{article.slug}").text

    assert answer.status_code == 403
    assert page.status_code == 403
    assert flag_page(comment) not in thread
    with pytest.raises(PermissionDenied):
        reporting.flag_comment(session, comment.id, SPAM, actor=reader)
    assert flags_on(session, comment) == []


def test_a_ban_that_ended_no_longer_stops_reporting(
    session: Session, comment: Comment
) -> None:
    reader = make_user(session)
    reader.banned_at = utcnow() - timedelta(days=8)
    reader.banned_until = utcnow() - timedelta(days=1)

    reporting.flag_comment(session, comment.id, SPAM, actor=reader)

    assert len(flags_on(session, comment)) == 1


def test_guests_are_sent_to_sign_in(
    client: TestClient, session: Session, comment: Comment, article: Article
) -> None:
    thread = client.get(f"/articles/{article.slug}").text
    page = client.get(flag_page(comment))
    token = csrf_from(client.get("/login").text)
    posted = client.post(
        flag_page(comment), data={"csrf_token": token, "reason": "spam"}
    )
    answer = client.post(f"/api/v1/comments/{comment.id}/flag", json={"reason": "spam"})

    assert f'{flag_page(comment)}">Report' in thread  # the link asks to sign in
    assert page.status_code == 303
    assert page.headers["location"] == f"/login?next=/comments/{comment.id}/flag"
    assert posted.status_code == 303
    assert posted.headers["location"].startswith("/login")
    assert answer.status_code == 401
    with pytest.raises(NotAuthenticated):
        reporting.flag_comment(session, comment.id, SPAM, actor=None)
    assert flags_on(session, comment) == []


# --- the form ------------------------------------------------------------------


def test_the_form_needs_a_reason_and_other_needs_a_note(
    session: Session, signed_in: SignedIn, api_as: SignedIn, comment: Comment
) -> None:
    reader = make_user(session)
    with signed_in(reader) as browser:
        no_reason = post_flag(browser, comment, note="I kept this text")
        other = post_flag(browser, comment, reason="other", note="   ")
        made_up = post_flag(browser, comment, reason="boring")
    with api_as(reader) as api:
        api_other = api.post(
            f"/api/v1/comments/{comment.id}/flag", json={"reason": "other"}
        )
        api_nul = api.post(
            f"/api/v1/comments/{comment.id}/flag",
            json={"reason": "spam", "note": "a\x00b"},
        )
        api_long = api.post(
            f"/api/v1/comments/{comment.id}/flag",
            json={"reason": "spam", "note": "x" * 1001},
        )

    status, _, html = no_reason
    assert status == 422
    assert '<p class="error" id="error-reason">Please choose why' in html
    assert 'id="field-reason" aria-describedby="error-reason"' in html
    assert ">I kept this text</textarea>" in html
    status, _, html = other
    assert status == 422
    assert 'id="error-note">Please say in the note what is wrong' in html
    assert 'aria-describedby="hint-note error-note" aria-invalid="true"' in html
    assert 'value="other" required checked' in html
    assert made_up[0] == 422
    assert api_other.status_code == 422
    assert api_nul.status_code == 422
    assert api_long.status_code == 422
    assert flags_on(session, comment) == []


def test_the_report_page_refuses_a_post_without_csrf(
    session: Session, signed_in: SignedIn, comment: Comment
) -> None:
    reader = make_user(session)
    with signed_in(reader) as browser:
        answer = browser.post(flag_page(comment), data={"reason": "spam"})

    assert answer.status_code == 403
    assert flags_on(session, comment) == []


# --- hiding at the threshold ---------------------------------------------------


def test_a_comment_hides_at_the_threshold_but_not_before(
    session: Session,
    client: TestClient,
    signed_in: SignedIn,
    api_as: SignedIn,
    comment: Comment,
    article: Article,
    author: User,
) -> None:
    report(session, comment, 2)  # the default threshold is 3

    assert comment.hidden_at is None
    assert "Miracle cure" in client.get(f"/articles/{article.slug}").text

    last = make_trusted_member(session)
    with api_as(last) as api:
        answer = api.post(
            f"/api/v1/comments/{comment.id}/flag", json={"reason": "spam"}
        )
    assert answer.status_code == 201
    assert answer.json()["comment_hidden"] is True
    session.refresh(comment)
    assert comment.hidden_at is not None

    reader_page = client.get(f"/articles/{article.slug}").text
    api_thread = client.get(f"/api/v1/articles/{article.slug}/comments").json()
    with signed_in(author) as browser:
        author_page = browser.get(f"/articles/{article.slug}").text
    with api_as(author) as api:
        author_api = api.get(f"/api/v1/articles/{article.slug}/comments").json()

    assert "Miracle cure" not in reader_page
    assert f'id="comment-{comment.id}"' not in reader_page  # no replies: gone
    assert api_thread["items"] == []
    assert api_thread["total"] == 0
    assert api_thread["comment_count"] == 0
    assert "Miracle cure" in author_page
    assert "Hidden for review" in author_page
    assert f"/comments/{comment.id}/flag" not in author_page
    assert [item["id"] for item in author_api["items"]] == [comment.id]
    [hide] = session.scalars(
        select(ModerationAction).where(
            ModerationAction.comment_id == comment.id,
            ModerationAction.action == ActionKind.HIDE,
        )
    )
    assert hide.actor_id is None
    assert hide.subject_user_id == author.id
    assert hide.reason == "Hidden after 3 reports by trusted members."


def test_a_hidden_comment_with_replies_stays_as_a_placeholder(
    session: Session, client: TestClient, comment: Comment, article: Article
) -> None:
    reply = make_comment(
        session, article, parent=comment, body="I disagree, see your GP."
    )
    report(session, comment, 3)

    html = client.get(f"/articles/{article.slug}").text
    node = client.get(f"/api/v1/comments/{comment.id}").json()
    page = read_thread(session, article)

    assert "Miracle cure" not in html
    assert thread.HIDDEN_TEXT in html
    assert "I disagree, see your GP." in html
    assert node["body_html"] == ""
    assert node["author"] is None
    [root] = page.page.items
    assert root.placeholder == thread.HIDDEN_TEXT
    assert not root.accepts_replies
    assert [child.id for child in root.replies] == [reply.id]
    assert page.discussion.comment_count == 1


def test_a_hidden_reply_disappears_and_cannot_be_answered(
    session: Session, client: TestClient, comment: Comment, article: Article
) -> None:
    reply = make_comment(session, article, parent=comment, body="Buy my supplements.")
    report(session, reply, 3)
    replier = make_user(session)

    html = client.get(f"/articles/{article.slug}").text

    assert "Buy my supplements." not in html
    assert "Miracle cure" in html
    assert service.reply_refusal(session, article, reply.id) == (
        "You can only reply to a published comment."
    )
    with pytest.raises(Conflict, match="already hidden"):
        reporting.flag_comment(session, reply.id, SPAM, actor=replier)


def test_the_threshold_follows_the_site_policy(
    session: Session, comment: Comment
) -> None:
    update_policy(session, PolicyUpdate(flag_threshold=1), actor=make_admin(session))

    report(session, comment, 1)

    assert comment.hidden_at is not None


def test_resolved_flags_do_not_count_toward_the_threshold(
    session: Session, comment: Comment
) -> None:
    old = report(session, comment, 2)
    for flag in flags_on(session, comment):
        flag.resolved_at = utcnow()
        flag.resolved_by_id = old[0].id
    session.flush()

    report(session, comment, 2)

    assert comment.hidden_at is None


def test_the_report_link_sits_beside_reply_for_other_readers(
    session: Session, signed_in: SignedIn, comment: Comment, article: Article
) -> None:
    reader = make_user(session)
    with signed_in(reader) as browser:
        html = browser.get(f"/articles/{article.slug}").text

    actions = html[html.index(f'id="comment-{comment.id}"') :]
    assert actions.index("comment__reply") < actions.index("comment__report")
    assert f'/comments/{comment.id}/flag">Report' in actions
    assert "the comment by Ann Author</span>" in actions


def test_hidden_comments_cost_no_extra_queries(
    session: Session,
    app_factory: AppFactory,
    article: Article,
    comment: Comment,
    count_queries: QueryCounter,
) -> None:
    # No cache: every request renders the page.
    client = TestClient(app_factory(cache_mb=0))

    def measure() -> int:
        with count_queries() as log:
            assert client.get(f"/articles/{article.slug}").status_code == 200
        return len(log)

    for _ in range(3):
        make_comment(session, article, parent=comment)
    measure()  # the first request also reads the policy, cached for the session
    before = measure()
    report(session, comment, 3)
    for _ in range(20):
        hidden = make_comment(session, article)
        hidden.hidden_at = utcnow()
        make_comment(session, article, parent=hidden)
    session.flush()

    assert measure() == before


def test_flag_target_names_no_error_for_a_flaggable_comment(
    session: Session, comment: Comment
) -> None:
    reader = make_user(session)

    assert reporting.flag_target(session, comment.id, actor=reader).id == comment.id
    with pytest.raises(NotFound):
        reporting.flag_target(session, 2_000_000_000, actor=reader)
