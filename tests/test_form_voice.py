"""Every form speaks Haven's voice (#18): no validator's wording reaches a person.

The routes come from the app and the field names from the templates, so a new
form is walked when it is added. Each is posted, by an admin and by a visitor,
with every field empty, negative and far too long; neither the page that
answers nor the one a redirect leads to (where a flash message shows) may hold
pydantic's own phrases.
"""

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import field_messages
from app.accounts.models import Role
from app.config import TEMPLATES_DIR
from tests.conftest import AppFactory
from tests.factories import make_article, make_user, route_targets
from tests.helpers import csrf_from, form_token_from, signed_in_clients
from tests.test_csrf_matrix import _routes, filled

RAW_PHRASES = (
    "string should",
    "input should",
    "value is not a valid",
    "value_error",
    "field required",
    "value error",
    "url scheme",
    "should be a valid",
    "assertion failed",
)


def _template_fields() -> list[str]:
    """Every field name a template's form sends."""
    names: set[str] = set()
    for template in TEMPLATES_DIR.rglob("*.html"):
        text = template.read_text()
        names.update(re.findall(r'name="([a-z_]+)"', text))
        names.update(re.findall(r"\b(?:field|textarea|input)\(\"([a-z_]+)\"", text))
    return sorted(names - {"csrf_token", "viewport"})


FIELDS = _template_fields()
# Empty (missing), out of range, and far too long.
VALUES = ("", "-1", "x" * 300)


def raw_phrases(text: str) -> list[str]:
    lowered = text.lower()
    return [phrase for phrase in RAW_PHRASES if phrase in lowered]


@pytest.fixture
def clients(
    app_factory: AppFactory, session: Session
) -> Iterator[tuple[TestClient, TestClient]]:
    """A signed-in admin (who may post every form) and a visitor."""
    admin = make_user(session, role=Role.ADMIN)
    app = app_factory()
    with (
        signed_in_clients(app, admin.username) as (admin_client,),
        TestClient(app, follow_redirects=False) as visitor,
    ):
        yield admin_client, visitor


def test_the_walk_reads_the_forms() -> None:
    assert {"password", "email", "guest_email", "auto_close_days"} <= set(FIELDS)
    assert len(_routes()) > 30


@pytest.mark.parametrize(("method", "path"), _routes())
def test_no_form_answers_with_validator_wording(
    session: Session,
    clients: tuple[TestClient, TestClient],
    method: str,
    path: str,
) -> None:
    url = filled(path, route_targets(session, decision="remove"))
    for client, form_page in zip(clients, ("/settings", "/login"), strict=True):
        token = csrf_from(client.get(form_page).text)
        for value in VALUES:
            data = dict.fromkeys(FIELDS, value) | {"csrf_token": token}
            response = client.request(
                method, url, data=data, headers={"Origin": "http://testserver"}
            )
            text = response.text
            if response.is_redirect:
                text += client.get(response.headers["location"]).text
            assert raw_phrases(text) == [], (value, response.status_code)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            {
                "type": "string_too_short",
                "loc": ("password",),
                "ctx": {"min_length": 10},
            },
            "Your password needs at least 10 characters.",
        ),
        (
            {
                "type": "value_error",
                "loc": ("email",),
                "msg": "value is not a valid email address: An email address must "
                "have an @-sign.",
                "ctx": {"reason": "An email address must have an @-sign."},
            },
            "Please give a valid email address: this one is missing an @.",
        ),
        (
            {"type": "greater_than_equal", "loc": ("max_links",), "ctx": {"ge": 0}},
            "The most links a comment may hold must be 0 or more.",
        ),
        (
            {
                "type": "greater_than_equal",
                "loc": ("body", "hours_later"),
                "ctx": {"ge": 1},
            },
            "The hours later must be 1 or more.",
        ),
        ({"type": "missing", "loc": ("body", "title")}, "Please fill in the title."),
        (
            {"type": "string_too_short", "loc": ("title",), "ctx": {"min_length": 1}},
            "Please fill in the title.",
        ),
        (
            {
                "type": "value_error",
                "loc": ("username",),
                "msg": "Value error, {Name} can only hold letters.",
            },
            "Your username can only hold letters.",
        ),
        (
            {
                "type": "value_error",
                "loc": ("guest_name",),
                "msg": "Value error, Write {name} as one line.",
            },
            "Write your name as one line.",
        ),
        (
            {"type": "something_new", "loc": ()},
            "Please check this: we can't use what was given.",
        ),
    ],
)
def test_errors_are_sentences_naming_the_field(
    error: dict[str, object], expected: str
) -> None:
    assert field_messages.sentence(error) == expected


