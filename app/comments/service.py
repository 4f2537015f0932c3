"""The discussion under an article: posting to it, and finding one comment.

Reading pages of it is app.comments.thread.
"""

from collections.abc import Collection
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session, aliased, joinedload

from app.accounts import service as accounts_service
from app.accounts.models import User
from app.articles.models import Article, Visibility
from app.comments import drafts, duplicates, posting_limit, standing
from app.comments.closure import closure_of
from app.comments.models import Comment, CommentStatus, place_under
from app.comments.schemas import CommentCreate
from app.comments.standing import Standing
from app.db import utcnow
from app.errors import Conflict, Invalid, NotAuthenticated, NotFound, PermissionDenied
from app.markup import Profile, render_markdown
from app.moderation import crisis, guidelines, rules
from app.moderation.policy import Policy, load_policy, pick
from app.notifications import service as notifications


def comments_open(
    article: Article, policy: Policy, now: datetime | None = None
) -> bool:
    """Whether an article accepts new comments: not closed by a moderator or by age."""
    return closure_of(article, policy, now) is None


# A guest's browser remembers at most this many of their comments.
MAX_GUEST_COMMENT_IDS = 20


def _guest_ids(guest_comment_ids: Collection[int]) -> list[int]:
    ids = [
        i for i in guest_comment_ids if isinstance(i, int) and not isinstance(i, bool)
    ]
    return ids[-MAX_GUEST_COMMENT_IDS:]


def review_for(session: Session, viewer: User | None) -> rules.Review:
    """The path ``viewer``'s next comment would take (a query for members only).

    The comment form says so, so that each person is told what will really
    happen to what they write.
    """
    return rules.review_for(session, viewer, load_policy(session))


def store_comment(
    session: Session,
    article: Article,
    *,
    body: str,
    author: User | None,
    parent: Comment | None = None,
    status: CommentStatus = CommentStatus.PENDING,
    created_at: datetime | None = None,
    guest_name: str | None = None,
    guest_email: str | None = None,
    body_html: str | None = None,
    content_note: str | None = None,
    visibility: Visibility = Visibility.PUBLIC,
) -> Comment:
    """Insert a comment at its place in the tree (parent, root, depth).

    It applies no moderation rule: posting goes through the rules first; the
    demo and benchmark seeders call it directly with approved content.
    """
    comment = Comment(
        article_id=article.id,
        **place_under(parent)._asdict(),
        author=author,
        guest_name=guest_name,
        guest_email=guest_email,
        body=body,
        body_html=render_markdown(body, Profile.COMMENT)
        if body_html is None
        else body_html,
        body_fingerprint=duplicates.fingerprint(body),
        status=status,
        created_at=created_at or utcnow(),
        content_note=content_note,
        visibility=visibility,
    )
    session.add(comment)
    session.flush()
    if parent is None:
        comment.root_id = comment.id
        session.flush()
    standing.record_change(session, comment, before=None, after=Standing.of(comment))
    return comment


def _locked_chain_statement() -> Select[int]:
    """How many of a comment and those above it are locked: one recursive query,
    built once (building it cost more than running it)."""
    chain = (
        select(Comment.id, Comment.parent_id, Comment.locked)
        .where(Comment.id == bindparam("comment_id"))
        .cte("chain", recursive=True)
    )
    above = aliased(Comment)
    chain = chain.union_all(
        select(above.id, above.parent_id, above.locked).where(
            above.id == chain.c.parent_id
        )
    )
    return select(func.count()).select_from(chain).where(chain.c.locked)


_LOCKED_CHAIN = _locked_chain_statement()


def _has_locked_ancestor(session: Session, comment: Comment) -> bool:
    """Whether ``comment`` or any comment above it is locked."""
    return bool(session.scalar(_LOCKED_CHAIN, {"comment_id": comment.id}))


def replyable_parent(
    session: Session, article: Article, parent_id: int | None
) -> Comment | None:
    """The comment a reply answers: approved, in this article, under no locked ancestor."""
    if parent_id is None:
        return None
    parent = session.get(Comment, parent_id)
    if parent is None or parent.article_id != article.id:
        raise NotFound("The comment you are replying to is not in this discussion.")
    if parent.status != CommentStatus.APPROVED or parent.hidden_at is not None:
        raise Conflict("You can only reply to a published comment.")
    if _has_locked_ancestor(session, parent):
        raise Conflict("Replies to this comment are closed.")
    return parent


def preview(body: str) -> str:
    """The sanitized HTML a comment body would show, without storing anything."""
    return render_markdown(body, Profile.COMMENT)


def _ensure_open(session: Session, article: Article) -> None:
    if not comments_open(article, load_policy(session)):
        raise Conflict("Comments are closed.")


def reply_refusal(session: Session, article: Article, parent_id: int) -> str | None:
    """Why a reply to this comment would be refused, or None if it would be taken.

    The thread rules of post_comment (open article, published parent, no locked
    ancestor), for a page that offers the reply form only when it can succeed.
    """
    try:
        _ensure_open(session, article)
        replyable_parent(session, article, parent_id)
    except Conflict as exc:
        return exc.message
    return None


API_GUESTS_OFF = (
    "Guests post through the comment form on the article's page. "
    "Sign in to post through the API."
)


def ensure_api_guests_allowed(session: Session, *, actor: User | None) -> None:
    """A guest may post through the JSON API, which has no honeypot or timing
    token, only where an admin allows it (policy.allow_api_guests)."""
    if actor is None and not load_policy(session).allow_api_guests:
        raise PermissionDenied(API_GUESTS_OFF)


