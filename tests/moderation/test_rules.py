"""The policy's rules: word and link screening, its disguises, and trust (issue #5, part A)."""

import sys
import unicodedata
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.articles.models import Article
from app.comments import service as comments_service
from app.comments.models import Comment, CommentStatus
from app.comments.schemas import CommentCreate
from app.db import utcnow
from app.markup import render_markdown
from app.moderation import rules
from app.moderation import service as moderation_service
from app.moderation.models import ActionKind, Decision, ModerationAction
from app.moderation.policy import Policy, update_policy
from app.moderation.schemas import PolicyUpdate
from tests.conftest import AppFactory, QueryCounter
from tests.factories import make_comment, make_user
from tests.helpers import api_token, login
from tests.moderation.pages import hidden_fields

POLICY = Policy(
    hold_words=("miracle cure", "cure", "ﬁx"), spam_words=("casino",), max_links=2
)


def wide(text: str) -> str:
    """The full-width form of ASCII letters, which NFKC folds back."""
    return "".join(chr(ord(letter) + 0xFEE0) for letter in text)


def post_html(client: TestClient, article: Article, body: str) -> str:
    """Send the comment form under the article; the text of the page it leads to."""
    page = client.get(f"/articles/{article.slug}").text
    # Every hidden field the form carries (CSRF, and the spam defence's token).
    data = {**hidden_fields(page), "body": body, "action": "post"}
    response = client.post(f"/articles/{article.slug}/comments", data=data)
    assert response.status_code == 303, response.text
    return client.get(response.headers["location"]).text


def verdict(body: str, policy: Policy = POLICY) -> rules.Verdict:
    return rules.screen(body, render_markdown(body), policy)


@pytest.mark.parametrize(
    "body",
    [
        "Try this MIRACLE CURE today",  # case
        "Try this Miracle Cure today",
        "Try this mírácle cüre today",  # accents
        "Try this mira\u0301cle cure today",  # a combining accent
        "Try this mir\u200bacle cu\u200cre today",  # zero-width space, non-joiner
        "Try this mi\u200dracle\u2060 cure\ufeff today",  # joiner, word joiner, BOM
        "Try this mir\u00adacle cure today",  # soft hyphen
        f"Try this {wide('miracle')} {wide('cure')} today",  # full-width letters (NFKC)
        "Try this miracle\ncure today",  # a phrase across a line break
        "Try this miracle \n\n   cure today",  # ... and across paragraphs
        "Try this miracle\u00a0\u2003cure today",  # odd spaces
        "Try this mir**acle** cure today",  # markup splitting the word
        "Try this mira&#99;le cure today",  # an HTML entity
    ],
)
def test_hold_phrase_survives_disguises(body: str) -> None:
    result = verdict(body)
    assert result.status_hint is CommentStatus.PENDING
    assert 'Contains "miracle cure" (hold list)' in result.reasons


# Every invisible character a word can hide behind: the whole format (Cf)
# category (bidi controls, tag characters and U+180E among them), the variation
# selectors and the tag characters.
FORMAT_CHARS = [
    chr(point)
    for point in range(sys.maxunicode + 1)
    if unicodedata.category(chr(point)) == "Cf"
]
VARIATION_SELECTORS = [chr(p) for p in range(0xFE00, 0xFE10)] + [
    chr(p) for p in range(0xE0100, 0xE01F0)
]
TAG_CHARS = [chr(p) for p in range(0xE0000, 0xE0080)]
BIDI_CONTROLS = [chr(p) for p in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F))]
BIDI_CONTROLS += [chr(p) for p in range(0x2066, 0x206A)]
ENTITIES = [
    "&#8203;",
    "&#x200B;",
    "&zwj;",
    "&zwnj;",
    "&lrm;",
    "&rlm;",
    "&shy;",
    "&#xFE0F;",
    "&#917505;",
    "&#x202E;",
    "&#8294;",
]


