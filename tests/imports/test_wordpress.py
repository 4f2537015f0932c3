"""`haven import wordpress`: a small WXR file written for these tests."""

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import Role, User
from app.articles import service as articles_service
from app.articles.models import Article, ArticleStatus
from app.articles.schemas import ArticleUpdate
from app.comments.models import Comment, CommentStatus
from app.imports.source import CLOSED_ON_SOURCE, ImportFailed
from app.imports.wordpress import import_wordpress
from app.markup import Profile, render_markdown
from tests.factories import make_article, make_comment, make_user
from tests.imports import DATA, assert_derived_state_exact, hits, stored

WXR = DATA / "wordpress.xml"
SOURCE = "wordpress:https://blog.example.org"


def _by_source(session: Session) -> dict[str, Comment]:
    """The imported comments by their WordPress id (their text says which)."""
    comments = session.scalars(select(Comment).where(Comment.guest_name.is_not(None)))
    names = {
        "Ann Guest": "101",
        "Bob": "102",
        "Cal": "103",
        "Dee": "104",
        "Held Hal": "105",
        "Cheap Pills": "106",
        "Trashed Tom": "107",
    }
    found = {}
    for comment in comments:
        key = names.get(comment.guest_name or "")
        if key == "101" and "old remark" in comment.body:
            key = "301"
        if key:
            found[key] = comment
    return found


def _article(session: Session, slug: str) -> Article:
    return session.scalars(
        select(Article)
        .where(Article.slug == slug)
        .options(selectinload(Article.tags), selectinload(Article.author))
    ).one()


@pytest.fixture
def member(session: Session) -> User:
    """A Haven member whose address a WordPress author shares."""
    user = make_user(session, username="sam")
    user.email = "existing.member@example.org"
    user.email_key = "existing.member@example.org"
    session.flush()
    return user


def test_posts_become_articles_with_authors_and_tags(
    session: Session, member: User
) -> None:
    report = import_wordpress(session, WXR)

    published = _article(session, "living-with-spasticity")
    assert published.status == ArticleStatus.PUBLISHED
    assert published.published_at == datetime(2024, 1, 5, 10, tzinfo=UTC)
    assert {t.name for t in published.tags} == {"Health", "Exercise", "MS"}
    assert published.author is not None
    assert published.author.display_name == "Jane Doe"
    assert published.author.username == "jdoe"
    assert published.author.role == Role.MEMBER
    assert published.summary == "Stiff muscles and what helps."
    # The post's HTML is shown sanitized, its paragraphs made, h1 -> h2.
    assert "<script" not in published.body_html
    assert "<h2>Stretching</h2>" in published.body_html
    assert "<p>Daily stretching helps.</p>" in published.body_html
    draft = session.scalars(select(Article).where(Article.title == "Fatigue: a draft"))
    draft_article = draft.one()
    assert draft_article.status == ArticleStatus.DRAFT
    assert draft_article.published_at is None
    # The second author shares a member's address: that member is the author.
    assert draft_article.author_id == member.id
    closed = _article(session, "an-old-post")
    assert closed.comments_closed_at is not None
    assert closed.close_reason == CLOSED_ON_SOURCE
    assert published.comments_closed_at is None
    assert report.get("post", "imported") == 3
    assert report.get("author", "imported") == 1
    assert report.get("author", "matched") == 1
    assert report.get("tag", "imported") == 3
    assert report.skipped[("post", "a page, not a post")] == 1
    assert report.skipped[("post", "an attachment, not a post")] == 1
    assert report.skipped[("post", "in WordPress's trash")] == 1