def missing_guest_details(name: object, email: object) -> dict[str, str]:
    """What a guest left out of the name and email every guest comment needs,
    field by field (both at once, so the form marks both)."""
    missing = {}
    if not name:
        missing["guest_name"] = "Please give a name to show with your comment."
    if not email:
        missing["guest_email"] = "Please give your email address (it is never shown)."
    return missing


def post_comment(
    session: Session,
    article: Article,
    data: CommentCreate,
    *,
    actor: User | None,
    allow_guests: bool,
    allowance: posting_limit.PostAllowance | None = None,
    address: str | None = None,
) -> Comment:
    """Store a comment or reply; it waits for moderation unless the policy trusts its author.

    The policy's rules (app.moderation.rules) hold link-heavy or hold-listed text
    even from trusted authors and mark spam-listed text as spam, saying why in
    ``held_reason``. A held comment is kept, never dropped. Guests post only where the site allows,
    with a name and an email (never shown). The same text twice from one author within
    a day is refused (a guest is known by their email, and under one article by
    their ``address`` too; identical posts at once store one), and past ``allowance`` (the posting rate limit) a post is
    refused with 429 (app.comments.posting_limit). The member's draft under the article
    (app.comments.drafts) goes once the comment is stored.
    """
    _ensure_open(session, article)
    if actor is None:
        if not allow_guests:
            raise NotAuthenticated("Please sign in to join the discussion.")
        missing = missing_guest_details(data.guest_name, data.guest_email)
        if missing:
            raise Invalid.of_fields(missing)
    else:
        accounts_service.ensure_can_participate(actor)
    if allowance is not None:  # posting limits; moderators are exempt
        allowance.take(actor=actor)
    duplicates.ensure_not_duplicate(
        session,
        data.body,
        actor=actor,
        guest_email=str(data.guest_email) if data.guest_email else None,
    )
    parent = replyable_parent(session, article, data.parent_id)
    body_html = render_markdown(data.body, Profile.COMMENT)
    policy = load_policy(session)
    content_note = pick(
        data.content_note,
        policy.content_notes,
        field="content_note",
        what="content note",
    )
    status, verdict = rules.initial_status(session, actor, data.body, body_html, policy)
    crisis_words = crisis.find_crisis_language(data.body, policy.crisis_words)
    if crisis_words and status != CommentStatus.SPAM:
        # Whoever wrote it, a moderator reads it, and first.
        status = CommentStatus.PENDING
        verdict = replace(
            verdict,
            reasons=(*verdict.reasons, f'Crisis language: "{crisis_words[0]}"'),
        )
    guest_email = str(data.guest_email) if actor is None and data.guest_email else None
    scopes = duplicates.text_scopes(
        actor=actor, guest_email=guest_email, article_id=article.id, address=address
    )
    duplicates.claim_text(session, data.body, scopes=scopes)  # the last check
    comment = store_comment(
        session,
        article,
        body=data.body,
        body_html=body_html,
        author=actor,
        parent=parent,
        status=status,
        guest_name=data.guest_name if actor is None else None,
        guest_email=guest_email,
        content_note=content_note,
        visibility=visibility_of(article, parent, data.visibility),
    )
    duplicates.mark_claims(session, comment, scopes=scopes)
    guidelines.mark_seen(actor)
    if verdict.reasons:
        rules.apply_verdict(session, comment, verdict)
    if crisis_words and comment.status == CommentStatus.PENDING:
        comment.urgent_at = utcnow()
        notifications.urgent_comment(session, comment)
    if comment.status == CommentStatus.APPROVED:
        notifications.comment_published(session, comment, parent)
    if actor is None and data.notify_replies:
        comment.guest_notify = True
        notifications.guest_asked_for_replies(session, comment)
    if actor is not None:  # the draft it was written in is done with
        drafts.delete_draft(session, article, actor=actor)
    return comment


def visibility_of(
    article: Article, parent: Comment | None, chosen: Visibility
) -> Visibility:
    """A new comment's visibility: its author's choice, but members only in a
    members-only discussion or under a members-only comment (a reply must not
    show what it answers to readers who may not read that)."""
    inherited = (article.comments_visibility, parent.visibility if parent else None)
    if Visibility.MEMBERS in inherited:
        return Visibility.MEMBERS
    return chosen


def get_comment(session: Session, comment_id: int) -> Comment:
    """A comment with its author and article. Raises NotFound."""
    comment = session.scalars(
        select(Comment)
        .options(joinedload(Comment.author), joinedload(Comment.article))
        .where(Comment.id == comment_id)
    ).one_or_none()
    if comment is None:
        raise NotFound("There is no such comment.")
    return comment


def get_visible_comment(
    session: Session,
    comment_id: int,
    *,
    viewer: User | None,
    article: Article | None = None,
    guest_comment_ids: Collection[int] = (),
) -> Comment:
    """One comment, if ``viewer`` may see it at all. Raises NotFound.

    Approved comments are public (while hidden, as a placeholder); any other
    status only to its author and to moderators. The article must be one the
    viewer may read and, when given, the comment's own.
    """
    comment = get_comment(session, comment_id)
    missing = NotFound("There is no such comment.")
    if article is not None and comment.article_id != article.id:
        raise missing
    if not comment.article.is_published and not (
        viewer is not None and viewer.is_admin
    ):
        raise missing
    is_moderator = viewer is not None and viewer.moderates
    is_author = (viewer is not None and comment.author_id == viewer.id) or (
        comment.author_id is None and comment.id in _guest_ids(guest_comment_ids)
    )
    if is_moderator or is_author or comment.status == CommentStatus.APPROVED:
        return comment
    raise missing