def marked(html: str, name: str) -> bool:
    """Whether the field is marked wrong, tied to its message, and linked from
    the summary at the top of the form."""
    tag = re.search(rf'<(?:input|textarea|select)[^>]*\bid="field-{name}"[^>]*>', html)
    return (
        tag is not None
        and 'aria-invalid="true"' in tag.group(0)
        and re.search(rf'aria-describedby="[^"]*\berror-{name}\b', tag.group(0))
        is not None
        and f'id="error-{name}"' in html
        and f'href="#field-{name}"' in html.split('id="form-errors"', 1)[-1]
    )


def test_register_shows_every_problem_at_once_in_plain_words(
    client: TestClient,
) -> None:
    token = csrf_from(client.get("/register").text)

    response = client.post(
        "/register",
        data={
            "csrf_token": token,
            "username": "a!",
            "email": "not-an-email",
            "password": "short",
        },
    )

    assert response.status_code == 422
    page = response.text
    assert 'id="form-errors"' in page
    assert all(marked(page, name) for name in ("username", "email", "password"))
    assert "Your password needs at least 10 characters." in page
    assert "Please give a valid email address: this one is missing an @." in page
    assert raw_phrases(page) == []


def test_guest_comment_form_shows_every_problem_at_once(
    session: Session, app_factory: AppFactory
) -> None:
    article = make_article(session)
    with TestClient(
        app_factory(allow_guest_comments=True), follow_redirects=False
    ) as guest:
        page = guest.get(f"/articles/{article.slug}").text
        response = guest.post(
            f"/articles/{article.slug}/comments",
            data={
                "csrf_token": csrf_from(page),
                "form_token": form_token_from(page),
                "body": " ",
                "guest_name": "",
                "guest_email": "",
                "action": "post",
            },
        )

    assert response.status_code == 422
    assert all(marked(response.text, f) for f in ("body", "guest_name", "guest_email"))
    assert raw_phrases(response.text) == []


def test_admin_settings_show_every_number_out_of_range(
    session: Session, app_factory: AppFactory
) -> None:
    admin = make_user(session, role=Role.ADMIN)
    with signed_in_clients(app_factory(), admin.username) as (client,):
        page = client.get("/admin/settings").text
        form = dict(re.findall(r'name="([a-z_]+)"[^>]*value="([^"]*)"', page))
        response = client.post(
            "/admin/settings",
            data={
                **form,
                "csrf_token": csrf_from(page),
                "max_links": "-1",
                "flag_threshold": "0",
                "auto_close_days": "soon",
            },
        )

    assert response.status_code == 422
    page = response.text
    assert all(
        marked(page, f) for f in ("max_links", "flag_threshold", "auto_close_days")
    )
    assert "The most links a comment may hold must be 0 or more." in page
    assert raw_phrases(page) == []


def test_api_422_detail_names_the_field_and_says_it_plainly(
    client: TestClient,
) -> None:
    response = client.post(
        "/api/v1/auth/register",
        json={"username": "ann", "email": "ann.example.org", "password": "short"},
    )

    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "email: Please give a valid email address" in detail
    assert "password: Your password needs at least 10 characters." in detail
    assert raw_phrases(detail) == []


def test_an_error_without_its_limit_still_reads_as_a_sentence() -> None:
    error = {"type": "string_too_long", "loc": ("title",)}

    assert field_messages.sentence(error) == (
        "Please check the title: we can't use what was given."
    )
