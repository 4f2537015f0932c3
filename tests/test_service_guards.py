# ruff: noqa: ARG005 (every call shares one signature; some ignore a part)
"""Every moderation and admin service refuses whoever lacks the role (#16).

The route guards check roles and bans too, but the services are the rule: the
API, the pages, the CLI and the worker all reach them. Each privileged service
is called by nobody, a member and a banned moderator (admin ones also by a
moderator and a banned admin): each must raise PermissionDenied and leave
every table as it was, the audit log included. Then a moderator (or admin)
calls it, to show the refusals were about the role.

The services are found by looking at their modules, so a new one fails
`test_every_service_is_classified` until it is listed below.
"""

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

import app
from app.accounts import history, memorial
from app.accounts import service as accounts_service
from app.accounts.models import Role, User
from app.articles import service as articles_service
from app.articles.models import Article, ArticleStatus, Visibility
from app.articles.schemas import ArticleCreate, ArticleUpdate
from app.comments import editing
from app.comments.models import Comment, CommentStatus, Flag, FlagReason, QueueStatus
from app.db import utcnow
from app.errors import PermissionDenied
from app.moderation import (
    annotations,
    canned,
    guidelines,
    highlights,
    insights,
    policy,
    visibility,
)
from app.moderation import service as moderation_service
from app.moderation.models import CannedReason, Decision
from app.moderation.schemas import (
    CannedReasonIn,
    CannedReasonUpdate,
    EditorNoteIn,
    GuidelinesUpdate,
    PolicyUpdate,
)
from tests.factories import make_article, make_comment, make_user
from tests.snapshot import changed_tables, database_snapshot


@dataclass
class World:
    """What the services act on: a discussion with a pending, an approved and a
    reported comment by a member, a draft article and a canned reason."""

    member: User
    article: Article
    draft: Article
    pending: Comment
    approved: Comment
    reported: Comment
    reason: CannedReason
    # A member already remembered in memoriam (#19), for taking the mark off.
    remembered: User


Call = Callable[[Session, World, User | None], object]


def refuse_unless(allowed: bool) -> None:
    """A predicate's "no", raised like the services' own refusals."""
    if not allowed:
        raise PermissionDenied("refused")


NOTE = EditorNoteIn(text="See the guidelines.")
NEW_REASON = CannedReasonIn(label="Spam", body="Looks like spam.")
RENAMED = CannedReasonUpdate(label="Renamed")


def _policy(session: Session) -> policy.Policy:
    return policy.load_policy(session)


