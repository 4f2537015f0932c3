"""`haven export` then `haven import haven` into an empty site gives the
same site: rows field by field, and the pages readers see."""

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.accounts.models import Role, User
from app.archive.schemas import ArticleRow, CommentRow, RevisionRow, TagRow, UserRow
from app.articles.models import Article, ArticleStatus, Tag, Visibility, article_tag
from app.comments import editing
from app.comments.models import Comment, CommentRevision, CommentStatus
from app.config import get_settings
from app.db import session_scope
from app.main import create_app
from app.moderation import service as moderation_service
from app.security import verify_password
from tests.archive.conftest import Use, haven, switch
from tests.factories import TEST_PASSWORD, make_article, make_comment, make_user


def _seed(session: Session) -> list[str]:
    """A small site with everything an export must carry; its article slugs."""
    admin = make_user(session, role=Role.ADMIN, username="editor", bio="Writes *here*.")
    moderator = make_user(session, role=Role.MODERATOR, username="mod")
    member = make_user(session, username="reader", bio="MS since 2010.")
    accounts_service.set_badge(session, member, "MS nurse", actor=admin)
    open_article = make_article(
        session, title="Living with spasticity", author=admin, tags=["MS", "Care"]
    )
    closed = make_article(session, title="Closed talk", author=admin, tags=["MS"])
    make_article(session, title="Not yet", author=admin, status=ArticleStatus.DRAFT)
    top = make_comment(session, open_article, author=member, body="First **words**.")
    reply = make_comment(session, open_article, author=moderator, parent=top)
    deep = make_comment(session, open_article, author=member, parent=reply)
    for status in CommentStatus:
        make_comment(session, open_article, author=member, parent=deep, status=status)
        make_comment(session, open_article, status=status)  # a guest, top level
    editing.edit_comment(
        session,
        top,
        "First words, edited.",
        actor=moderator,
    )
    moderation_service.set_locked(session, reply, True, actor=moderator)
    locked_top = make_comment(session, closed, author=member)
    make_comment(session, closed, author=admin, parent=locked_top)
    moderation_service.close_thread(session, closed, actor=moderator, reason="Done.")
    # Members only (issue #19): a comment, and a whole discussion.
    deep.visibility = Visibility.MEMBERS
    closed.comments_visibility = Visibility.MEMBERS
    session.flush()
    return [open_article.slug, closed.slug]


def _site(url: str) -> dict[str, Any]:
    """Everything the export promises, as plain values keyed by id (users by
    username: their ids are remapped)."""
    from app.db import make_engine

    engine = make_engine(url)
    try:
        with Session(engine) as session:
            users = {
                u.username: UserRow.model_validate(u).model_dump(exclude={"id"})
                for u in session.scalars(select(User))
            }
            names = {u.id: u.username for u in session.scalars(select(User))}
            tags = session.execute(select(article_tag)).all()

            def person(row: dict[str, Any]) -> dict[str, Any]:
                return {
                    k: names.get(v)
                    if k.endswith(("author_id", "by_id")) or k == "editor_id"
                    else v
                    for k, v in row.items()
                }

            return {
                "users": users,
                "tags": [
                    TagRow.model_validate(t).model_dump()
                    for t in session.scalars(select(Tag).order_by(Tag.id))
                ],
                "article_tags": sorted(tuple(t) for t in tags),
                "articles": [
                    person(ArticleRow.model_validate(a).model_dump(exclude={"tag_ids"}))
                    | {"counts": (a.approved_count, a.root_count)}
                    for a in session.scalars(select(Article).order_by(Article.id))
                ],
                "comments": [
                    person(CommentRow.model_validate(c).model_dump())
                    | {"reply_count": c.reply_count}
                    for c in session.scalars(select(Comment).order_by(Comment.id))
                ],
                "revisions": [
                    person(RevisionRow.model_validate(r).model_dump())
                    for r in session.scalars(
                        select(CommentRevision).order_by(CommentRevision.id)
                    )
                ],
            }
    finally:
        engine.dispose()


def _pages(monkeypatch: pytest.MonkeyPatch, url: str, slugs: list[str]) -> list[Any]:
    """What an anonymous reader gets: each article page's HTML (less what
    differs per request) and the API's comment tree, plus search."""
    switch(monkeypatch, url)
    seen: list[Any] = []
    with TestClient(create_app(get_settings())) as client:
        for slug in slugs:
            page = client.get(f"/articles/{slug}")
            assert page.status_code == 200
            html = re.sub(r'(nonce|value|content)="[^"]*"', r'\1=""', page.text)
            tree = client.get(f"/api/v1/articles/{slug}/comments")
            assert tree.status_code == 200
            seen += [html, tree.json()]
        seen.append(client.get("/api/v1/search", params={"q": "spasticity"}).json())
        seen.append(client.get("/api/v1/articles").json())
    return seen


def test_export_then_import_gives_the_same_site(
    site: Use, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = site("source")
    with session_scope(get_settings()) as session:
        slugs = _seed(session)
    file = tmp_path / "site.json"

    exported = haven("export", str(file))
    assert exported.exit_code == 0, exported.output
    assert "comments: 17" in exported.stdout
    document = json.loads(file.read_text())
    assert (document["format"], document["version"]) == ("haven-export", 1)
    assert not any("email" in key or "password" in key for key in document["users"][0])

    target = site("target")
    restored = haven("import", "haven", str(file))
    assert restored.exit_code == 0, (restored.output, restored.exc_info)
    assert "must reset their password" in restored.stdout
    assert "comments: 17" in restored.stdout

    before, after = _site(source), _site(target)
    assert after["users"] == before["users"]
    for kind in ("tags", "article_tags", "articles", "revisions"):
        assert after[kind] == before[kind], kind
    for was, now in zip(before["comments"], after["comments"], strict=True):
        assert now == was
    pages = _pages(monkeypatch, source, slugs)
    assert "First words, edited." in pages[0]
    assert "Comments are closed" in pages[2]
    assert _pages(monkeypatch, target, slugs) == pages

    switch(monkeypatch, target)
    with session_scope(get_settings()) as session:
        # The target: restored members can't sign in until they reset.
        reader = session.scalars(select(User).where(User.username == "reader")).one()
        assert not verify_password(TEST_PASSWORD, reader.password_hash)[0]
        # New rows take ids after the restored ones (PostgreSQL's sequences).
        article = session.scalars(select(Article).where(Article.slug == slugs[0])).one()
        newer = make_comment(session, article, author=reader)
        editor = session.scalars(select(User).where(User.username == "editor")).one()
        newest = make_article(session, author=editor)
        assert newer.id > max(c["id"] for c in after["comments"])
        assert newest.id > max(a["id"] for a in after["articles"])
