"""Drafts kept on the server (issue #15, "Nothing typed is lost"): the rules,
the autosave and the refused posts that keep what was typed, the pages that give
a draft back, "Your drafts", and the API's /me/drafts."""

import html
import re
from datetime import UTC, datetime

import httpx2
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.articles import service as articles_service
from app.articles.models import Article, ArticleStatus
from app.articles.schemas import ArticleUpdate
from app.comments import drafts
from app.comments import service as comments_service
from app.comments.models import Comment, CommentDraft
from app.comments.schemas import MAX_BODY, CommentCreate, DraftWrite
from app.moderation import service as moderation_service
from app.moderation.models import Decision
from tests.comments.conftest import ClientFactory
from tests.conftest import AppFactory, QueryCounter
from tests.factories import make_article, make_comment, make_user
from tests.helpers import csrf_from, login, sign_in_as

_TEXTAREA = re.compile(r'<textarea id="field-body"[^>]*>(.*?)</textarea>', re.S)


@pytest.fixture
def member(session: Session) -> User:
    return make_user(session, username="dana", display_name="Dana")


@pytest.fixture
def article(session: Session) -> Article:
    return make_article(session, title="Cooling vests")


@pytest.fixture
def as_member(new_client: ClientFactory, member: User) -> TestClient:
    """The member's browser, signed in with the session cookie."""
    client = new_client()
    sign_in_as(client, member.username, api=False)
    return client


@pytest.fixture
def member_api(new_client: ClientFactory, member: User) -> TestClient:
    """The member's API client, with a bearer token and no cookie."""
    client = new_client()
    sign_in_as(client, member.username, api=True)
    return client


def keep(
    session: Session,
    article: Article,
    user: User,
    body: str,
    parent_id: int | None = None,
) -> drafts.Draft | None:
    return drafts.save_draft(
        session, article, DraftWrite(body=body, parent_id=parent_id), actor=user
    )


def saved(session: Session, article: Article, user: User) -> drafts.Draft | None:
    """The draft as the database holds it now (a rolled-back request leaves none)."""
    return drafts.find_draft(session, article, actor=user)


def saved_body(session: Session, article: Article, user: User) -> str | None:
    draft = saved(session, article, user)
    return draft.body if draft is not None else None


def textarea(page: str) -> str:
    match = _TEXTAREA.search(page)
    assert match, "no comment textarea on the page"
    return html.unescape(match.group(1))


def post_form(
    client: TestClient,
    article: Article,
    body: str,
    *,
    page: str | None = None,
    **fields: str,
) -> httpx2.Response:
    """The comment form sent as a browser sends it (``page``, or the article page
    read now, gives the tokens)."""
    page = page or client.get(f"/articles/{article.slug}").text
    token = re.search(r'name="form_token" value="([^"]+)"', page)
    assert token
    data = {
        "csrf_token": csrf_from(page),
        "form_token": token.group(1),
        "website": "",
        "body": body,
        "parent_id": "",
        "action": "post",
        **fields,
    }
    return client.post(f"/articles/{article.slug}/comments", data=data)


def autosave(
    client: TestClient, article: Article, body: str, parent_id: str = ""
) -> httpx2.Response:
    token = csrf_from(client.get("/me/drafts").text)
    return client.post(
        f"/me/drafts/{article.slug}",
        data={"csrf_token": token, "body": body, "parent_id": parent_id},
    )


# The rules -------------------------------------------------------------------------


def test_a_member_has_one_draft_per_article_the_last_one_saved(
    session: Session, member: User, article: Article
) -> None:
    other = make_user(session)
    elsewhere = make_article(session)
    keep(session, article, member, "First words")
    keep(session, article, member, "First words, and more")
    keep(session, article, other, "Someone else's")
    keep(session, elsewhere, member, "Under another article")

    rows = session.scalar(
        select(func.count(CommentDraft.id)).where(CommentDraft.user_id == member.id)
    )
    draft = saved(session, article, member)
    assert rows == 2
    assert draft is not None
    assert draft.body == "First words, and more"
    assert draft.article_slug == article.slug
    assert draft.article_title == "Cooling vests"
    assert draft.parent_id is None
    assert draft.reply_to is None


def test_a_blank_body_discards_the_draft(
    session: Session, member: User, article: Article
) -> None:
    keep(session, article, member, "Something")

    assert keep(session, article, member, "  \n\t ") is None
    assert saved(session, article, member) is None