# Services for moderators (and admins), by qualified name.
MODERATORS: dict[str, Call] = {
    "app.moderation.service.ensure_moderator": lambda s, w, a: (
        moderation_service.ensure_moderator(a)
    ),
    "app.moderation.service.decide": lambda s, w, a: moderation_service.decide(
        s, w.pending, Decision.APPROVE, actor=a
    ),
    "app.moderation.service.decide_many": lambda s, w, a: (
        moderation_service.decide_many(s, [w.pending.id], Decision.SPAM, actor=a)
    ),
    "app.moderation.service.dismiss_flags": lambda s, w, a: (
        moderation_service.dismiss_flags(s, w.reported, actor=a)
    ),
    "app.moderation.service.mark_handled": lambda s, w, a: (
        moderation_service.mark_handled(s, w.pending, actor=a)
    ),
    "app.moderation.service.close_thread": lambda s, w, a: (
        moderation_service.close_thread(s, w.article, actor=a, reason="Done.")
    ),
    "app.moderation.service.reopen_thread": lambda s, w, a: (
        moderation_service.reopen_thread(s, w.article, actor=a)
    ),
    "app.moderation.service.set_locked": lambda s, w, a: moderation_service.set_locked(
        s, w.approved, True, actor=a
    ),
    "app.moderation.service.queue": lambda s, w, a: moderation_service.queue(
        s, status=QueueStatus.PENDING, actor=a
    ),
    "app.moderation.service.audit_log": lambda s, w, a: moderation_service.audit_log(
        s, page=1, per_page=10, actor=a
    ),
    "app.moderation.insights.stats": lambda s, w, a: insights.stats(
        s, days=30, actor=a
    ),
    "app.moderation.annotations.set_editor_note": lambda s, w, a: (
        annotations.set_editor_note(s, w.approved, NOTE, actor=a)
    ),
    "app.moderation.annotations.remove_editor_note": lambda s, w, a: (
        annotations.remove_editor_note(s, w.approved, actor=a)
    ),
    "app.moderation.annotations.set_content_note": lambda s, w, a: (
        annotations.set_content_note(s, w.approved, "grief", actor=a)
    ),
    "app.moderation.highlights.set_pinned": lambda s, w, a: highlights.set_pinned(
        s, w.approved, True, actor=a
    ),
    "app.moderation.highlights.set_featured": lambda s, w, a: highlights.set_featured(
        s, w.approved, True, actor=a
    ),
    "app.moderation.visibility.set_visibility": lambda s, w, a: (
        visibility.set_visibility(s, w.approved, Visibility.MEMBERS, actor=a)
    ),
    "app.moderation.highlights.apply": lambda s, w, a: highlights.apply(
        s, w.approved, highlights.Highlight.FEATURE, actor=a
    ),
    "app.moderation.canned.list_canned_reasons": lambda s, w, a: (
        canned.list_canned_reasons(s, actor=a)
    ),
    "app.accounts.history.add_note": lambda s, w, a: history.add_note(
        s, w.member, "Spoke to them.", actor=a
    ),
    "app.accounts.history.list_notes": lambda s, w, a: history.list_notes(
        s, w.member, actor=a
    ),
    "app.accounts.history.user_history": lambda s, w, a: history.user_history(
        s, w.member, actor=a, page=1
    ),
    "app.accounts.service.ban": lambda s, w, a: accounts_service.ban(
        s, w.member, until=None, reason="Abuse.", actor=a
    ),
    "app.accounts.service.unban": lambda s, w, a: accounts_service.unban(
        s, w.member, actor=a
    ),
    "app.accounts.service.ban_refusal": lambda s, w, a: refuse_unless(
        accounts_service.ban_refusal(w.member, actor=a) is None
    ),
    # Moderators edit anyone's comment; the author is someone else here.
    "app.comments.editing.edit_comment": lambda s, w, a: editing.edit_comment(
        s, w.approved, "Edited.", actor=a
    ),
    # A comment's earlier versions: moderators, and its author (someone else here).
    "app.comments.editing.revision_history": lambda s, w, a: editing.revision_history(
        s, w.approved.id, actor=a
    ),
    "app.accounts.history.member_comments": lambda s, w, a: history.member_comments(
        s, w.member, actor=a
    ),
}