@pytest.mark.parametrize(
    "hidden",
    [
        pytest.param(FORMAT_CHARS, id="format-Cf"),
        pytest.param(VARIATION_SELECTORS, id="variation-selectors"),
        pytest.param(TAG_CHARS, id="tag-characters"),
        pytest.param(BIDI_CONTROLS, id="bidi-controls"),
        pytest.param(ENTITIES, id="html-entities"),
    ],
)
def test_no_invisible_character_hides_a_listed_word(hidden: list[str]) -> None:
    policy = Policy(hold_words=("miracle cure",), spam_words=("casino",))
    missed = [
        mark.encode("unicode_escape").decode()
        for mark in hidden
        for body in (f"Try this mir{mark}acle cure", f"Play ca{mark}si{mark}no now")
        if not verdict(body, policy).reasons
    ]
    assert missed == []


@pytest.mark.parametrize(
    ("body", "listed"),
    [
        ("Try this mir\u0430cle cure", "miracle cure"),  # Cyrillic a
        ("Try this miracl\u0435 cur\u0435", "miracle cure"),  # Cyrillic ie
        ("Play casin\u043e", "casino"),  # Cyrillic o
        ("Play \u0441asino", "casino"),  # Cyrillic es
        ("Play casin\u03bf", "casino"),  # Greek omicron
        ("Play \u0441\u0430sin\u043e", "casino"),  # three at once
        ("Try this m\u0456racle cure", "miracle cure"),  # Ukrainian i
        ("Play \uff43\uff41\uff53\uff49\uff4e\uff4f", "casino"),  # fullwidth
        ("Play \U0001d41c\U0001d41a\U0001d42c\U0001d422\U0001d427\U0001d428", "casino"),
        ("Play CAS\u0406NO", "casino"),  # Cyrillic capital I
        ("Play c&#1072;sino", "casino"),  # a look-alike as an HTML entity
    ],
    ids=[
        "cyrillic-a",
        "cyrillic-e",
        "cyrillic-o",
        "cyrillic-es",
        "greek-omicron",
        "mixed",
        "ukrainian-i",
        "fullwidth",
        "math-bold",
        "cyrillic-capital-i",
        "entity",
    ],
)
def test_look_alike_letters_still_match_a_listed_word(body: str, listed: str) -> None:
    policy = Policy(hold_words=("miracle cure",), spam_words=("casino",))
    assert any(f'"{listed}"' in reason for reason in verdict(body, policy).reasons)


def test_matching_never_changes_the_stored_text(
    session: Session, article: Article
) -> None:
    body = "A c\u0430sino\u200b tip \U0001f44d\ufe0f"
    comment = post(session, article, make_user(session), body)
    assert comment.body == body


@pytest.mark.parametrize(
    "body",
    ["Our secure clinic", "It cured nothing", "procure it", "A miraclecure", "fixed"],
)
def test_words_match_only_on_word_boundaries(body: str) -> None:
    assert verdict(body) == rules.Verdict(None)


def test_ligature_folds_to_the_listed_word() -> None:
    # The list says "ﬁx" with a ligature; plain "fix" and full-width both match.
    assert verdict("Can you fix it").reasons == ('Contains "ﬁx" (hold list)',)
    assert verdict(f"Can you {wide('fix')} it").status_hint is CommentStatus.PENDING
    assert rules.find_words(("file",), "the ﬁle") == ["file"]


def test_spam_word_wins_over_hold_and_names_every_reason() -> None:
    result = verdict(
        "Best CASINO, a cure! [a](https://a.example.org) https://b.example.org"
    )
    assert result.status_hint is CommentStatus.SPAM
    assert result.reason == (
        'Contains "casino" (spam list); Contains "cure" (hold list)'
    )


