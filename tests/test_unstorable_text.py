"""Text the database can't hold is refused at the edge, never a 500 (#16).

PostgreSQL refuses NUL in text; before, a NUL in a path, a search or a field
reached it and failed there. Every place is listed here and runs on both
databases: the answer is a 4xx, and nothing is stored.
"""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User, UserNote
from app.articles.models import Article, Tag
from app.comments.models import Comment, CommentDraft, Flag
from app.moderation.models import CannedReason, ModerationAction, SiteSetting
from app.text import unstorable
from tests.conftest import AppFactory
from tests.factories import make_article, make_comment, make_user
from tests.helpers import api_token, login, post_form

NUL = "a\x00b"
ESCAPE = "a\x1bb"

ADDRESSES = [
    "/users/a%00b",
    "/users/a%00b/moderation",
    "/api/v1/users/a%00b/comments",
    "/articles/a%00b",
    "/tags/a%00b",
    "/?q=a%00b",
    "/?tag=a%00b",
    "/?q=a%01b",
    "/api/v1/users/a%00b",
    "/api/v1/articles/a%00b",
    "/api/v1/articles?q=a%00b",
    "/api/v1/articles?tag=a%00b",
]


@pytest.mark.parametrize("address", ADDRESSES)
def test_an_address_with_a_control_character_is_refused(
    client: TestClient, address: str
) -> None:
    response = client.get(address)

    assert response.status_code == 400
    if address.startswith("/api/"):
        assert response.json() == {
            "detail": "The address contains a control character."
        }
    else:
        assert "The address contains a control character." in response.text


@pytest.fixture
def admin_api(app_factory: AppFactory, session: Session) -> Iterator[TestClient]:
    admin = make_user(session, role=Role.ADMIN, username="chief")
    make_user(session, username="member")
    article = make_article(session, author=admin, title="Heat")
    make_comment(session, article, author=admin)
    with TestClient(app_factory(), follow_redirects=False) as client:
        client.headers["Authorization"] = f"Bearer {api_token(client, admin.username)}"
        yield client


def _everything(session: Session) -> list[object]:
    """Every text column a request below could write, and every row count."""
    session.expire_all()
    counts = [
        session.scalar(select(func.count()).select_from(model))
        for model in (
            User,
            UserNote,
            Article,
            Tag,
            Comment,
            CommentDraft,
            Flag,
            ModerationAction,
            SiteSetting,
            CannedReason,
        )
    ]
    users = session.execute(
        select(User.display_name, User.bio, User.ban_reason, User.badge)
    ).all()
    articles = session.execute(
        select(Article.title, Article.summary, Article.body)
    ).all()
    comments = session.execute(
        select(Comment.body, Comment.content_note, Comment.editor_note)
    ).all()
    return [counts, users, articles, comments]


def _comment_id(session: Session) -> int:
    return session.scalars(select(Comment.id)).one()


BODIES = [
    (
        "post",
        "/api/v1/auth/register",
        {
            "username": "newbie",
            "email": "n@example.org",
            "password": "long enough password",
            "display_name": NUL,
        },
    ),
    ("patch", "/api/v1/me", {"display_name": NUL}),
    ("patch", "/api/v1/me", {"bio": NUL}),
    ("patch", "/api/v1/me", {"shown_content_notes": [NUL]}),
    ("post", "/api/v1/users/member/ban", {"reason": NUL}),
    ("post", "/api/v1/users/member/notes", {"body": NUL}),
    ("put", "/api/v1/users/member/badge", {"badge": NUL}),
    ("post", "/api/v1/articles", {"title": NUL, "body": "Text"}),
    ("post", "/api/v1/articles", {"title": "T", "summary": NUL, "body": "Text"}),
    ("post", "/api/v1/articles", {"title": "T", "body": NUL}),
    ("post", "/api/v1/articles", {"title": "T", "body": "Text", "tags": [NUL]}),
    ("post", "/api/v1/articles", {"title": "T", "slug": NUL, "body": "Text"}),
    ("patch", "/api/v1/articles/heat", {"title": ESCAPE}),
    ("patch", "/api/v1/articles/heat", {"summary": NUL}),
    ("patch", "/api/v1/articles/heat", {"body": NUL}),
    ("patch", "/api/v1/articles/heat", {"tags": [NUL]}),
    ("post", "/api/v1/articles/heat/comments", {"body": NUL}),
    ("put", "/api/v1/me/drafts/heat", {"body": NUL}),
    ("patch", "/api/v1/comments/{comment}", {"body": NUL}),
    ("post", "/api/v1/comments/{comment}/flag", {"reason": "other", "note": NUL}),
    ("post", "/api/v1/moderation/comments/{comment}/remove", {"reason": NUL}),
    ("post", "/api/v1/articles/heat/close", {"reason": NUL}),
    ("post", "/api/v1/canned-reasons", {"label": NUL, "body": "Text"}),
    ("post", "/api/v1/canned-reasons", {"label": "L", "body": NUL}),
    ("put", "/api/v1/guidelines", {"markdown": NUL}),
    ("patch", "/api/v1/settings", {"hold_words": [NUL]}),
    ("patch", "/api/v1/settings", {"content_notes": [NUL]}),
    ("patch", "/api/v1/settings", {"crisis_resources": ["Line | a\x00b | UK"]}),
]


