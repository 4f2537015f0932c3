"""`haven export FILE.json`: every article, comment (status, threading,
revisions), tag and public profile, written as the rows are read."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.archive.schemas import (
    FORMAT,
    VERSION,
    ArticleRow,
    CommentRow,
    RevisionRow,
    Row,
    TagRow,
    UserRow,
)
from app.articles.models import Article, Tag, article_tag
from app.comments.models import Comment, CommentRevision
from app.db import utcnow

# Rows fetched per round trip while streaming.
CHUNK = 1000


def _rows(session: Session, model: type[Row], statement: Select[Any]) -> Iterator[Row]:
    """The statement's rows in id order, as ``model``, fetched in chunks."""
    result = session.execute(statement.execution_options(yield_per=CHUNK))
    for row in result.mappings():
        yield model.model_validate(dict(row))


def _section(out: IO[str], name: str, rows: Iterator[Row]) -> int:
    out.write(f',\n"{name}": [')
    count = 0
    for row in rows:
        out.write(",\n" if count else "\n")
        out.write(row.model_dump_json())
        count += 1
    out.write("\n]")
    return count


def _select(model: type[Row], entity: Any) -> Select[Any]:
    columns = [getattr(entity, c) for c in model.model_fields if c != "tag_ids"]
    return select(*columns).order_by(entity.id)


def export_site(session: Session, out: IO[str]) -> dict[str, int]:
    """Write the whole site to ``out``; how many rows of each kind. Six
    queries whatever the site's size (tags per article come in one)."""
    tag_ids: dict[int, list[int]] = {}
    for article_id, tag_id in session.execute(
        select(article_tag.c.article_id, article_tag.c.tag_id).order_by(
            article_tag.c.article_id, article_tag.c.tag_id
        )
    ):
        tag_ids.setdefault(article_id, []).append(tag_id)
    articles = (
        row.model_copy(update={"tag_ids": tag_ids.get(row.id, [])})  # type: ignore[attr-defined]
        for row in _rows(session, ArticleRow, _select(ArticleRow, Article))
    )
    out.write("{")
    out.write(f'"format": {json.dumps(FORMAT)}, "version": {VERSION}, ')
    out.write(f'"exported_at": {json.dumps(utcnow().isoformat())}')
    counts = {
        "users": _section(
            out, "users", _rows(session, UserRow, _select(UserRow, User))
        ),
        "tags": _section(out, "tags", _rows(session, TagRow, _select(TagRow, Tag))),
        "articles": _section(out, "articles", articles),
        "comments": _section(
            out, "comments", _rows(session, CommentRow, _select(CommentRow, Comment))
        ),
        "revisions": _section(
            out,
            "revisions",
            _rows(session, RevisionRow, _select(RevisionRow, CommentRevision)),
        ),
    }
    out.write("\n}\n")
    return counts


def export_file(session: Session, path: Path) -> dict[str, int]:
    """Export into ``path`` (written beside it, then moved in place)."""
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8") as out:
        counts = export_site(session, out)
    partial.replace(path)
    return counts