def test_links_over_the_limit_are_held_with_the_count() -> None:
    two = "See https://a.example.org and https://b.example.org"
    three = two + " and [c](https://c.example.org)"
    assert verdict(two) == rules.Verdict(None)
    assert verdict(three).reason == "3 links (limit 2)"
    both = verdict(three + " for a miracle cure")
    assert both.reason == 'Contains "miracle cure" (hold list); 3 links (limit 2)'


def test_empty_lists_hold_nothing() -> None:
    assert rules.screen("casino cure", "<p>casino cure</p>", Policy()).reasons == ()


# ---- posting through the service -------------------------------------------------


@pytest.fixture
def strict(session: Session, admin: User) -> Policy:
    return update_policy(
        session,
        PolicyUpdate(hold_words=["miracle cure"], spam_words=["casino"], max_links=1),
        actor=admin,
    )


def post(
    session: Session, article: Article, author: User | None, body: str = "Hello"
) -> Comment:
    data = CommentCreate(
        body=body,
        guest_name=None if author else "Guest",
        guest_email=None if author else "guest@example.org",
    )
    return comments_service.post_comment(
        session, article, data, actor=author, allow_guests=True
    )


def trusted_member(session: Session, article: Article) -> User:
    member = make_user(session)
    make_comment(session, article, author=member)
    return member


def test_member_without_approved_comments_waits(
    session: Session, article: Article
) -> None:
    comment = post(session, article, make_user(session))
    assert comment.status == CommentStatus.PENDING
    assert comment.held_reason is None


def test_member_at_the_threshold_is_published(
    session: Session, article: Article
) -> None:
    assert post(session, article, trusted_member(session, article)).status == (
        CommentStatus.APPROVED
    )


def test_threshold_counts_approved_comments_only(
    session: Session, article: Article, admin: User
) -> None:
    update_policy(session, PolicyUpdate(trust_threshold=3), actor=admin)
    member = make_user(session)
    for _ in range(2):
        make_comment(session, article, author=member)
    for status in (CommentStatus.PENDING, CommentStatus.REMOVED):
        make_comment(session, article, author=member, status=status)
    assert post(session, article, member, "one").status == CommentStatus.PENDING
    make_comment(session, article, author=member)
    assert post(session, article, member, "two").status == CommentStatus.APPROVED


def test_threshold_zero_trusts_every_member_but_no_guest(
    session: Session, article: Article, admin: User
) -> None:
    update_policy(session, PolicyUpdate(trust_threshold=0), actor=admin)
    assert post(session, article, make_user(session)).status == CommentStatus.APPROVED
    assert post(session, article, None).status == CommentStatus.PENDING


def refuse(
    session: Session,
    comment: Comment,
    decision: Decision,
    moderator: User,
    days_ago: int,
) -> None:
    """A moderator's refusal of ``comment``, as if taken ``days_ago``."""
    moderation_service.decide(session, comment, decision, actor=moderator)
    session.execute(
        update(ModerationAction)
        .where(ModerationAction.comment_id == comment.id)
        .values(created_at=utcnow() - timedelta(days=days_ago))
    )
    comment.decided_at = utcnow() - timedelta(days=days_ago)
    session.flush()


@pytest.mark.parametrize("refusal", [Decision.REJECT, Decision.SPAM])
@pytest.mark.parametrize(("days_ago", "trusted"), [(29, False), (31, True)])
def test_recent_refusal_withdraws_trust_for_30_days(
    session: Session,
    article: Article,
    moderator: User,
    refusal: Decision,
    days_ago: int,
    trusted: bool,
) -> None:
    member = trusted_member(session, article)
    refused = make_comment(
        session, article, author=member, status=CommentStatus.PENDING
    )
    refuse(session, refused, refusal, moderator, days_ago)
    expected = CommentStatus.APPROVED if trusted else CommentStatus.PENDING
    assert post(session, article, member).status == expected