def test_comments_keep_threading_names_dates_and_statuses(session: Session) -> None:
    report = import_wordpress(session, WXR)

    c = _by_source(session)
    assert c["101"].parent_id is None
    assert c["101"].root_id == c["101"].id
    assert (c["102"].parent_id, c["102"].depth) == (c["101"].id, 2)
    assert (c["103"].parent_id, c["103"].depth) == (c["102"].id, 3)
    # 104 came before its parent 103 in the file.
    assert (c["104"].parent_id, c["104"].depth) == (c["103"].id, 4)
    assert {c[k].root_id for k in ("102", "103", "104")} == {c["101"].id}
    assert c["101"].created_at == datetime(2024, 1, 6, 8, tzinfo=UTC)
    assert c["101"].guest_email == "ann.secret@private.example"
    statuses = {k: c[k].status for k in ("101", "105", "106", "107")}
    assert statuses == {
        "101": CommentStatus.APPROVED,
        "105": CommentStatus.PENDING,
        "106": CommentStatus.SPAM,
        "107": CommentStatus.REMOVED,
    }
    # The author's own comment is theirs, not a guest's.
    jane = session.scalars(select(User).where(User.username == "jdoe")).one()
    own = session.scalars(select(Comment).where(Comment.author_id == jane.id)).one()
    assert own.parent_id == c["101"].id
    assert own.guest_email is None
    assert report.get("comment", "imported") == 9
    assert report.skipped[("comment", "a pingback, not a comment")] == 1
    assert report.skipped[("comment", "its post is in WordPress's trash")] == 1
    assert_derived_state_exact(session)


def test_hostile_comment_html_is_sanitized(session: Session) -> None:
    import_wordpress(session, WXR)

    html = _by_source(session)["101"].body_html
    for hostile in ("<script", "onerror", "javascript:", "onclick", "<img"):
        assert hostile not in html
    assert '<a href="https://example.org/info" rel="nofollow ugc noopener">' in html
    assert "<b>" not in html  # not on the allow-list: kept as text only
    assert html.count("<p>") == 2


def test_counters_and_search_see_only_approved_comments(session: Session) -> None:
    import_wordpress(session, WXR)

    published = _article(session, "living-with-spasticity")
    # 101, 102, 103, 104 and the author's reply are published; one root shown.
    assert (published.approved_count, published.root_count) == (5, 1)
    assert hits(session, "baclofen") == 1
    assert hits(session, "tizanidine") == 0
    assert hits(session, "dantrolene") == 0
    assert hits(session, "oxybutynin") == 0
    assert hits(session, "stretching") == 1
    assert hits(session, "finished") == 0  # the draft
    assert_derived_state_exact(session)


def test_a_second_run_updates_and_never_duplicates(
    session: Session, tmp_path: Path
) -> None:
    import_wordpress(session, WXR)
    before = stored(session)

    again = import_wordpress(session, WXR)

    assert stored(session) == before
    assert again.get("comment", "imported") == 0
    assert again.get("comment", "unchanged") == 9
    assert again.get("post", "imported") == 0
    assert again.get("post", "unchanged") == 3
    assert again.get("author", "unchanged") == 2
    assert again.get("tag", "imported") == 0

    changed = tmp_path / "changed.xml"
    changed.write_text(
        WXR.read_text()
        .replace("First reply, to Ann.", "First reply, to Ann (edited).")
        .replace(
            "<wp:comment_approved><![CDATA[0]]>", "<wp:comment_approved><![CDATA[1]]>"
        )
        .replace("Living with spasticity]]", "Living with spasticity, revised]]")
    )
    third = import_wordpress(session, changed)

    # The held comment, now approved, is found: one more search document.
    assert stored(session) == before | {
        "search_document": before["search_document"] + 1
    }
    assert third.get("comment", "updated") == 2
    assert third.get("post", "updated") == 1
    c = _by_source(session)
    assert c["102"].body == "First reply, to Ann (edited)."
    assert "(edited)" in c["102"].body_html
    assert c["105"].status == CommentStatus.APPROVED
    assert _article(session, "living-with-spasticity").title == (
        "Living with spasticity, revised"
    )
    assert hits(session, "tizanidine") == 1
    assert_derived_state_exact(session)


def test_a_slug_in_use_gets_another(session: Session) -> None:
    make_article(session, title="Living with spasticity")

    import_wordpress(session, WXR)

    assert _article(session, "living-with-spasticity-2").title == (
        "Living with spasticity"
    )


def test_a_malformed_file_names_its_line_and_stores_nothing(session: Session) -> None:
    article = make_article(session, title="Already here")
    make_comment(session, article)
    before = stored(session)

    with pytest.raises(ImportFailed, match=r"wordpress-malformed\.xml line 37\b"):
        import_wordpress(session, DATA / "wordpress-malformed.xml")

    assert stored(session) == before
    assert_derived_state_exact(session)


