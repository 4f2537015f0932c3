"""Duplicate detection: a member (or a guest, by e-mail) cannot post the same text
twice within a day, on any article, by any door (HTML form or JSON API).
"""

import hashlib
import unicodedata
from datetime import timedelta

from sqlalchemy import and_, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.comments.models import Comment, CommentStatus, TextClaim
from app.db import utcnow
from app.errors import Conflict

DUPLICATE_WINDOW = timedelta(hours=24)
DUPLICATE = "You have already posted this comment."


def normalised(body: str) -> str:
    """The text as a duplicate check compares it: NFKC, casefolded, invisible format
    characters dropped, runs of whitespace as one space."""
    text = unicodedata.normalize("NFKC", body)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return " ".join(text.casefold().split())


def fingerprint(body: str) -> int:
    """A 64-bit hash of the normalised text, stored and indexed with each comment."""
    digest = hashlib.blake2b(normalised(body).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def ensure_not_duplicate(
    session: Session, body: str, *, actor: User | None, guest_email: str | None
) -> None:
    """Refuse a body its author (the member, or a guest by email) already posted on any
    article within a day. A comment its author deleted no longer counts.

    One lookup of the text's fingerprint in the author's comments
    (ix_comment_author_id_body_fingerprint): the same cost however much they wrote.

    claim_text() enforces the same rule for posts arriving at once; this check
    stays for the comments no claim names: those stored before claims existed,
    and those that came in by other doors (imports, restores, the demo).
    """
    if actor is not None:
        by_author = Comment.author_id == actor.id
    elif guest_email:
        by_author = and_(
            Comment.author_id.is_(None),
            func.lower(Comment.guest_email) == guest_email.lower(),
        )
    else:
        return
    earlier = session.scalar(
        select(Comment.id)
        .where(
            by_author,
            Comment.body_fingerprint == fingerprint(body),
            Comment.created_at >= utcnow() - DUPLICATE_WINDOW,
            Comment.status != CommentStatus.DELETED,
        )
        .limit(1)
    )
    if earlier is not None:
        raise Conflict(DUPLICATE, field="body")


def text_scopes(
    *, actor: User | None, guest_email: str | None, article_id: int, address: str | None
) -> list[str]:
    """Whose text a new comment is, for the duplicate claims: a member's account;
    a guest's email, and their address under this article (a new email from
    the same place is the same guest)."""
    if actor is not None:
        return [f"user:{actor.id}"]
    scopes = [f"email:{guest_email.lower()}"] if guest_email else []
    if address:
        scopes.append(f"address:{address}:article:{article_id}")
    return scopes


def claim_text(session: Session, body: str, *, scopes: list[str]) -> None:
    """Claim ``body`` for each scope before it is stored, raising Conflict when
    one holds it already: the same rule as ensure_not_duplicate, made safe when
    identical posts arrive at once. The claims' unique key lets one through;
    the others wait for it, then find it (mark_claims names its comment).

    A claim no longer counts once its comment is deleted, edited to other text
    or older than the window: the next post takes it over.
    """
    print_ = fingerprint(body)
    now = utcnow()
    for scope in scopes:
        try:
            with session.begin_nested():
                session.execute(
                    insert(TextClaim).values(
                        scope=scope, fingerprint=print_, created_at=now
                    )
                )
            continue
        except IntegrityError:
            pass
        where = (TextClaim.scope == scope, TextClaim.fingerprint == print_)
        # Wait for a post holding it to finish (PostgreSQL), then read it anew.
        held = session.execute(
            select(TextClaim.comment_id, TextClaim.created_at)
            .where(*where)
            .with_for_update()
        ).one()
        if held.comment_id is not None and held.created_at >= now - DUPLICATE_WINDOW:
            live = session.scalar(
                select(
                    exists().where(
                        Comment.id == held.comment_id,
                        Comment.body_fingerprint == print_,
                        Comment.status != CommentStatus.DELETED,
                    )
                )
            )
            if live:
                raise Conflict(DUPLICATE, field="body")
        session.execute(
            update(TextClaim).where(*where).values(comment_id=None, created_at=now)
        )


def mark_claims(session: Session, comment: Comment, *, scopes: list[str]) -> None:
    """Name the stored comment on the claims claim_text made for it."""
    if scopes:
        session.execute(
            update(TextClaim)
            .where(
                TextClaim.scope.in_(scopes),
                TextClaim.fingerprint == comment.body_fingerprint,
            )
            .values(comment_id=comment.id)
        )
