"""The medical-claim lane (issue #15): reports of a misleading medical claim
have their own queue view, even below the hiding threshold, and a moderator
may answer the comment with an editor's note instead of removing it."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.articles.models import Article
from app.comments import reporting, standing
from app.comments.models import Comment, CommentStatus, Flag, FlagReason, QueueStatus
from app.comments.schemas import FlagCreate
from app.moderation.models import ActionKind, ModerationAction
from tests.factories import make_comment, make_trusted_member, make_user
from tests.helpers import login, post_form

CLAIM = "Stop your DMT and take vitamin D megadoses: it cured me."
NOTE = "High-dose vitamin D is not a treatment for MS; talk to your MS team."
EVIDENCE = "https://www.mssociety.org.uk/about-ms/treatments-and-therapies"


@pytest.fixture
def claim(session: Session, article: Article) -> Comment:
    return make_comment(session, article, author=make_user(session), body=CLAIM)


def report(session: Session, comment: Comment, *reasons: FlagReason) -> None:
    for reason in reasons:
        reporting.flag_comment(
            session,
            comment.id,
            FlagCreate(reason=reason, note="Dangerous" if reason == "other" else None),
            actor=make_trusted_member(session),
        )


def counts_are_exact(session: Session) -> None:
    assert standing.queue_counts(session) == standing.counted(session)


def test_one_report_puts_a_claim_in_the_medical_view(
    session: Session, mod_api: TestClient, mod_client: TestClient, claim: Comment
) -> None:
    report(session, claim, FlagReason.MEDICAL_CLAIM)

    body = mod_api.get("/api/v1/moderation/queue?status=medical").json()
    assert [item["id"] for item in body["items"]] == [claim.id]
    assert body["counts"]["medical"] == 1
    assert claim.hidden_at is None  # one report hides nothing
    counts_are_exact(session)
    page = mod_client.get("/moderation?status=medical").text
    assert "Medical claims" in page
    assert "Misleading medical claim" in page
    assert f'action="/moderation/comments/{claim.id}/note"' in page


def test_other_reports_stay_out_of_the_medical_view(
    session: Session, mod_api: TestClient, claim: Comment
) -> None:
    report(session, claim, FlagReason.ABUSIVE)

    assert mod_api.get("/api/v1/moderation/queue?status=medical").json()["items"] == []
    flagged = mod_api.get("/api/v1/moderation/queue?status=flagged").json()
    assert [item["id"] for item in flagged["items"]] == [claim.id]
    counts_are_exact(session)


def test_an_empty_medical_view_says_so(mod_client: TestClient) -> None:
    page = mod_client.get("/moderation?status=medical").text
    assert "No medical claims reported" in page


def test_an_editors_note_answers_the_claim_and_readers_see_it(
    session: Session,
    client: TestClient,
    mod_api: TestClient,
    moderator: User,
    article: Article,
    claim: Comment,
) -> None:
    report(session, claim, FlagReason.MEDICAL_CLAIM, FlagReason.MEDICAL_CLAIM)
    page = f"/articles/{article.slug}"
    assert "Editor's note" not in client.get(page).text  # cached without it

    response = mod_api.post(
        f"/api/v1/moderation/comments/{claim.id}/note",
        json={"text": f"  {NOTE} ", "url": EVIDENCE},
    )

    assert response.status_code == 200
    assert response.json() == {
        "id": claim.id,
        "content_note": None,
        "editor_note": {"text": NOTE, "url": EVIDENCE},
    }
    shown = client.get(page).text
    assert f"<strong>Editor's note:</strong> {NOTE}" in shown
    assert (
        f'<a href="{EVIDENCE}" rel="nofollow noopener">Read the evidence</a>' in shown
    )
    assert CLAIM.replace("'", "&#39;") in shown  # kept, not removed
    items = client.get(f"/api/v1/articles/{article.slug}/comments").json()["items"]
    node = next(item for item in items if item["id"] == claim.id)
    assert node["editor_note"] == {"text": NOTE, "url": EVIDENCE}
    # The reports are answered: the claim leaves the view.
    assert mod_api.get("/api/v1/moderation/queue?status=medical").json()["items"] == []
    assert not session.scalars(
        select(Flag).where(Flag.comment_id == claim.id, Flag.resolved_at.is_(None))
    ).all()
    counts_are_exact(session)
    (entry,) = session.scalars(
        select(ModerationAction).where(
            ModerationAction.action == ActionKind.EDITOR_NOTE
        )
    )
    assert (entry.actor_id, entry.comment_id) == (moderator.id, claim.id)
    assert entry.reason == f"{NOTE} ({EVIDENCE})"


def test_the_note_can_be_edited_and_removed_audited(
    session: Session,
    client: TestClient,
    mod_api: TestClient,
    article: Article,
    claim: Comment,
) -> None:
    url = f"/api/v1/moderation/comments/{claim.id}/note"
    mod_api.post(url, json={"text": "First wording."})
    replaced = mod_api.post(url, json={"text": "Better wording.", "url": ""})
    assert replaced.json()["editor_note"] == {"text": "Better wording.", "url": None}
    assert "Better wording." in client.get(f"/articles/{article.slug}").text

    removed = mod_api.delete(url)
    assert removed.status_code == 200
    assert removed.json()["editor_note"] is None
    assert mod_api.delete(url).status_code == 409
    assert "Editor's note" not in client.get(f"/articles/{article.slug}").text
    reasons = session.scalars(
        select(ModerationAction.reason)
        .where(
            ModerationAction.action.in_(
                (ActionKind.EDITOR_NOTE, ActionKind.REMOVE_EDITOR_NOTE)
            )
        )
        .order_by(ModerationAction.id)
    ).all()
    assert reasons == [
        "First wording.",
        "Replaced: Better wording.",
        "Removed: Better wording.",
    ]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"text": ""}, "Please write the note"),
        ({"text": "x", "url": "javascript:alert(1)"}, "full web address"),
        ({"text": "x", "url": "https://a b"}, "full web address"),
        ({"text": "a\x00b"}, "control character"),
        ({"text": "x" * 1001}, "at most 1000"),
    ],
)
def test_a_bad_note_is_refused(
    session: Session,
    mod_api: TestClient,
    claim: Comment,
    body: dict[str, str],
    problem: str,
) -> None:
    response = mod_api.post(f"/api/v1/moderation/comments/{claim.id}/note", json=body)
    assert response.status_code == 422
    assert problem in str(response.json())
    session.refresh(claim)
    assert claim.editor_note is None


def test_only_a_published_comment_takes_a_note(
    session: Session, mod_api: TestClient, article: Article
) -> None:
    waiting = make_comment(session, article, status=CommentStatus.PENDING)
    response = mod_api.post(
        f"/api/v1/moderation/comments/{waiting.id}/note", json={"text": "No."}
    )
    assert response.status_code == 409


def test_a_hidden_claim_shows_again_once_no_report_is_left_open(
    session: Session, mod_api: TestClient, claim: Comment
) -> None:
    report(session, claim, *[FlagReason.MEDICAL_CLAIM] * 3)  # the threshold hides it
    session.refresh(claim)
    assert claim.hidden_at is not None

    mod_api.post(f"/api/v1/moderation/comments/{claim.id}/note", json={"text": NOTE})

    session.refresh(claim)
    assert claim.hidden_at is None
    counts_are_exact(session)


def test_other_open_reports_keep_a_hidden_claim_hidden_and_flagged(
    session: Session, mod_api: TestClient, claim: Comment
) -> None:
    report(
        session,
        claim,
        FlagReason.MEDICAL_CLAIM,
        FlagReason.MEDICAL_CLAIM,
        FlagReason.ABUSIVE,
    )

    mod_api.post(f"/api/v1/moderation/comments/{claim.id}/note", json={"text": NOTE})

    session.refresh(claim)
    assert claim.hidden_at is not None
    flagged = mod_api.get("/api/v1/moderation/queue?status=flagged").json()
    assert [item["id"] for item in flagged["items"]] == [claim.id]
    assert mod_api.get("/api/v1/moderation/queue?status=medical").json()["items"] == []
    counts_are_exact(session)


def test_dismissing_or_removing_a_claim_empties_the_medical_view(
    session: Session, mod_api: TestClient, article: Article, claim: Comment
) -> None:
    other = make_comment(session, article, body="Another claim")
    report(session, claim, FlagReason.MEDICAL_CLAIM)
    report(session, other, FlagReason.MEDICAL_CLAIM)
    assert standing.queue_counts(session)[QueueStatus.MEDICAL] == 2

    mod_api.post(f"/api/v1/moderation/flags/{claim.id}/dismiss")
    mod_api.post(
        f"/api/v1/moderation/comments/{other.id}/remove", json={"seen": "approved"}
    )

    assert standing.queue_counts(session)[QueueStatus.MEDICAL] == 0
    counts_are_exact(session)


def test_the_queue_form_adds_a_note(
    session: Session, mod_client: TestClient, claim: Comment
) -> None:
    report(session, claim, FlagReason.MEDICAL_CLAIM)
    response = post_form(
        mod_client,
        "/moderation?status=medical",
        f"/moderation/comments/{claim.id}/note",
        {"text": NOTE, "url": EVIDENCE, "next": "/moderation?status=medical"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/moderation?status=medical"
    after = mod_client.get(response.headers["location"]).text
    assert "Editor&#39;s note added under the comment" in after
    session.refresh(claim)
    assert (claim.editor_note, claim.editor_note_url) == (NOTE, EVIDENCE)


def test_the_queue_form_says_what_is_wrong_with_a_bad_link(
    session: Session, mod_client: TestClient, claim: Comment
) -> None:
    response = post_form(
        mod_client,
        "/moderation?status=medical",
        f"/moderation/comments/{claim.id}/note",
        {"text": NOTE, "url": "ftp://x", "next": "/moderation?status=medical"},
    )
    assert response.status_code == 303
    assert "full web address" in mod_client.get(response.headers["location"]).text
    session.refresh(claim)
    assert claim.editor_note is None


def test_the_moderator_tools_under_a_comment_edit_and_remove_the_note(
    session: Session, mod_client: TestClient, article: Article, claim: Comment
) -> None:
    page = f"/articles/{article.slug}"
    back = f"{page}#comment-{claim.id}"
    post_form(
        mod_client,
        page,
        f"/moderation/comments/{claim.id}/note",
        {"text": NOTE, "next": back},
    )
    thread = mod_client.get(page).text
    assert f'action="/moderation/comments/{claim.id}/note/delete"' in thread
    assert f">{NOTE}</textarea>" in thread

    removed = post_form(
        mod_client, page, f"/moderation/comments/{claim.id}/note/delete", {"next": back}
    )
    assert removed.headers["location"] == back
    session.refresh(claim)
    assert claim.editor_note is None


def test_the_report_form_offers_the_medical_claim_reason(
    session: Session, client: TestClient, claim: Comment
) -> None:
    reader = make_user(session)
    login(client, reader.username)
    form = client.get(f"/comments/{claim.id}/flag").text
    assert 'value="medical_claim"' in form
    assert "A misleading medical claim" in form


def test_the_queue_api_carries_the_notes_a_comment_has(
    session: Session, mod_api: TestClient, claim: Comment
) -> None:
    claim.content_note = "end of life"
    claim.editor_note, claim.editor_note_url = NOTE, EVIDENCE
    report(session, claim, FlagReason.MEDICAL_CLAIM)

    (item,) = mod_api.get("/api/v1/moderation/queue?status=medical").json()["items"]

    assert item["content_note"] == "end of life"
    assert item["editor_note"] == {"text": NOTE, "url": EVIDENCE}