def test_a_reply_keeps_its_comment_only_if_it_is_in_the_article(
    session: Session, member: User, article: Article
) -> None:
    writer = make_user(session, display_name="Wren")
    here = make_comment(session, article, author=writer)
    there = make_comment(session, make_article(session), author=writer)

    reply = keep(session, article, member, "I agree", parent_id=here.id)
    assert reply is not None
    assert (reply.parent_id, reply.reply_to) == (here.id, "Wren")
    assert saved(session, article, member) == reply
    for stray in (there.id, 2**31 - 1):
        draft = keep(session, article, member, "I agree", parent_id=stray)
        assert draft is not None
        assert (draft.parent_id, draft.reply_to) == (None, None)
        assert saved(session, article, member) == draft


def test_a_reply_names_only_a_published_comments_author(
    session: Session, member: User, article: Article, moderator: User
) -> None:
    guest = make_comment(session, article)
    removed = moderation_service.decide(
        session,
        make_comment(session, article, author=make_user(session, display_name="X")),
        Decision.REMOVE,
        actor=moderator,
        reason="Rude",
        seen=None,
    )

    for parent, named in ((guest, "A guest"), (removed, drafts.UNSHOWN_PARENT)):
        keep(session, article, member, "Well", parent_id=parent.id)
        draft = saved(session, article, member)
        assert draft is not None
        assert draft.reply_to == named


def test_the_body_is_held_like_a_comments(session: Session, member: User) -> None:
    assert DraftWrite(body="x" * MAX_BODY).body == "x" * MAX_BODY
    for body in ("x" * (MAX_BODY + 1), "a\x00b"):
        with pytest.raises(ValidationError):
            DraftWrite(body=body)
    with pytest.raises(ValidationError):
        DraftWrite(body="fine", parent_id=0)


def test_unsent_text_is_kept_without_what_a_draft_cannot_hold(
    session: Session, member: User, article: Article
) -> None:
    drafts.keep_unsent(
        session, article, body="a\x00b" + "c" * MAX_BODY, parent_id=None, actor=member
    )
    assert saved_body(session, article, member) == "ab" + "c" * (MAX_BODY - 2)

    # Blank text never replaces what was kept.
    drafts.keep_unsent(session, article, body="   ", parent_id=None, actor=member)
    assert saved_body(session, article, member) == "ab" + "c" * (MAX_BODY - 2)


def test_posting_a_comment_drops_its_authors_draft_under_that_article(
    session: Session, member: User, article: Article
) -> None:
    other = make_user(session)
    elsewhere = make_article(session)
    for user, where in ((member, article), (member, elsewhere), (other, article)):
        keep(session, where, user, "Half done")

    comments_service.post_comment(
        session,
        article,
        CommentCreate(body="All done"),
        actor=member,
        allow_guests=False,
    )

    assert saved(session, article, member) is None
    assert saved(session, elsewhere, member) is not None
    assert saved(session, article, other) is not None


def test_the_list_is_most_recent_first_paged_and_only_readable_articles(
    session: Session, member: User
) -> None:
    admin = make_user(session, role=Role.ADMIN)
    articles = [make_article(session, title=f"Article {n}") for n in range(3)]
    for n, where in enumerate(articles):
        keep(session, where, member, f"Draft {n}")
        keep(session, where, admin, f"Draft {n}")

    first = drafts.list_drafts(session, actor=member, page=1, per_page=2)
    second = drafts.list_drafts(session, actor=member, page=2, per_page=2)
    assert [d.body for d in first.items + second.items] == [
        "Draft 2",
        "Draft 1",
        "Draft 0",
    ]
    assert (first.total, first.pages) == (3, 2)

    articles_service.update_article(
        session,
        articles[1],
        ArticleUpdate(status=ArticleStatus.DRAFT),
        actor=admin,
    )
    listed = drafts.list_drafts(session, actor=member, page=1)
    assert [d.body for d in listed.items] == ["Draft 2", "Draft 0"]
    assert listed.total == 2
    # Admins read unpublished articles, so their drafts there are listed.
    assert drafts.list_drafts(session, actor=admin, page=1).total == 3


def test_continue_writing_leads_to_the_form_or_the_reply_page(
    session: Session, member: User, article: Article
) -> None:
    parent = make_comment(session, article)
    top = keep(session, article, member, "New thought")
    assert top is not None
    assert top.url == f"/articles/{article.slug}#comment-form"
    reply = keep(session, article, member, "Answer", parent_id=parent.id)
    assert reply is not None
    assert reply.url == f"/articles/{article.slug}/comments/{parent.id}/reply"
    assert reply.discard_url == f"/me/drafts/{article.slug}/discard"


