"""`haven import haven FILE.json`: an export restored into an empty site, in
one transaction, keeping every id, thread, status, revision and tag."""

from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.archive.schemas import VERSION, Archive
from app.articles.models import Article, Tag, article_tag
from app.comments import duplicates
from app.comments.models import Comment, CommentRevision
from app.errors import Conflict, DomainError, describe_validation
from app.imports.source import finish
from app.security import hash_password, new_token


class RestoreFailed(DomainError):
    """The file is not a Haven export this version can read."""


def read_archive(path: Path) -> Archive:
    """The export in ``path``, checked whole before anything is written."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RestoreFailed(f"{path}: {exc.strerror or exc}") from None
    try:
        return Archive.model_validate_json(raw)
    except ValidationError as exc:
        version = next(
            (e["input"] for e in exc.errors() if e["loc"] == ("version",)), None
        )
        if version is not None:
            raise RestoreFailed(
                f"{path.name} is a version {version} Haven export; this Haven reads "
                f"version {VERSION}. Nothing was imported."
            ) from None
        raise RestoreFailed(
            f"{path.name} is not a readable Haven export "
            f"({describe_validation(exc.errors()[:3])}). Nothing was imported."
        ) from None


def _refuse_unless_empty(session: Session) -> None:
    for model, what in ((Article, "articles"), (Comment, "comments"), (Tag, "tags")):
        if session.scalar(select(func.count()).select_from(model)):
            raise Conflict(
                f"This site already has {what}: a Haven export is restored only "
                "into an empty site (run `haven db upgrade` on a new database). "
                "Nothing was imported."
            )


def _reset_sequences(session: Session) -> None:
    """Ids were written as they were: move PostgreSQL's sequences past them."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in ("user", "tag", "article", "comment", "comment_revision"):
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # noqa: S608
                f'COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)'
            )
        )


def restore(session: Session, archive: Archive) -> dict[str, int]:
    """Write ``archive`` into an empty site (Conflict otherwise). Members keep
    their profiles but no password or e-mail address: each must reset. A
    member whose username the site already has (the admin who ran it) is
    matched, not duplicated. How many rows of each kind were written."""
    _refuse_unless_empty(session)
    existing: dict[str, int] = dict(
        session.execute(select(User.username_key, User.id)).all()
    )
    users: dict[int, int] = {}
    matched = 0
    # A password nobody knows (one hash for all: argon2 is slow by design),
    # as account deletion does: each member must reset theirs.
    no_password = hash_password(new_token())
    for user in archive.users:
        key = user.username.lower()
        if key in existing:
            users[user.id] = existing[key]
            matched += 1
            continue
        users[user.id] = session.scalars(
            insert(User).returning(User.id),
            [
                user.model_dump(exclude={"id"})
                | {
                    "username_key": key,
                    "email": f"restored-{user.id}@invalid",
                    "email_key": f"restored-{user.id}@invalid",
                    "password_hash": no_password,
                }
            ],
        ).one()

    def who(user_id: int | None) -> int | None:
        return None if user_id is None else users.get(user_id)

    if archive.tags:
        session.execute(insert(Tag), [t.model_dump() for t in archive.tags])
    if archive.articles:
        session.execute(
            insert(Article),
            [
                a.model_dump(exclude={"tag_ids"})
                | {"author_id": who(a.author_id), "closed_by_id": who(a.closed_by_id)}
                for a in archive.articles
            ],
        )
        links = [
            {"article_id": a.id, "tag_id": t}
            for a in archive.articles
            for t in a.tag_ids
        ]
        if links:
            session.execute(insert(article_tag), links)
    # In id order a parent is always written before its replies.
    comments = sorted(archive.comments, key=lambda c: c.id)
    if comments:
        session.execute(
            insert(Comment),
            [
                c.model_dump()
                | {
                    "author_id": who(c.author_id),
                    "decided_by_id": who(c.decided_by_id),
                    "editor_note_by_id": who(c.editor_note_by_id),
                    "body_fingerprint": duplicates.fingerprint(c.body),
                }
                for c in comments
            ],
        )
    if archive.revisions:
        session.execute(
            insert(CommentRevision),
            [
                r.model_dump() | {"editor_id": who(r.editor_id)}
                for r in archive.revisions
            ],
        )
    _reset_sequences(session)
    finish(session)
    return {
        "users": len(archive.users) - matched,
        "users matched": matched,
        "tags": len(archive.tags),
        "articles": len(archive.articles),
        "comments": len(archive.comments),
        "revisions": len(archive.revisions),
    }


def restore_file(session: Session, path: Path) -> dict[str, int]:
    return restore(session, read_archive(path))