@pytest.mark.parametrize("refusal", [Decision.REJECT, Decision.SPAM])
def test_a_refusal_counts_whatever_becomes_of_the_comment(
    session: Session,
    client: TestClient,
    article: Article,
    moderator: User,
    refusal: Decision,
) -> None:
    """Trust can't be laundered: deleting the refused comment, or a later
    decision on it, leaves the refusal counting for its whole window."""
    member = trusted_member(session, article)
    deleted = make_comment(
        session, article, author=member, status=CommentStatus.PENDING
    )
    refuse(session, deleted, refusal, moderator, days_ago=2)
    headers = {"Authorization": f"Bearer {api_token(client, member.username)}"}
    assert (
        client.delete(f"/api/v1/comments/{deleted.id}", headers=headers).status_code
        == 200
    )
    session.refresh(deleted)
    assert deleted.status == CommentStatus.DELETED

    response = client.post(
        f"/api/v1/articles/{article.slug}/comments",
        json={"body": "My next comment"},
        headers=headers,
    )

    assert response.status_code == 201
    assert response.json()["status"] == "pending"


def test_moderators_always_and_guests_never_trusted(
    session: Session, article: Article
) -> None:
    moderator = make_user(session, role=Role.MODERATOR)
    assert post(session, article, moderator).status == CommentStatus.APPROVED
    assert rules.is_trusted(session, None, Policy(trust_threshold=0)) is False


def test_review_names_each_authors_path(session: Session, article: Article) -> None:
    policy = Policy()
    paths = {
        "moderator": make_user(session, role=Role.MODERATOR),
        "trusted": trusted_member(session, article),
        "newcomer": make_user(session),
        "guest": None,
    }
    assert {
        who: rules.review_for(session, author, policy) for who, author in paths.items()
    } == {
        "moderator": rules.Review.NONE,
        "trusted": rules.Review.RULES,
        "newcomer": rules.Review.MODERATOR,
        "guest": rules.Review.MODERATOR,
    }


def test_trust_check_is_one_query(
    session: Session, article: Article, count_queries: QueryCounter
) -> None:
    member = trusted_member(session, article)
    with count_queries() as queries:
        assert rules.is_trusted(session, member, Policy())
    assert len(queries) == 1


@pytest.mark.usefixtures("strict")
def test_trusted_author_is_still_held_by_words_and_links(
    session: Session, article: Article
) -> None:
    member = trusted_member(session, article)
    worded = post(session, article, member, "A MIRACLE\ncure!")
    linked = post(
        session, article, member, "https://a.example.org https://b.example.org"
    )
    assert (worded.status, worded.held_reason) == (
        CommentStatus.PENDING,
        'Contains "miracle cure" (hold list)',
    )
    assert (linked.status, linked.held_reason) == (
        CommentStatus.PENDING,
        "2 links (limit 1)",
    )


@pytest.mark.usefixtures("strict")
def test_spam_word_marks_spam_with_a_system_audit_row(
    session: Session, article: Article
) -> None:
    for author in (trusted_member(session, article), None):
        comment = post(session, article, author, f"Visit my {wide('casino')}")
        assert comment.status == CommentStatus.SPAM
        assert comment.decided_at is not None
        entry = session.scalars(
            select(ModerationAction).where(ModerationAction.comment_id == comment.id)
        ).one()
        assert (entry.action, entry.actor_id, entry.reason) == (
            ActionKind.SPAM,
            None,
            'Contains "casino" (spam list)',
        )


@pytest.mark.usefixtures("strict")
def test_moderators_are_not_screened(session: Session, article: Article) -> None:
    moderator = make_user(session, role=Role.MODERATOR)
    comment = post(session, article, moderator, "No casino here, no miracle cure")
    assert comment.status == CommentStatus.APPROVED
    assert comment.held_reason is None


def test_spam_verdict_withdraws_trust(
    session: Session, article: Article, strict: Policy
) -> None:
    member = trusted_member(session, article)
    post(session, article, member, "casino")
    assert not rules.is_trusted(session, member, strict)