# The autosave ----------------------------------------------------------------------


def test_the_autosave_keeps_the_draft_and_answers_204(
    session: Session, as_member: TestClient, member: User, article: Article
) -> None:
    parent = make_comment(session, article)

    response = autosave(as_member, article, "Line one\r\nline two", str(parent.id))

    assert response.status_code == 204
    assert response.content == b""
    draft = saved(session, article, member)
    assert draft is not None
    assert (draft.body, draft.parent_id) == ("Line one\nline two", parent.id)

    assert autosave(as_member, article, "").status_code == 204
    assert saved(session, article, member) is None


def test_the_autosave_refuses_a_form_without_its_csrf_token(
    session: Session, as_member: TestClient, member: User, article: Article
) -> None:
    for token in ("", "forged"):
        response = as_member.post(
            f"/me/drafts/{article.slug}", data={"csrf_token": token, "body": "Hi"}
        )
        assert response.status_code == 403
    assert saved(session, article, member) is None


def test_the_autosave_refuses_what_no_comment_could_hold(
    session: Session, as_member: TestClient, member: User, article: Article
) -> None:
    keep(session, article, member, "Kept")

    for body, parent_id in (("x" * (MAX_BODY + 1), ""), ("a\x00b", ""), ("y", "x")):
        response = autosave(as_member, article, body, parent_id)
        assert response.status_code == 422

    assert saved_body(session, article, member) == "Kept"


def test_the_autosave_is_for_members_and_readable_articles(
    session: Session, client: TestClient, as_member: TestClient, article: Article
) -> None:
    hidden = make_article(session, status=ArticleStatus.DRAFT)
    token = csrf_from(client.get("/login").text)

    guest = client.post(
        f"/me/drafts/{article.slug}", data={"csrf_token": token, "body": "Hi"}
    )

    assert guest.status_code == 303
    assert guest.headers["location"].startswith("/login")
    assert autosave(as_member, hidden, "Hi").status_code == 404
    assert session.scalar(select(func.count(CommentDraft.id))) == 0


# Refused posts keep what was typed -------------------------------------------------


def test_a_post_to_a_closed_discussion_keeps_the_draft(
    session: Session,
    as_member: TestClient,
    member: User,
    article: Article,
    moderator: User,
) -> None:
    page = as_member.get(f"/articles/{article.slug}").text
    moderation_service.close_thread(session, article, actor=moderator)

    response = post_form(as_member, article, "Sent just as it closed", page=page)

    assert response.status_code == 409
    assert textarea(response.text) == "Sent just as it closed"
    assert saved_body(session, article, member) == "Sent just as it closed"


