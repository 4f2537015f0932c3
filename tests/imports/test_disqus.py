"""`haven import disqus`: a small Disqus export written for these tests."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.articles.models import Article
from app.comments.models import Comment, CommentStatus
from app.imports.disqus import import_disqus, slug_candidates
from app.imports.source import CLOSED_ON_SOURCE, ImportFailed
from tests.factories import make_article, make_comment, make_user
from tests.imports import DATA, assert_derived_state_exact, hits, stored

EXPORT = DATA / "disqus.xml"


@pytest.fixture
def articles(session: Session) -> tuple[Article, Article]:
    spasticity = make_article(session, title="Living with spasticity")
    heat = make_article(session, title="Heat and MS")
    return spasticity, heat


@pytest.fixture
def member(session: Session) -> User:
    user = make_user(session, username="known")
    user.email = user.email_key = "member.here@example.org"
    session.flush()
    return user


def _by_name(session: Session) -> dict[str, Comment]:
    return {
        comment.guest_name or f"member:{comment.author_id}": comment
        for comment in session.scalars(select(Comment))
    }


def test_slugs_come_from_the_link_or_the_identifier() -> None:
    assert slug_candidates("https://x.example/articles/cooling/", "") == ["cooling"]
    assert slug_candidates("https://x.example/2020/01/cooling.html?a=1#c", "") == [
        "cooling"
    ]
    assert slug_candidates("https://x.example/p?id=5", "heat") == ["p", "heat"]


def test_threads_are_matched_and_posts_keep_their_place(
    session: Session, articles: tuple[Article, Article], member: User
) -> None:
    spasticity, heat = articles

    report = import_disqus(session, EXPORT)

    c = _by_name(session)
    ann, cal, dee, eve = c["Ann Guest"], c["Cal"], c["Dee"], c["Eve"]
    assert ann.article_id == spasticity.id
    assert (ann.parent_id, ann.depth, ann.root_id) == (None, 1, ann.id)
    assert (cal.parent_id, cal.depth) == (ann.id, 2)
    # Dee's post came before Cal's, its parent.
    assert (dee.parent_id, dee.depth) == (cal.id, 3)
    assert (eve.parent_id, eve.depth) == (dee.id, 4)
    assert {cal.root_id, dee.root_id, eve.root_id} == {ann.id}
    assert ann.created_at == datetime(2021, 5, 2, 8, tzinfo=UTC)
    assert ann.guest_email == "ann.secret@private.example"
    assert {
        name: c[name].status for name in ("Held Hal", "Cheap Pills", "Trashed Tom")
    } == {
        "Held Hal": CommentStatus.PENDING,
        "Cheap Pills": CommentStatus.SPAM,
        "Trashed Tom": CommentStatus.REMOVED,
    }
    # Matched by its identifier; closed on Disqus, closed here.
    known = c[f"member:{member.id}"]
    assert known.article_id == heat.id
    assert known.guest_email is None
    session.refresh(heat)
    assert heat.comments_closed_at is not None
    assert heat.close_reason == CLOSED_ON_SOURCE
    session.refresh(spasticity)
    assert spasticity.comments_closed_at is None
    assert "Zed" not in c
    assert report.source == "disqus:msnotes"
    assert report.get("comment", "imported") == 8
    assert report.get("thread", "matched") == 2
    assert report.skipped[("comment", "its thread matches no article")] == 1
    assert report.skipped[("comment", "its thread is not in the file")] == 1
    assert report.unmatched == [
        ("https://old.example.org/forgotten-page.html", "A page that is gone", 1),
        ("https://old.example.org/tag/news/", "News", 0),
    ]
    lines = "\n".join(report.lines())
    assert "forgotten-page.html | A page that is gone | 1" in lines
    assert_derived_state_exact(session)


def test_hostile_html_is_sanitized(
    session: Session, articles: tuple[Article, Article]
) -> None:
    import_disqus(session, EXPORT)

    html = _by_name(session)["Ann Guest"].body_html
    for hostile in ("<script", "onerror", "javascript:", "onclick", "<img"):
        assert hostile not in html
    assert '<a href="https://example.org/info" rel="nofollow ugc noopener">' in html


def test_counters_and_search_see_only_approved_posts(
    session: Session, articles: tuple[Article, Article]
) -> None:
    spasticity, _ = articles
    make_comment(session, spasticity, body="Already here before the import.")

    import_disqus(session, EXPORT)

    session.refresh(spasticity)
    # Ann, Cal, Dee, Eve and the comment already here; two roots shown.
    assert (spasticity.approved_count, spasticity.root_count) == (5, 2)
    assert hits(session, "baclofen") == 1
    assert hits(session, "tizanidine") == 0
    assert hits(session, "dantrolene") == 0
    assert hits(session, "oxybutynin") == 0
    assert_derived_state_exact(session)


def test_a_second_run_updates_and_never_duplicates(
    session: Session, articles: tuple[Article, Article], tmp_path: Path
) -> None:
    import_disqus(session, EXPORT)
    before = stored(session)

    again = import_disqus(session, EXPORT)

    assert stored(session) == before
    assert (again.get("comment", "imported"), again.get("comment", "unchanged")) == (
        0,
        8,
    )
    changed = tmp_path / "changed.xml"
    changed.write_text(
        EXPORT.read_text().replace(
            "Second level: Cal answers Ann.", "Second level: Cal answers Ann, edited."
        )
    )
    third = import_disqus(session, changed)

    assert stored(session) == before
    assert third.get("comment", "updated") == 1
    assert "edited" in _by_name(session)["Cal"].body_html
    assert_derived_state_exact(session)


def test_a_malformed_file_names_its_line_and_stores_nothing(
    session: Session, articles: tuple[Article, Article]
) -> None:
    before = stored(session)

    with pytest.raises(ImportFailed, match=r"disqus-malformed\.xml line 68\b"):
        import_disqus(session, DATA / "disqus-malformed.xml")

    assert stored(session) == before
    assert_derived_state_exact(session)


def test_emails_are_never_shown(
    session: Session, articles: tuple[Article, Article], client: TestClient
) -> None:
    spasticity, _ = articles
    import_disqus(session, EXPORT)
    session.commit()

    pages = [
        client.get(f"/articles/{spasticity.slug}"),
        client.get(f"/api/v1/articles/{spasticity.slug}/comments"),
        client.get("/api/v1/search", params={"q": "baclofen"}),
    ]

    for page in pages:
        assert page.status_code == 200
        assert "Ann Guest" in page.text or "Baclofen" in page.text
        assert "private.example" not in page.text
        assert "<script>alert" not in page.text


def test_a_loop_of_parents_or_a_missing_parent_leaves_a_reply_top_level(
    session: Session, articles: tuple[Article, Article], tmp_path: Path
) -> None:
    posts = "".join(
        f'<post dsq:id="{pid}"><message>Post {pid}</message>'
        "<createdAt>2021-05-02T08:00:00Z</createdAt>"
        f'<author><name>P{pid}</name></author><thread dsq:id="1"/>'
        f'<parent dsq:id="{parent}"/></post>'
        for pid, parent in (("a", "b"), ("b", "a"), ("c", "gone"))
    )
    export = tmp_path / "loop.xml"
    export.write_text(
        '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">'
        '<thread dsq:id="1"><forum>f</forum>'
        "<link>https://x.example/living-with-spasticity</link></thread>"
        f"{posts}</disqus>"
    )

    report = import_disqus(session, export)

    c = _by_name(session)
    assert c["Pc"].parent_id is None
    tops = [c[name] for name in ("Pa", "Pb") if c[name].parent_id is None]
    assert len(tops) == 1
    (reply,) = {c["Pa"], c["Pb"]} - set(tops)
    assert (reply.parent_id, reply.root_id, reply.depth) == (tops[0].id, tops[0].id, 2)
    assert report.notes["replies whose parent is not in the file, kept top level"] == 1
    assert_derived_state_exact(session)


def test_a_file_of_another_kind_is_refused(session: Session) -> None:
    before = stored(session)

    with pytest.raises(ImportFailed, match="not a Disqus export"):
        import_disqus(session, DATA / "wordpress.xml")

    assert stored(session) == before
