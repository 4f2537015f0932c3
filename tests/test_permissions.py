"""Every route x every role: who may reach it.

The table must name every route the app has; a new route without an entry fails
`test_every_route_has_an_entry`, so nobody adds a page without deciding who sees it.
"""

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.config import Settings
from app.main import create_app
from tests.conftest import AppFactory
from tests.factories import make_user, route_targets
from tests.helpers import api_token, csrf_from, login

OK = "ok"  # served: 2xx, a redirect that is not to sign-in, or a 4xx about the input
LOGIN = "login"  # must sign in first: 303 to /login (HTML) or 401 (API)
DENY = "deny"  # signed in, but the role is not enough: 403
ROLES = ("anonymous", "member", "moderator", "admin")
PUBLIC = (OK, OK, OK, OK)
SIGNED_IN = (LOGIN, OK, OK, OK)
MODERATORS = (LOGIN, DENY, OK, OK)
ADMINS = (LOGIN, DENY, DENY, OK)
# Only the comment's own author (the matrix's comment belongs to another user).
AUTHOR_ONLY = (LOGIN, DENY, DENY, DENY)

EXPECTED: dict[tuple[str, str], tuple[str, str, str, str]] = {
    ("GET", "/"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/tags/{slug}"): PUBLIC,
    ("GET", "/articles/{slug}"): PUBLIC,
    ("GET", "/search"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    ("GET", "/register"): PUBLIC,
    ("POST", "/register"): PUBLIC,
    ("GET", "/users/{username}"): PUBLIC,
    ("GET", "/settings"): SIGNED_IN,
    ("POST", "/settings"): SIGNED_IN,
    ("POST", "/settings/password"): SIGNED_IN,
    # Personal data (issue #17): one's own download, and deleting one's account
    # (the matrix sends no password: a 422 with the form again).
    ("POST", "/settings/export"): SIGNED_IN,
    ("POST", "/settings/delete"): SIGNED_IN,
    ("GET", "/api/v1/me/export"): SIGNED_IN,
    ("DELETE", "/api/v1/me"): SIGNED_IN,
    ("GET", "/api/v1/articles"): PUBLIC,
    ("GET", "/api/v1/search"): PUBLIC,
    ("GET", "/api/v1/articles/{slug}"): PUBLIC,
    ("GET", "/api/v1/articles/{slug}/comments"): PUBLIC,
    ("POST", "/articles/{slug}/comments"): PUBLIC,
    ("GET", "/articles/{slug}/comments/{comment_id}/reply"): PUBLIC,
    ("POST", "/api/v1/articles/{slug}/comments"): PUBLIC,
    ("GET", "/api/v1/comments/{comment_id}"): PUBLIC,
    ("GET", "/comments/{comment_id}/replies"): PUBLIC,
    ("GET", "/api/v1/comments/{comment_id}/replies"): PUBLIC,
    # Editing and deleting comments: authors within the window, moderators any.
    ("GET", "/comments/{comment_id}/edit"): SIGNED_IN,
    ("POST", "/comments/{comment_id}/edit"): MODERATORS,
    ("POST", "/comments/{comment_id}/delete"): AUTHOR_ONLY,
    # (the API checks the body first: a member's empty PATCH is a 422)
    ("PATCH", "/api/v1/comments/{comment_id}"): SIGNED_IN,
    ("DELETE", "/api/v1/comments/{comment_id}"): AUTHOR_ONLY,
    # A comment's earlier versions (issue #18): its author and moderators.
    ("GET", "/comments/{comment_id}/revisions"): MODERATORS,
    ("GET", "/api/v1/comments/{comment_id}/revisions"): MODERATORS,
    ("GET", "/moderation"): MODERATORS,
    ("POST", "/moderation/comments/{comment_id}/{decision}"): MODERATORS,
    ("POST", "/moderation/bulk"): MODERATORS,
    ("GET", "/moderation/log"): MODERATORS,
    ("POST", "/articles/{slug}/close"): MODERATORS,
    ("POST", "/articles/{slug}/reopen"): MODERATORS,
    ("POST", "/comments/{comment_id}/lock"): MODERATORS,
    ("POST", "/comments/{comment_id}/unlock"): MODERATORS,
    ("GET", "/api/v1/moderation/queue"): MODERATORS,
    ("POST", "/api/v1/moderation/comments/{comment_id}/{decision}"): MODERATORS,
    ("POST", "/api/v1/moderation/bulk"): MODERATORS,
    ("GET", "/api/v1/moderation/log"): MODERATORS,
    # Moderator insights (issue #19): the charts, their CSVs and the figures.
    ("GET", "/moderation/insights"): MODERATORS,
    ("GET", "/moderation/insights/{table}.csv"): MODERATORS,
    ("GET", "/api/v1/moderation/stats"): MODERATORS,
    ("POST", "/api/v1/articles/{slug}/close"): MODERATORS,
    ("POST", "/api/v1/articles/{slug}/reopen"): MODERATORS,
    ("POST", "/api/v1/comments/{comment_id}/lock"): MODERATORS,
    ("POST", "/api/v1/comments/{comment_id}/unlock"): MODERATORS,
    ("POST", "/api/v1/moderation/comments/{comment_id}/pin"): MODERATORS,
    ("POST", "/api/v1/moderation/comments/{comment_id}/unpin"): MODERATORS,
    ("POST", "/api/v1/moderation/comments/{comment_id}/feature"): MODERATORS,
    ("POST", "/api/v1/moderation/comments/{comment_id}/unfeature"): MODERATORS,
    ("POST", "/api/v1/auth/token"): PUBLIC,
    ("DELETE", "/api/v1/auth/token"): SIGNED_IN,
    ("POST", "/api/v1/auth/register"): PUBLIC,
    ("GET", "/api/v1/me"): SIGNED_IN,
    ("GET", "/api/v1/users/{username}"): PUBLIC,
    # A member's public comment list, and a comment's permalink (redirects to its page).
    ("GET", "/api/v1/users/{username}/comments"): PUBLIC,
    ("GET", "/comments/{comment_id}"): PUBLIC,
    # Your comments (issue #14): a member's own, with where each stands.
    ("GET", "/me/comments"): SIGNED_IN,
    ("GET", "/api/v1/me/comments"): SIGNED_IN,
    # Drafts kept on the server (issue #15): a member's own, and the autosave.
    ("GET", "/me/drafts"): SIGNED_IN,
    ("POST", "/me/drafts/{slug}"): SIGNED_IN,
    ("POST", "/me/drafts/{slug}/discard"): SIGNED_IN,
    ("GET", "/api/v1/me/drafts"): SIGNED_IN,
    ("GET", "/api/v1/me/drafts/{article_slug}"): SIGNED_IN,
    ("PUT", "/api/v1/me/drafts/{article_slug}"): SIGNED_IN,
    ("DELETE", "/api/v1/me/drafts/{article_slug}"): SIGNED_IN,
    # Mail (issue #14): password reset, confirming addresses, mail choices, and
    # the links in mail, which carry their own permission (a signed token).
    ("GET", "/forgot-password"): PUBLIC,
    ("POST", "/forgot-password"): PUBLIC,
    ("GET", "/reset-password/{token}"): PUBLIC,
    ("POST", "/reset-password/{token}"): PUBLIC,
    ("GET", "/confirm-email/{token}"): PUBLIC,
    ("GET", "/sign-up/{token}"): PUBLIC,
    ("POST", "/settings/confirm-email"): SIGNED_IN,
    ("GET", "/unsubscribe/{token}"): PUBLIC,
    ("POST", "/unsubscribe/{token}"): PUBLIC,
    ("GET", "/guest-replies/{token}"): PUBLIC,
    ("POST", "/api/v1/auth/password-reset"): PUBLIC,
    ("POST", "/api/v1/auth/password-reset/confirm"): PUBLIC,
    ("POST", "/api/v1/auth/confirm-email"): PUBLIC,
    ("POST", "/api/v1/auth/sign-up/confirm"): PUBLIC,
    ("PATCH", "/api/v1/me"): SIGNED_IN,
    ("POST", "/api/v1/me/confirm-email"): SIGNED_IN,
    ("POST", "/api/v1/unsubscribe/{token}"): PUBLIC,
    ("POST", "/api/v1/guest-replies/{token}"): PUBLIC,
    ("POST", "/api/v1/users/{username}/ban"): MODERATORS,
    ("POST", "/api/v1/users/{username}/unban"): MODERATORS,
    # Part D (issue #5): bans, moderator notes, a member's moderation record.
    ("GET", "/users/{username}/moderation"): MODERATORS,
    ("POST", "/users/{username}/ban"): MODERATORS,
    ("POST", "/users/{username}/unban"): MODERATORS,
    ("POST", "/users/{username}/notes"): MODERATORS,
    ("GET", "/api/v1/users/{username}/moderation"): MODERATORS,
    ("POST", "/api/v1/users/{username}/notes"): MODERATORS,
    # Part C (issue #5): reader flags, and moderators keeping a reported comment.
    ("GET", "/comments/{comment_id}/flag"): SIGNED_IN,
    ("POST", "/comments/{comment_id}/flag"): SIGNED_IN,
    ("POST", "/api/v1/comments/{comment_id}/flag"): SIGNED_IN,
    ("POST", "/moderation/flags/{comment_id}/dismiss"): MODERATORS,
    # Crisis support (issue #15): an urgent comment's author was looked after.
    ("POST", "/moderation/urgent/{comment_id}/handled"): MODERATORS,
    ("POST", "/api/v1/moderation/urgent/{comment_id}/handled"): MODERATORS,
    ("POST", "/api/v1/moderation/flags/{comment_id}/dismiss"): MODERATORS,
    # Community care (issue #15): editor's notes and content notes on comments.
    ("POST", "/moderation/comments/{comment_id}/note"): MODERATORS,
    ("POST", "/moderation/comments/{comment_id}/note/delete"): MODERATORS,
    # Pinned and featured comments (issue #19): the HTML twins of the API's.
    ("POST", "/moderation/comments/{comment_id}/pin"): MODERATORS,
    ("POST", "/moderation/comments/{comment_id}/unpin"): MODERATORS,
    ("POST", "/moderation/comments/{comment_id}/feature"): MODERATORS,
    ("POST", "/moderation/comments/{comment_id}/unfeature"): MODERATORS,
    ("POST", "/moderation/comments/{comment_id}/content-note"): MODERATORS,
    ("POST", "/api/v1/moderation/comments/{comment_id}/note"): MODERATORS,
    ("DELETE", "/api/v1/moderation/comments/{comment_id}/note"): MODERATORS,
    ("PUT", "/api/v1/moderation/comments/{comment_id}/content-note"): MODERATORS,
    # Members-only comments (issue #19): moderators set a comment's visibility.
    ("POST", "/moderation/comments/{comment_id}/visibility"): MODERATORS,
    ("POST", "/api/v1/moderation/comments/{comment_id}/visibility"): MODERATORS,
    ("POST", "/users/{username}/badge"): ADMINS,
    ("PUT", "/api/v1/users/{username}/badge"): ADMINS,
    # In-memoriam profiles (issue #19): administrators only.
    ("POST", "/users/{username}/memorial"): ADMINS,
    ("POST", "/users/{username}/memorial/remove"): ADMINS,
    ("POST", "/api/v1/users/{username}/memorial"): ADMINS,
    ("DELETE", "/api/v1/users/{username}/memorial"): ADMINS,
    # Community guidelines (issue #15): read by anyone, written by admins.
    ("GET", "/guidelines"): PUBLIC,
    ("GET", "/api/v1/guidelines"): PUBLIC,
    ("GET", "/admin/guidelines"): ADMINS,
    ("POST", "/admin/guidelines"): ADMINS,
    ("PUT", "/api/v1/guidelines"): ADMINS,
    # Part A (issue #5): site settings and canned rejection reasons.
    ("GET", "/admin/settings"): ADMINS,
    ("POST", "/admin/settings"): ADMINS,
    ("POST", "/admin/settings/canned-reasons"): ADMINS,
    ("POST", "/admin/settings/canned-reasons/{reason_id}"): ADMINS,
    ("POST", "/admin/settings/canned-reasons/{reason_id}/delete"): ADMINS,
    ("GET", "/api/v1/settings"): ADMINS,
    ("PATCH", "/api/v1/settings"): ADMINS,
    ("GET", "/api/v1/canned-reasons"): MODERATORS,
    ("POST", "/api/v1/canned-reasons"): ADMINS,
    ("PATCH", "/api/v1/canned-reasons/{reason_id}"): ADMINS,
    ("DELETE", "/api/v1/canned-reasons/{reason_id}"): ADMINS,
    ("GET", "/admin/articles"): ADMINS,
    ("GET", "/admin/articles/new"): ADMINS,
    ("POST", "/admin/articles/new"): ADMINS,
    ("GET", "/articles/{slug}/edit"): ADMINS,
    ("POST", "/articles/{slug}/edit"): ADMINS,
    ("POST", "/articles/{slug}/publish"): ADMINS,
    ("POST", "/articles/{slug}/unpublish"): ADMINS,
    ("POST", "/api/v1/articles"): ADMINS,
    ("PATCH", "/api/v1/articles/{slug}"): ADMINS,
    ("GET", "/api/v1/openapi.json"): PUBLIC,
    ("GET", "/api/v1/docs"): PUBLIC,
    ("GET", "/api/v1/docs/oauth2-redirect"): PUBLIC,
    # Atom feeds (issue #17), and the addresses readers guess for the site's.
    ("GET", "/feeds/articles.atom"): PUBLIC,
    ("GET", "/feeds/tags/{slug}.atom"): PUBLIC,
    ("GET", "/feeds/articles/{slug}/comments.atom"): PUBLIC,
    ("GET", "/feed"): PUBLIC,
    ("GET", "/rss"): PUBLIC,
    ("GET", "/atom.xml"): PUBLIC,
}


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, full path) of every route, including those of included routers."""
    found: set[tuple[str, str]] = set()
    for context in iter_route_contexts(app.routes):
        path = context.path
        if not context.methods or path is None:
            continue  # the /static mount
        found.update((method, path) for method in context.methods if method != "HEAD")
    return found


def test_every_route_has_an_entry(settings: Settings) -> None:
    routes = app_routes(create_app(settings))
    assert routes - set(EXPECTED) == set(), "add the new routes to EXPECTED"
    assert set(EXPECTED) - routes == set(), "EXPECTED names routes that no longer exist"


def test_api_routes_are_all_under_api_v1(settings: Settings) -> None:
    for context in iter_route_contexts(create_app(settings).routes):
        if context.name and context.name.startswith("api.") and context.path:
            assert context.path.startswith("/api/v1/"), context.path


def classify(response_status: int, location: str, *, api: bool) -> str:
    if api and response_status == 401:
        return LOGIN
    if not api and response_status == 303 and location.startswith("/login"):
        return LOGIN
    if response_status == 403:
        return DENY
    if response_status < 500:
        return OK
    return f"error {response_status}"


@pytest.fixture
def fill(session: Session) -> dict[str, str]:
    return route_targets(session, decision="spam")


def signed_in_client(
    app: FastAPI, session: Session, role: str
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with TestClient(app, follow_redirects=False) as client:
        headers: dict[str, str] = {}
        if role != "anonymous":
            user = make_user(
                session, role=Role(role) if role != "member" else Role.MEMBER
            )
            login(client, user.username)
            headers = {"Authorization": f"Bearer {api_token(client, user.username)}"}
        yield client, headers


@pytest.mark.parametrize(("method", "path"), sorted(EXPECTED))
def test_route_answers_each_role_as_expected(
    app_factory: AppFactory,
    session: Session,
    fill: dict[str, str],
    method: str,
    path: str,
) -> None:
    app = app_factory()
    url = path
    for placeholder, value in fill.items():
        url = url.replace(placeholder, value)
    api = path.startswith("/api/")
    seen = []
    for role in ROLES:
        for client, headers in signed_in_client(app, session, role):
            if api:
                response = client.request(
                    method, url, headers=headers, json={} if method != "GET" else None
                )
            elif method == "GET":
                response = client.get(url)
            else:
                form_page = "/login" if role == "anonymous" else "/settings"
                token = csrf_from(client.get(form_page).text)
                response = client.request(method, url, data={"csrf_token": token})
            seen.append(
                classify(
                    response.status_code, response.headers.get("location", ""), api=api
                )
            )
    assert tuple(seen) == EXPECTED[(method, path)]