def test_a_too_long_post_keeps_as_much_as_a_draft_holds(
    session: Session, as_member: TestClient, member: User, article: Article
) -> None:
    body = "word " * (MAX_BODY // 5) + "and more"

    response = post_form(as_member, article, body)

    assert response.status_code == 422
    assert saved_body(session, article, member) == body[:MAX_BODY]


def test_an_empty_post_keeps_the_draft_there_was(
    session: Session, as_member: TestClient, member: User, article: Article
) -> None:
    keep(session, article, member, "Written on my phone")

    response = post_form(as_member, article, "   ")

    assert response.status_code == 422
    assert saved_body(session, article, member) == "Written on my phone"


def test_a_post_past_the_rate_limit_keeps_the_draft(
    session: Session, new_client: ClientFactory, member: User, article: Article
) -> None:
    client = new_client(post_rate_limit="1/minute")
    login(client, member.username)

    assert post_form(client, article, "The first one").status_code == 303
    refused = post_form(client, article, "One too many")

    assert refused.status_code == 429
    assert saved_body(session, article, member) == "One too many"


def test_a_duplicate_keeps_the_draft(
    session: Session, as_member: TestClient, member: User, article: Article
) -> None:
    assert post_form(as_member, article, "Said once").status_code == 303
    assert saved(session, article, member) is None

    refused = post_form(as_member, article, "Said once")

    assert refused.status_code == 409
    assert saved_body(session, article, member) == "Said once"


def test_a_reply_under_a_locked_comment_keeps_the_reply_draft(
    session: Session,
    as_member: TestClient,
    member: User,
    article: Article,
    moderator: User,
) -> None:
    parent = make_comment(session, article, author=make_user(session))
    moderation_service.set_locked(session, parent, True, actor=moderator)

    refused = post_form(as_member, article, "But wait", parent_id=str(parent.id))

    assert refused.status_code == 409
    draft = saved(session, article, member)
    assert draft is not None
    assert (draft.body, draft.parent_id) == ("But wait", parent.id)


def test_a_preview_keeps_the_draft(
    session: Session, as_member: TestClient, member: User, article: Article
) -> None:
    response = post_form(
        as_member, article, "Does *this* look right?", action="preview"
    )

    assert response.status_code == 200
    assert saved_body(session, article, member) == "Does *this* look right?"


def test_a_post_from_the_page_drops_the_draft(
    session: Session, as_member: TestClient, member: User, article: Article
) -> None:
    keep(session, article, member, "Almost there")

    assert post_form(as_member, article, "There").status_code == 303

    assert saved(session, article, member) is None


def test_the_api_drops_the_draft_on_a_post_and_keeps_it_on_a_refusal(
    session: Session, member_api: TestClient, member: User, article: Article
) -> None:
    keep(session, article, member, "Draft from the page")
    url = f"/api/v1/articles/{article.slug}/comments"

    # An API client holds its own text: a refusal leaves the draft as it was.
    refused = member_api.post(url, json={"body": "x" * (MAX_BODY + 1)})
    assert refused.status_code == 422
    kept = saved(session, article, member)
    assert kept is not None
    assert kept.body == "Draft from the page"

    assert member_api.post(url, json={"body": "Posted"}).status_code == 201
    assert saved(session, article, member) is None


# The pages give a draft back -------------------------------------------------------


def test_the_article_page_fills_the_form_with_a_new_comments_draft(
    session: Session,
    as_member: TestClient,
    client: TestClient,
    member: User,
    article: Article,
) -> None:
    draft = keep(session, article, member, "Cooling <vests> & fans")
    assert draft is not None

    page = as_member.get(f"/articles/{article.slug}").text
    guest_page = client.get(f"/articles/{article.slug}").text

    assert textarea(page) == "Cooling <vests> & fans"
    assert "Cooling &lt;vests&gt; &amp; fans" in page
    assert f'data-draft-saved="{draft.saved_ms}"' in page
    assert f'data-draft-url="/me/drafts/{article.slug}"' in page
    assert 'id="reply-draft"' not in page
    assert "&lt;vests&gt;" not in guest_page
    assert "data-draft-url" not in guest_page


def test_the_article_page_offers_to_continue_a_reply(
    session: Session, as_member: TestClient, member: User, article: Article
) -> None:
    writer = make_user(session, display_name="Wren <3")
    parent = make_comment(session, article, author=writer)
    keep(session, article, member, "My reply", parent_id=parent.id)

    page = as_member.get(f"/articles/{article.slug}").text

    assert textarea(page) == ""
    assert "data-draft-saved" not in page
    notice = page[page.index('id="reply-draft"') :]
    notice = notice[: notice.index("</p>")]
    assert "You have an unfinished reply to Wren &lt;3" in notice
    reply_url = f"/articles/{article.slug}/comments/{parent.id}/reply"
    assert f'<a href="{reply_url}">Continue writing</a>' in notice


def test_the_reply_page_fills_the_form_for_its_own_comment_only(
    session: Session, as_member: TestClient, member: User, article: Article
) -> None:
    parent, other = make_comment(session, article), make_comment(session, article)
    draft = keep(session, article, member, "My reply", parent_id=parent.id)
    assert draft is not None

    own = as_member.get(f"/articles/{article.slug}/comments/{parent.id}/reply")
    elsewhere = as_member.get(f"/articles/{article.slug}/comments/{other.id}/reply")

    assert own.status_code == elsewhere.status_code == 200
    assert textarea(own.text) == "My reply"
    assert f'data-draft-saved="{draft.saved_ms}"' in own.text
    assert f'name="parent_id" value="{parent.id}"' in own.text
    assert textarea(elsewhere.text) == ""
    assert "data-draft-saved" not in elsewhere.text


def test_a_refused_post_shows_what_was_sent_not_the_older_draft(
    session: Session, as_member: TestClient, member: User, article: Article
) -> None:
    keep(session, article, member, "Older words")

    refused = post_form(as_member, article, "x" * (MAX_BODY + 1))

    assert textarea(refused.text) == "x" * (MAX_BODY + 1)
    assert "data-draft-saved" not in refused.text


@pytest.mark.parametrize("kind", ["none", "comment", "reply"])
def test_the_article_page_reads_a_members_draft_in_one_query_whatever_its_size(
    session: Session,
    app_factory: AppFactory,
    count_queries: QueryCounter,
    member: User,
    kind: str,
) -> None:
    counts = []
    for size in (3, 300):
        article = make_article(session)
        comments = [make_comment(session, article) for _ in range(size)]
        if kind != "none":
            keep(
                session,
                article,
                member,
                "Draft",
                parent_id=comments[0].id if kind == "reply" else None,
            )
        with TestClient(app_factory(), follow_redirects=False) as client:
            login(client, member.username)
            client.get(f"/articles/{article.slug}")  # warm: templates, policy
            with count_queries() as queries:
                response = client.get(f"/articles/{article.slug}")
        assert response.status_code == 200
        counts.append(len(queries))
        drafted = [q for q in queries.statements if "comment_draft" in q]
        assert len(drafted) == 1
    assert counts[0] == counts[1], counts


# Your drafts -----------------------------------------------------------------------


def test_your_drafts_lists_each_with_its_excerpt_and_actions(
    session: Session, as_member: TestClient, member: User, article: Article
) -> None:
    parent = make_comment(
        session, article, author=make_user(session, display_name="Ines")
    )
    other = make_article(session, title="Sleeping <well>")
    keep(session, other, member, "A *new* comment <script>alert(1)</script>")
    keep(session, article, member, "My reply", parent_id=parent.id)

    page = as_member.get("/me/drafts")

    assert page.status_code == 200
    assert page.template.name == "comments/drafts.html"  # type: ignore[attr-defined]
    text = page.text
    assert "<script>alert" not in text
    assert "A *new* comment &lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "Sleeping &lt;well&gt;" in text
    assert text.index("Cooling vests") < text.index("Sleeping &lt;well&gt;")
    assert "A reply to Ines" in text
    assert f'href="/articles/{article.slug}/comments/{parent.id}/reply"' in text
    assert f'href="/articles/{other.slug}#comment-form"' in text
    assert f'action="/me/drafts/{other.slug}/discard"' in text
    assert 'href="/me/drafts">Your drafts</a>' in text


@pytest.mark.parametrize("path", ["/me/drafts", "/api/v1/me/drafts"])
def test_the_list_costs_the_same_queries_for_3_or_30_drafts(
    session: Session,
    app_factory: AppFactory,
    count_queries: QueryCounter,
    path: str,
) -> None:
    counts = []
    for count in (3, 30):
        writer = make_user(session)
        for _ in range(count):
            where = make_article(session)
            parent = make_comment(session, where)
            keep(session, where, writer, "Draft", parent_id=parent.id)
        with TestClient(app_factory(), follow_redirects=False) as client:
            sign_in_as(client, writer.username, api=path.startswith("/api/"))
            client.get(path)  # warm: templates, policy caches
            with count_queries() as queries:
                response = client.get(path)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_your_drafts_says_what_it_is_for_when_empty(as_member: TestClient) -> None:
    page = as_member.get("/me/drafts")

    assert page.status_code == 200
    assert "You have no drafts" in page.text
    assert "until you post it" in page.text


def test_discarding_a_draft_redirects_with_a_message(
    session: Session, as_member: TestClient, member: User, article: Article
) -> None:
    keep(session, article, member, "Never mind")
    token = csrf_from(as_member.get("/me/drafts").text)

    response = as_member.post(
        f"/me/drafts/{article.slug}/discard", data={"csrf_token": token}
    )

    assert response.status_code == 303
    assert response.headers["location"].endswith("/me/drafts")
    assert saved(session, article, member) is None
    after = as_member.get("/me/drafts").text
    assert "Your draft under “Cooling vests” is discarded." in after
    assert "You have no drafts" in after


def test_discarding_needs_the_csrf_token(
    session: Session, as_member: TestClient, member: User, article: Article
) -> None:
    keep(session, article, member, "Keep me")

    response = as_member.post(f"/me/drafts/{article.slug}/discard", data={})

    assert response.status_code == 403
    assert saved(session, article, member) is not None


# The API ---------------------------------------------------------------------------


def test_the_api_puts_reads_and_deletes_a_draft(
    session: Session, member_api: TestClient, member: User, article: Article
) -> None:
    url = f"/api/v1/me/drafts/{article.slug}"
    parent = make_comment(session, article)

    assert member_api.get(url).status_code == 404
    put = member_api.put(url, json={"body": "Hello", "parent_id": parent.id})
    assert put.status_code == 200
    body = put.json()
    assert set(body) == {"article_slug", "body", "parent_id", "updated_at"}
    assert (body["article_slug"], body["body"], body["parent_id"]) == (
        article.slug,
        "Hello",
        parent.id,
    )
    assert datetime.fromisoformat(body["updated_at"]).tzinfo is not None
    assert member_api.get(url).json() == body

    replaced = member_api.put(url, json={"body": "Hello again"}).json()
    assert (replaced["body"], replaced["parent_id"]) == ("Hello again", None)

    assert member_api.delete(url).status_code == 204
    assert member_api.get(url).status_code == 404
    assert member_api.delete(url).status_code == 204


def test_the_api_discards_a_draft_put_blank(
    session: Session, member_api: TestClient, member: User, article: Article
) -> None:
    keep(session, article, member, "Something")

    response = member_api.put(f"/api/v1/me/drafts/{article.slug}", json={"body": " "})

    assert response.status_code == 204
    assert saved(session, article, member) is None


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"body": "x" * (MAX_BODY + 1)},
        {"body": "a\x00b"},
        {"body": "ok", "parent_id": 0},
        {"body": "ok", "parent_id": "first"},
        {"body": 5},
    ],
)
def test_the_api_refuses_bad_input_with_422(
    member_api: TestClient, article: Article, payload: dict[str, object]
) -> None:
    response = member_api.put(f"/api/v1/me/drafts/{article.slug}", json=payload)

    assert response.status_code == 422
    assert set(response.json()) == {"detail"}