# ---- both faces ------------------------------------------------------------------


@pytest.fixture
def member_client(
    app_factory: AppFactory, session: Session, article: Article
) -> Iterator[tuple[TestClient, User]]:
    member = trusted_member(session, article)
    with TestClient(app_factory(), follow_redirects=False) as client:
        login(client, member.username)
        yield client, member


@pytest.mark.usefixtures("strict")
def test_held_comment_over_html_says_it_waits_and_queue_says_why(
    session: Session,
    article: Article,
    member_client: tuple[TestClient, User],
    mod_client: TestClient,
) -> None:
    client, _ = member_client
    assert "awaiting moderation" in post_html(client, article, "A miracle cure")
    queue = mod_client.get("/moderation").text
    assert "Held by the site's rules:" in queue
    assert "Contains &#34;miracle cure&#34; (hold list)" in queue


@pytest.mark.usefixtures("strict")
def test_spam_over_html_is_not_called_published(
    article: Article, member_client: tuple[TestClient, User]
) -> None:
    client, _ = member_client
    followed = post_html(client, article, "casino")
    assert "awaiting moderation" in followed
    assert "is published" not in followed


@pytest.mark.usefixtures("strict")
def test_api_post_reports_held_status_and_queue_api_gives_the_reason(
    session: Session,
    article: Article,
    member_client: tuple[TestClient, User],
    mod_api: TestClient,
) -> None:
    client, member = member_client
    headers = {"Authorization": f"Bearer {api_token(client, member.username)}"}
    url = f"/api/v1/articles/{article.slug}/comments"
    held = client.post(url, json={"body": "miracle cure"}, headers=headers)
    spam = client.post(url, json={"body": "casino"}, headers=headers)
    clean = client.post(url, json={"body": "thanks"}, headers=headers)
    assert (held.status_code, held.json()["status"]) == (201, "pending")
    assert spam.json()["status"] == "spam"
    # The spam verdict just withdrew this member's trust.
    assert clean.json()["status"] == "pending"
    items = mod_api.get("/api/v1/moderation/queue").json()["items"]
    reasons = {item["id"]: item["held_reason"] for item in items}
    assert reasons[held.json()["id"]] == 'Contains "miracle cure" (hold list)'
    assert reasons[clean.json()["id"]] is None
    spam_items = mod_api.get("/api/v1/moderation/queue?status=spam").json()["items"]
    assert spam_items[0]["held_reason"] == 'Contains "casino" (spam list)'


@pytest.mark.parametrize("where", ["article", "reply page"])
def test_comment_form_tells_each_member_whether_their_comment_waits(
    session: Session, article: Article, app_factory: AppFactory, where: str
) -> None:
    parent = make_comment(session, article)
    newcomer, trusted = make_user(session), trusted_member(session, article)
    path = {
        "article": f"/articles/{article.slug}",
        "reply page": f"/articles/{article.slug}/comments/{parent.id}/reply",
    }[where]
    hints = {}
    for member in (newcomer, trusted):
        with TestClient(app_factory(), follow_redirects=False) as client:
            login(client, member.username)
            hints[member.username] = client.get(path).text
    waits = "A moderator reads your comment before it appears."
    at_once = "Your comments appear at once, unless the site&#39;s rules hold one"
    assert waits in hints[newcomer.username]
    assert at_once not in hints[newcomer.username]
    assert at_once in hints[trusted.username]
    assert waits not in hints[trusted.username]


def test_comment_form_tells_a_moderator_their_comment_appears_at_once(
    article: Article, app_factory: AppFactory, session: Session
) -> None:
    moderator = make_user(session, role=Role.MODERATOR)
    with TestClient(app_factory(), follow_redirects=False) as client:
        login(client, moderator.username)
        page = client.get(f"/articles/{article.slug}").text
    assert "As a moderator, your comment appears at once." in page
    assert "A moderator reads your comment before it appears." not in page
