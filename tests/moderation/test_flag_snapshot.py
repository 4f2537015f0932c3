"""A report keeps the comment as it read when reported (#19, point 4): an edit
after the report can't hide what was reported, and moderators see both."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.articles.models import Article
from app.comments import editing, reporting
from app.comments.models import Comment, FlagReason
from app.comments.schemas import FlagCreate
from app.moderation import flag_queries
from tests.factories import make_article, make_comment, make_trusted_member, make_user

FLAGGED = "/moderation?status=flagged"
QUEUE_API = "/api/v1/moderation/queue?status=flagged"


@pytest.fixture
def article(session: Session) -> Article:
    return make_article(session, title="Fatigue and heat")


def reported(session: Session, article: Article, body: str) -> Comment:
    comment = make_comment(session, article, body=body)
    reporting.flag_comment(
        session,
        comment.id,
        FlagCreate(reason=FlagReason.ABUSIVE),
        actor=make_trusted_member(session),
    )
    return comment


def rewrite(session: Session, comment: Comment, body: str) -> None:
    """A moderator's edit applies at once, so the published text changes."""
    editor = make_user(session, role=Role.MODERATOR)
    editing.edit_comment(session, comment, body, actor=editor)


def test_a_report_keeps_the_text_as_it_was_when_reported(
    session: Session, article: Article
) -> None:
    comment = make_comment(session, article, body="You are **all** fools")
    flag = reporting.flag_comment(
        session,
        comment.id,
        FlagCreate(reason=FlagReason.ABUSIVE),
        actor=make_trusted_member(session),
    )
    rewrite(session, comment, "Have a nice day")

    assert flag.snapshot_body == "You are **all** fools"
    assert flag.snapshot_html is not None
    assert "<strong>all</strong>" in flag.snapshot_html
    assert "nice day" in comment.body_html


def test_moderators_see_both_versions_when_edited_since_the_report(
    session: Session, article: Article, mod_client: TestClient, mod_api: TestClient
) -> None:
    comment = reported(session, article, "You are **all** fools")
    rewrite(session, comment, "Have a nice day")

    html = mod_client.get(FLAGGED).text
    item = html[html.index(f'id="queue-{comment.id}"') :]
    assert "Edited since it was reported" in item
    assert "Have a nice day" in item
    assert "You are <strong>all</strong> fools" in item

    [entry] = mod_api.get(QUEUE_API).json()["items"]
    assert "nice day" in entry["body_html"]
    assert "<strong>all</strong>" in entry["reported_html"]
    assert entry["flags"][0]["snapshot_body"] == "You are **all** fools"


def test_an_unedited_report_shows_no_second_version(
    session: Session, article: Article, mod_client: TestClient, mod_api: TestClient
) -> None:
    comment = reported(session, article, "Plain words")

    html = mod_client.get(FLAGGED).text
    assert f'id="queue-{comment.id}"' in html
    assert "Edited since it was reported" not in html
    [entry] = mod_api.get(QUEUE_API).json()["items"]
    assert entry["reported_html"] is None
    assert entry["flags"][0]["snapshot_body"] == "Plain words"


def test_reports_from_before_snapshots_show_as_before(
    session: Session, article: Article, mod_client: TestClient, mod_api: TestClient
) -> None:
    comment = reported(session, article, "Older words")
    [flag] = flag_queries.open_flags(session, [comment.id])[comment.id]
    flag.snapshot_body = flag.snapshot_html = None
    rewrite(session, comment, "Newer words")

    html = mod_client.get(FLAGGED).text
    assert "Newer words" in html
    assert "Edited since it was reported" not in html
    [entry] = mod_api.get(QUEUE_API).json()["items"]
    assert entry["reported_html"] is None
    assert entry["flags"][0]["snapshot_body"] is None
    assert entry["flags"][0]["snapshot_html"] is None