def test_the_api_needs_a_bearer_token_not_the_cookie(
    as_member: TestClient, client: TestClient, article: Article
) -> None:
    for caller in (client, as_member):
        for method in ("GET", "PUT", "DELETE"):
            response = caller.request(
                method,
                f"/api/v1/me/drafts/{article.slug}",
                json={"body": "Hi"} if method == "PUT" else None,
            )
            assert response.status_code == 401
            assert response.headers["www-authenticate"].startswith("Bearer")
        assert caller.get("/api/v1/me/drafts").status_code == 401


def test_the_api_knows_no_draft_under_an_unreadable_article(
    session: Session, member_api: TestClient
) -> None:
    hidden = make_article(session, status=ArticleStatus.DRAFT)

    for slug in (hidden.slug, "no-such-article"):
        url = f"/api/v1/me/drafts/{slug}"
        assert member_api.put(url, json={"body": "Hi"}).status_code == 404
        assert member_api.get(url).status_code == 404


def test_the_api_lists_the_callers_drafts(
    session: Session, member_api: TestClient, member: User, article: Article
) -> None:
    parent = make_comment(
        session, article, author=make_user(session, display_name="Kofi")
    )
    other = make_article(session, title="Heat")
    keep(session, other, member, "Older")
    keep(session, article, member, "**Newer** reply", parent_id=parent.id)
    keep(session, article, make_user(session), "Not mine")

    response = member_api.get("/api/v1/me/drafts")

    assert response.status_code == 200
    body = response.json()
    assert (body["page"], body["pages"], body["total"]) == (1, 1, 2)
    newer, older = body["items"]
    assert newer["article"] == {"slug": article.slug, "title": "Cooling vests"}
    assert newer["body"] == "**Newer** reply"
    assert newer["excerpt"] == "**Newer** reply"
    assert (newer["parent_id"], newer["reply_to"]) == (parent.id, "Kofi")
    assert newer["url"] == (
        f"http://testserver/articles/{article.slug}/comments/{parent.id}/reply"
    )
    assert older["url"] == f"http://testserver/articles/{other.slug}#comment-form"
    assert (older["parent_id"], older["reply_to"]) == (None, None)
    assert datetime.fromisoformat(older["updated_at"]) <= datetime.fromisoformat(
        newer["updated_at"]
    )
    assert datetime.fromisoformat(newer["updated_at"]).tzinfo is not None
    assert datetime.now(UTC) >= datetime.fromisoformat(newer["updated_at"])


def test_a_draft_survives_its_reply_targets_deletion(
    session: Session, member: User, article: Article
) -> None:
    parent = make_comment(session, article)
    keep(session, article, member, "Answer", parent_id=parent.id)

    session.execute(delete(Comment).where(Comment.id == parent.id))

    draft = saved(session, article, member)
    assert draft is not None
    assert (draft.body, draft.parent_id, draft.reply_to) == ("Answer", None, None)