# Services for admins only.
ADMINS: dict[str, Call] = {
    "app.moderation.policy.ensure_admin": lambda s, w, a: policy.ensure_admin(a),
    "app.moderation.policy.get_policy": lambda s, w, a: policy.get_policy(s, actor=a),
    "app.moderation.policy.update_policy": lambda s, w, a: policy.update_policy(
        s, PolicyUpdate(trust_threshold=3), actor=a
    ),
    "app.moderation.policy.store_settings": lambda s, w, a: policy.store_settings(
        s,
        {"trust_threshold": 3},
        actor=a,
    ),
    "app.moderation.canned.create_canned_reason": lambda s, w, a: (
        canned.create_canned_reason(s, NEW_REASON, actor=a)
    ),
    "app.moderation.canned.update_canned_reason": lambda s, w, a: (
        canned.update_canned_reason(s, w.reason, RENAMED, actor=a)
    ),
    "app.moderation.canned.delete_canned_reason": lambda s, w, a: (
        canned.delete_canned_reason(s, w.reason, actor=a)
    ),
    "app.moderation.guidelines.update_guidelines": lambda s, w, a: (
        guidelines.update_guidelines(s, GuidelinesUpdate(markdown="Be kind."), actor=a)
    ),
    "app.moderation.guidelines.can_edit": lambda s, w, a: refuse_unless(
        guidelines.can_edit(a)
    ),
    "app.accounts.service.set_badge": lambda s, w, a: accounts_service.set_badge(
        s, w.member, "MS nurse", actor=a
    ),
    "app.accounts.memorial.mark": lambda s, w, a: memorial.mark(
        s, w.member, note=None, actor=a
    ),
    "app.accounts.memorial.unmark": lambda s, w, a: memorial.unmark(
        s, w.remembered, actor=a
    ),
    "app.accounts.memorial.refusal": lambda s, w, a: refuse_unless(
        memorial.refusal(w.member, actor=a) is None
    ),
    "app.articles.service.create_article": lambda s, w, a: (
        articles_service.create_article(
            s,
            ArticleCreate(title="New", summary="S.", body="B.", tags=[]),
            actor=a,  # type: ignore[arg-type]
        )
    ),
    "app.articles.service.update_article": lambda s, w, a: (
        articles_service.update_article(
            s, w.article, ArticleUpdate(title="Retitled"), actor=a
        )
    ),
    "app.articles.service.publish": lambda s, w, a: articles_service.publish(
        s, w.draft, actor=a
    ),
    "app.articles.service.unpublish": lambda s, w, a: articles_service.unpublish(
        s, w.article, actor=a
    ),
    "app.articles.service.get_article_for_edit": lambda s, w, a: (
        articles_service.get_article_for_edit(s, w.draft.slug, actor=a)
    ),
    "app.articles.service.list_all_for_admin": lambda s, w, a: (
        articles_service.list_all_for_admin(s, actor=a)
    ),
}

# set_role's actor None is the operator at the command line (`haven users`),
# who holds every power: only people are refused.
OPERATOR_MAY = {"app.accounts.service.set_role"}
ADMINS["app.accounts.service.set_role"] = lambda s, w, a: accounts_service.set_role(
    s, w.member, Role.MODERATOR, actor=a
)

