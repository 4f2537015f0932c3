"""Error pages for a signed-in person, through the real per-request session.

The other tests share one test session across requests, which is never closed;
here each request has its own, as in production, so an error that rolls the
request back must still render the page with the person signed in.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app import migrate
from app.config import Settings
from app.db import session_scope
from app.main import create_app
from tests.factories import make_user
from tests.helpers import login


@pytest.fixture
def live_client(tmp_path: Path, settings: Settings) -> Iterator[TestClient]:
    own = settings.model_copy(
        update={"database_url": f"sqlite:///{tmp_path / 'errors.db'}"}
    )
    migrate.upgrade(own)
    with session_scope(own) as session:
        make_user(session, username="rowan", display_name="Rowan Signed-In")
    with TestClient(create_app(own), follow_redirects=False) as client:
        login(client, "rowan")
        yield client


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/articles/no-such-article", 404),  # a handler raised
        ("/users/nobody-here", 404),
        ("/admin/articles", 403),  # a dependency raised
        ("/no/such/page", 404),  # no route at all
    ],
)
def test_error_pages_keep_the_person_signed_in(
    live_client: TestClient, path: str, status: int
) -> None:
    response = live_client.get(path)

    assert response.status_code == status
    assert "Rowan Signed-In" in response.text
    assert "Sign out" in response.text