@pytest.mark.parametrize(("method", "path", "body"), BODIES)
def test_a_body_with_a_nul_is_refused_and_nothing_is_stored(
    admin_api: TestClient,
    session: Session,
    method: str,
    path: str,
    body: dict[str, object],
) -> None:
    path = path.format(comment=_comment_id(session))
    before = _everything(session)

    response = admin_api.request(method, path, json=body)

    assert response.status_code == 422, response.text
    assert "control character" in response.json()["detail"]
    assert _everything(session) == before


def test_a_login_name_with_a_nul_is_a_failed_sign_in(
    client: TestClient, session: Session
) -> None:
    make_user(session, username="member")

    page = post_form(
        client, "/login", "/login", {"username": "mem\x00ber", "password": "x" * 12}
    )
    api = client.post(
        "/api/v1/auth/token", data={"username": "mem\x00ber", "password": "x" * 12}
    )

    assert page.status_code == 401
    assert api.status_code == 401


@pytest.mark.parametrize(
    ("page", "fields"),
    [
        ("/settings", {"display_name": NUL, "email": "member@example.org"}),
        ("/settings", {"display_name": "M", "bio": NUL, "email": "member@example.org"}),
    ],
)
def test_a_form_with_a_nul_is_shown_again_with_its_error(
    app_factory: AppFactory, session: Session, page: str, fields: dict[str, str]
) -> None:
    make_user(session, username="member")
    with TestClient(app_factory(), follow_redirects=False) as client:
        login(client, "member")
        before = _everything(session)

        response = post_form(client, page, page, fields)

    assert response.status_code == 422
    assert "control character" in response.text
    assert _everything(session) == before


def test_the_register_form_refuses_a_nul_in_the_display_name(
    client: TestClient, session: Session
) -> None:
    before = _everything(session)

    response = post_form(
        client,
        "/register",
        "/register",
        {
            "username": "newbie",
            "email": "n@example.org",
            "password": "long enough password",
            "display_name": NUL,
        },
    )

    assert response.status_code == 422
    assert _everything(session) == before


@pytest.mark.parametrize(
    ("text", "one_line", "refused"),
    [
        ("plain", False, False),
        ("two\nlines\r\n\tand a tab", False, False),
        ("two\nlines", True, True),
        ("nul\x00", False, True),
        ("bell\x07", False, True),
        ("delete\x7f", False, True),
        ("é ü 漢字 🙂", True, False),
    ],
)
def test_unstorable_is_the_one_rule(text: str, one_line: bool, refused: bool) -> None:
    assert unstorable(text, one_line=one_line) is refused


# Text is normalised by the schemas (app.text.normalise), so the JSON API and the
# HTML forms store it alike: line breaks as "\n", Unicode composed (NFC).
CRLF_BODY = ("x" * 99 + "\r\n") * 100  # 10,100 characters sent, 10,000 with "\n"


def test_the_api_counts_a_line_break_as_one_character_as_the_form_does(
    admin_api: TestClient, session: Session
) -> None:
    response = admin_api.post(
        "/api/v1/articles/heat/comments", json={"body": CRLF_BODY}
    )

    assert response.status_code == 201, response.text
    stored = session.get_one(Comment, response.json()["id"]).body
    assert "\r" not in stored
    assert stored == CRLF_BODY.replace("\r\n", "\n")


def test_text_is_stored_composed_whichever_way_it_was_typed(
    admin_api: TestClient, session: Session
) -> None:
    decomposed = "Cafe\u0301 au lait helps my fatigue"
    posted = admin_api.post("/api/v1/articles/heat/comments", json={"body": decomposed})
    renamed = admin_api.patch("/api/v1/me", json={"display_name": "Zoe\u0308"})

    assert posted.status_code == 201, posted.text
    assert renamed.status_code == 200, renamed.text
    session.expire_all()
    assert session.get_one(Comment, posted.json()["id"]).body == (
        "Caf\u00e9 au lait helps my fatigue"
    )
    assert session.scalars(
        select(User.display_name).where(User.username == "chief")
    ).one() == ("Zo\u00eb")


def test_notes_and_reasons_keep_one_kind_of_line_break(
    admin_api: TestClient, session: Session
) -> None:
    comment = _comment_id(session)
    member = {"Authorization": f"Bearer {api_token(admin_api, 'member')}"}

    flagged = admin_api.post(
        f"/api/v1/comments/{comment}/flag",
        json={"reason": "other", "note": "First line\r\nsecond line\rthird"},
        headers=member,
    )
    removed = admin_api.post(
        f"/api/v1/moderation/comments/{comment}/remove",
        json={"reason": "Off topic\r\nsee the guidelines"},
    )

    assert flagged.status_code == 201, flagged.text
    assert removed.status_code == 200, removed.text
    session.expire_all()
    assert session.scalars(select(Flag.note)).one() == (
        "First line\nsecond line\nthird"
    )
    assert session.scalars(
        select(ModerationAction.reason).where(ModerationAction.reason.is_not(None))
    ).all() == ["Off topic\nsee the guidelines"]