# Everything else in those modules, and why it needs no role of its own.
NOT_PRIVILEGED: dict[str, str] = {
    "app.moderation.charts.bar_chart": "draws figures a guarded service returned",
    "app.moderation.charts.line_chart": "draws figures a guarded service returned",
    "app.articles.service.default_comments_visibility": (
        "reads the site's default for a new discussion, public knowledge"
    ),
    "app.articles.service.tags_by_name": (
        "finds or makes tags for a guarded article write, or an operator's import"
    ),
    **dict.fromkeys(
        [
            "app.accounts.history.comment_counts",
            "app.moderation.flag_queries.count_open",
            "app.moderation.flag_queries.open_flags",
            "app.moderation.flag_queries.flagged_order",
            "app.moderation.queue.read_queue",
            "app.moderation.service.status_counts",
            "app.moderation.service.attention_count",
        ],
        "a query under a guarded service (history, queue, counts in the menu)",
    ),
    **dict.fromkeys(
        [
            "app.moderation.flag_queries.resolve_open",
            "app.moderation.rules.apply_verdict",
            "app.moderation.service.record",
            "app.moderation.policy.forget_policy",
        ],
        "a step inside a guarded decision, or the system's own (actor None)",
    ),
    **dict.fromkeys(
        [
            "app.accounts.service.authenticate",
            "app.accounts.service.change_password",
            "app.accounts.service.complete_sign_up",
            "app.accounts.service.create_user",
            "app.accounts.service.end_session",
            "app.accounts.service.register",
            "app.accounts.service.resolve_session",
            "app.accounts.service.revoke_sessions",
            "app.accounts.service.set_password",
            "app.accounts.service.sign_up",
            "app.accounts.service.start_session",
            "app.accounts.service.update_profile",
            "app.accounts.personal.delete_account",
            "app.accounts.personal.deletion_refusal",
            "app.accounts.personal.export_data",
        ],
        "a person's own account (create_user with a role is the operator's CLI)",
    ),
    **dict.fromkeys(
        [
            "app.comments.drafts.delete_draft",
            "app.comments.drafts.find_draft",
            "app.comments.drafts.get_draft",
            "app.comments.drafts.keep_unsent",
            "app.comments.drafts.list_drafts",
            "app.comments.drafts.save_draft",
            "app.comments.editing.delete_comment",
            "app.comments.reporting.flag_comment",
            "app.comments.service.post_comment",
            "app.comments.posting_limit.count_post",
            "app.comments.duplicates.ensure_not_duplicate",
            "app.comments.duplicates.text_scopes",
            "app.comments.service.ensure_api_guests_allowed",
            "app.moderation.guidelines.mark_seen",
        ],
        "a member's own writing or report (tests/comments cover who may)",
    ),
    **dict.fromkeys(
        [
            "app.comments.editing.comment_to_edit",
            "app.comments.editing.edit_refusal",
            "app.comments.reporting.flag_target",
            "app.comments.reporting.report_refusal",
        ],
        "what the edit or report page shows; edit_comment/flag_comment decide",
    ),
    **dict.fromkeys(
        [
            "app.accounts.service.ban_message",
            "app.accounts.service.ban_term",
            "app.accounts.service.check_password_policy",
            "app.accounts.service.check_your_mail",
            "app.accounts.service.email_key",
            "app.accounts.service.ensure_can_participate",
            "app.accounts.service.find_user",
            "app.accounts.service.find_user_by_email",
            "app.accounts.service.get_member",
            "app.accounts.service.get_user",
            "app.accounts.service.imitates_staff",
            "app.accounts.service.list_users",
            "app.accounts.service.username_key",
            "app.articles.service.get_article",
            "app.articles.service.get_tag",
            "app.articles.service.list_published",
            "app.articles.service.list_tags",
            "app.articles.service.listing_key",
            "app.articles.service.listing_version",
            "app.articles.service.preview",
            "app.articles.service.readable_by",
            "app.moderation.canned.get_canned_reason",
            "app.moderation.crisis.find_crisis_language",
            "app.moderation.crisis.resources",
            "app.moderation.crisis.support_for",
            "app.moderation.decisions.queue_decisions",
            "app.moderation.decisions.view_decisions",
            "app.moderation.flag_queries.has_open_flags",
            "app.moderation.guidelines.beside_edit_form",
            "app.moderation.guidelines.beside_form",
            "app.moderation.guidelines.has_seen",
            "app.moderation.guidelines.load_guidelines",
            "app.moderation.guidelines.preview",
            "app.moderation.policy.auto_close_at",
            "app.moderation.policy.cached_policy",
            "app.moderation.policy.is_auto_closed",
            "app.moderation.policy.load_policy",
            "app.moderation.policy.pick",
            "app.moderation.queue.in_view",
            "app.moderation.rules.find_words",
            "app.moderation.rules.fold",
            "app.moderation.rules.initial_status",
            "app.moderation.rules.is_trusted",
            "app.moderation.rules.review_for",
            "app.moderation.rules.screen",
            "app.moderation.rules.skeleton",
            "app.moderation.service.expected_status",
        ],
        "public reading, or a pure function of its arguments; changes nothing",
    ),
}

# Modules where every public function is classified; elsewhere, every function
# that takes an ``actor``.
PRIVILEGED_MODULES = (
    "app.moderation.",
    "app.accounts.service",
    "app.accounts.history",
    "app.articles.service",
)
FACES = ("views", "api", "deps", "models", "schemas")