def test_entity_declarations_are_refused(session: Session) -> None:
    before = stored(session)

    with pytest.raises(ImportFailed, match="refused for safety"):
        import_wordpress(session, DATA / "entity-bomb.xml")

    assert stored(session) == before


def test_a_missing_file_is_a_clear_error(session: Session, tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="No such file"):
        import_wordpress(session, tmp_path / "nowhere.xml")


def test_emails_are_never_shown(
    session: Session, client: TestClient, tmp_path: Path
) -> None:
    shutil.copy(WXR, tmp_path / "site.xml")
    import_wordpress(session, tmp_path / "site.xml")
    article = _article(session, "living-with-spasticity")
    session.commit()

    pages = [
        client.get(f"/articles/{article.slug}"),
        client.get(f"/api/v1/articles/{article.slug}"),
        client.get(f"/api/v1/articles/{article.slug}/comments"),
        client.get("/api/v1/search", params={"q": "baclofen"}),
        client.get("/search", params={"q": "baclofen"}),
        client.get("/users/jdoe"),
    ]

    for page in pages:
        assert page.status_code == 200, page.url
        assert "private.example" not in page.text
        assert "jane.private" not in page.text
        assert "<script>alert" not in page.text
    assert "Ann Guest" in pages[0].text
    assert "Baclofen helped me" in pages[2].text
    assert "Baclofen" in pages[3].text


def test_a_file_of_another_kind_is_refused(session: Session) -> None:
    before = stored(session)

    with pytest.raises(ImportFailed, match="not a WordPress export"):
        import_wordpress(session, DATA / "disqus.xml")

    assert stored(session) == before


def test_replies_deeper_than_the_indent_keep_their_parent_and_show(
    session: Session, client: TestClient, tmp_path: Path
) -> None:
    comments = "".join(
        f"<wp:comment><wp:comment_id>{n}</wp:comment_id>"
        f"<wp:comment_author>Level {n}</wp:comment_author>"
        f"<wp:comment_date_gmt>2024-01-06 08:0{n}:00</wp:comment_date_gmt>"
        f"<wp:comment_content>Reply at level {n}</wp:comment_content>"
        "<wp:comment_approved>1</wp:comment_approved>"
        f"<wp:comment_parent>{n - 1}</wp:comment_parent></wp:comment>"
        for n in range(1, 9)
    )
    export = tmp_path / "deep.xml"
    export.write_text(
        '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel>'
        "<wp:base_site_url>https://deep.example</wp:base_site_url>"
        "<item><title>Deep</title><wp:post_id>1</wp:post_id>"
        "<wp:post_name>deep</wp:post_name><wp:status>publish</wp:status>"
        f"<wp:post_type>post</wp:post_type>{comments}</item></channel></rss>"
    )

    import_wordpress(session, export)
    session.commit()

    depths = session.scalars(
        select(Comment.depth)
        .join(Article)
        .where(Article.slug == "deep")
        .order_by(Comment.created_at)
    ).all()
    assert depths == list(range(1, 9))
    page = client.get("/articles/deep")
    assert page.status_code == 200
    for n in range(1, 9):
        assert f"Reply at level {n}" in page.text


def test_imported_html_is_kept_as_the_markdown_an_edit_opens(
    session: Session,
) -> None:
    # Haven edits Markdown: an imported body kept as HTML would open in the
    # editor as tags, and saving it would show them as text.
    import_wordpress(session, WXR)
    article = _article(session, "living-with-spasticity")
    comments = _by_source(session).values()

    for body, body_html, profile in [
        (article.body, article.body_html, Profile.ARTICLE),
        *((c.body, c.body_html, Profile.COMMENT) for c in comments),
    ]:
        assert "</" not in body
        assert render_markdown(body, profile) == body_html
    assert "## Stretching" in article.body

    admin = make_user(session, role=Role.ADMIN)
    shown = article.body_html
    articles_service.update_article(
        session, article, ArticleUpdate(body=article.body), actor=admin
    )
    assert article.body_html == shown