def service_functions() -> set[str]:
    """Qualified names of the functions the faces call with someone's authority."""
    found = set()
    for info in pkgutil.walk_packages(app.__path__, "app."):
        name = info.name
        if info.ispkg or name.rsplit(".", 1)[-1].endswith(FACES):
            continue
        if name in ("app.main", "app.cli"):
            continue
        module = importlib.import_module(name)
        for function_name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != name or function_name.startswith("_"):
                continue
            takes_actor = "actor" in inspect.signature(function).parameters
            if name.startswith(PRIVILEGED_MODULES) or takes_actor:
                found.add(f"{name}.{function_name}")
    return found


def test_every_service_is_classified() -> None:
    listed = [*MODERATORS, *ADMINS, *NOT_PRIVILEGED]
    found = service_functions()
    assert sorted(found - set(listed)) == [], (
        "a new service: add it to MODERATORS or ADMINS (with a call), "
        "or to NOT_PRIVILEGED (with why)"
    )
    assert sorted(set(listed) - found) == [], "listed services that no longer exist"
    assert len(listed) == len(set(listed)), "a service is listed twice"


@pytest.fixture
def world(session: Session) -> World:
    member = make_user(session)
    article = make_article(session, title="A guarded discussion")
    draft = make_article(session, title="Not yet", status=ArticleStatus.DRAFT)
    other = make_user(session)
    approved = make_comment(session, article, author=other)
    reported = make_comment(session, article, author=member)
    session.add(
        Flag(comment_id=reported.id, reporter_id=other.id, reason=FlagReason.ABUSIVE)
    )
    pending = make_comment(
        session, article, author=member, status=CommentStatus.PENDING
    )
    reason = CannedReason(label="Off topic", body="Please stay on topic.")
    session.add(reason)
    session.flush()
    remembered = make_user(session)
    remembered.memorial_at = utcnow()
    return World(
        member, article, draft, pending, approved, reported, reason, remembered
    )


def banned(user: User) -> User:
    user.banned_at = utcnow() - timedelta(hours=1)
    user.banned_until = utcnow() + timedelta(days=7)
    user.ban_reason = "A test ban."
    return user


def refused(session: Session, world: World, call: Call, actor: User | None) -> None:
    before = database_snapshot(session)
    with pytest.raises(PermissionDenied):
        call(session, world, actor)
    assert changed_tables(before, database_snapshot(session)) == []


def allowed(session: Session, world: World, call: Call, actor: User) -> None:
    """The same call by someone with the role is not refused (it may still meet
    a rule about the thing itself, which is not what this file is about)."""
    try:
        call(session, world, actor)
    except PermissionDenied as exc:  # pragma: no cover - the failure message
        pytest.fail(f"{actor.role} refused: {exc.message}")
    except Exception:  # noqa: S110 - the refusals above are all this file checks
        pass


@pytest.mark.parametrize("name", sorted(MODERATORS))
def test_moderator_service_refuses_everyone_else(
    session: Session, world: World, name: str
) -> None:
    call = MODERATORS[name]
    for actor in (
        None,
        world.member,
        banned(make_user(session, role=Role.MODERATOR)),
        banned(make_user(session, role=Role.ADMIN)),
    ):
        refused(session, world, call, actor)
    allowed(session, world, call, make_user(session, role=Role.MODERATOR))


@pytest.mark.parametrize("name", sorted(ADMINS))
def test_admin_service_refuses_everyone_else(
    session: Session, world: World, name: str
) -> None:
    call = ADMINS[name]
    actors: list[User | None] = [
        world.member,
        make_user(session, role=Role.MODERATOR),
        banned(make_user(session, role=Role.MODERATOR)),
        banned(make_user(session, role=Role.ADMIN)),
    ]
    if name not in OPERATOR_MAY:
        actors.insert(0, None)
    for actor in actors:
        refused(session, world, call, actor)
    allowed(session, world, call, make_user(session, role=Role.ADMIN))
