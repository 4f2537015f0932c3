"""Reading pinned and featured comments (issue #19): the pinned one first on
page 1 and nowhere else, "Featured first", the marks and fields, the
moderators' buttons, and a comment taken back losing both."""

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import personal
from app.accounts.models import User
from app.articles.models import Article
from app.comments import editing, thread
from app.comments.models import Comment
from app.db import utcnow
from app.moderation import highlights
from app.moderation.models import ActionKind, ModerationAction
from tests.conftest import AppFactory, QueryCounter
from tests.factories import TEST_PASSWORD, make_article, make_comment, make_user
from tests.helpers import csrf_from, login


def roots(session: Session, article: Article, count: int) -> list[Comment]:
    """``count`` top-level comments, a minute apart, oldest first."""
    start = utcnow() - timedelta(days=1)
    return [
        make_comment(session, article, created_at=start + timedelta(minutes=n))
        for n in range(count)
    ]


def page_ids(
    session: Session,
    article: Article,
    page: int,
    *,
    per_page: int = 2,
    sort: thread.ThreadSort = thread.ThreadSort.OLDEST,
) -> list[int]:
    discussion = thread.find_discussion(session, article.slug)
    built = thread.thread_page(
        session,
        discussion,
        page=page,
        viewer=thread.PUBLIC,
        per_page=per_page,
        sort=sort,
    )
    return [node.id for node in built.page.items]


def test_the_pinned_comment_is_first_on_page_1_and_on_no_other_page(
    session: Session, moderator: User
) -> None:
    article = make_article(session)
    one, two, three, four, five = roots(session, article, 5)
    highlights.set_pinned(session, four, True, actor=moderator)

    pages = [page_ids(session, article, page) for page in (1, 2, 3)]

    assert pages == [[four.id, one.id], [two.id, three.id], [five.id]]


def test_a_permalink_finds_the_page_the_pin_put_a_comment_on(
    session: Session, moderator: User
) -> None:
    article = make_article(session)
    one, two, three, four, five = roots(session, article, 5)
    reply = make_comment(session, article, parent=four)
    highlights.set_pinned(session, four, True, actor=moderator)

    def where(comment: Comment) -> str:
        return thread.locate(
            session, comment, slug=article.slug, viewer=thread.PUBLIC, per_page=2
        )

    url = f"/articles/{article.slug}"
    assert where(four) == f"{url}#comment-{four.id}"
    assert where(reply) == f"{url}#comment-{reply.id}"
    assert where(one) == f"{url}#comment-{one.id}"
    # Pushed one place down by the pin.
    assert where(two) == f"{url}?page=2#comment-{two.id}"
    assert where(three) == f"{url}?page=2#comment-{three.id}"
    assert where(five) == f"{url}?page=3#comment-{five.id}"


def test_featured_first_lists_conversations_with_a_featured_comment_first(
    session: Session, moderator: User
) -> None:
    article = make_article(session)
    one, two, three, four = roots(session, article, 4)
    highlights.set_pinned(session, two, True, actor=moderator)
    highlights.set_featured(session, four, True, actor=moderator)
    featured_reply = make_comment(session, article, parent=three)
    highlights.set_featured(session, featured_reply, True, actor=moderator)

    featured = thread.ThreadSort.FEATURED
    assert page_ids(session, article, 1, per_page=50, sort=featured) == [
        two.id,
        three.id,
        four.id,
        one.id,
    ]
    assert [
        page_ids(session, article, page, per_page=3, sort=featured) for page in (1, 2)
    ] == [[two.id, three.id, four.id], [one.id]]
    assert page_ids(session, article, 1, per_page=50) == [
        two.id,
        one.id,
        three.id,
        four.id,
    ]


def test_a_page_with_a_pin_costs_the_same_queries(
    session: Session,
    moderator: User,
    app_factory: AppFactory,
    count_queries: QueryCounter,
) -> None:
    plain, pinned = make_article(session), make_article(session)
    for root in roots(session, plain, 3):
        make_comment(session, plain, parent=root)
    for root in roots(session, pinned, 30):
        make_comment(session, pinned, parent=root)
    highlights.set_pinned(session, root, True, actor=moderator)
    highlights.set_featured(session, root, True, actor=moderator)
    with TestClient(app_factory(cache_mb=0)) as client:

        def cost(path: str) -> int:
            with count_queries() as log:
                assert client.get(path).status_code == 200
            return len(log)

        for path in ("/articles/{}", "/api/v1/articles/{}/comments"):
            for query in ("", "?sort=featured"):
                assert cost(path.format(pinned.slug) + query) == cost(
                    path.format(plain.slug) + query
                )


def test_the_api_nodes_say_pinned_and_featured_and_sort_by_featured(
    session: Session, moderator: User, client: TestClient
) -> None:
    article = make_article(session)
    one, two, three = roots(session, article, 3)
    reply = make_comment(session, article, parent=one)
    highlights.set_pinned(session, three, True, actor=moderator)
    highlights.set_featured(session, reply, True, actor=moderator)
    highlights.set_featured(session, two, True, actor=moderator)
    url = f"/api/v1/articles/{article.slug}/comments"

    oldest = client.get(url).json()["items"]
    featured = client.get(f"{url}?sort=featured").json()["items"]
    wrong = client.get(f"{url}?sort=newest")

    assert [(n["id"], n["pinned"], n["featured"]) for n in oldest] == [
        (three.id, True, False),
        (one.id, False, False),
        (two.id, False, True),
    ]
    assert oldest[1]["replies"][0]["featured"] is True
    assert [n["id"] for n in featured] == [three.id, one.id, two.id]
    assert wrong.status_code == 422


def test_the_page_marks_pins_and_features_and_offers_both_orders(
    session: Session, moderator: User, app_factory: AppFactory
) -> None:
    article = make_article(session)
    one, two, three = roots(session, article, 3)
    highlights.set_pinned(session, two, True, actor=moderator)
    highlights.set_featured(session, three, True, actor=moderator)
    url = f"/articles/{article.slug}"
    # The public pages are cached: each order has its own rendering.
    with TestClient(app_factory(comments_per_page=2)) as client:
        oldest = client.get(url).text
        featured = client.get(f"{url}?sort=featured").text
        featured_2 = client.get(f"{url}?sort=featured&page=2").text

    def order(html: str) -> list[int]:
        return [
            int(i)
            for i in re.findall(
                r'<article class="comment[^"]*"\s+id="comment-(\d+)"', html
            )
        ]

    assert order(oldest) == [two.id, one.id]
    assert order(featured) == [two.id, three.id]
    assert order(featured_2) == [one.id]
    assert '<span class="badge badge--pinned">Pinned</span>' in oldest
    assert '<span class="badge badge--featured">Featured</span>' in featured
    assert f'<a href="{url}#comments" aria-current="true">Oldest first</a>' in oldest
    assert f'<a href="{url}?sort=featured#comments">Featured first</a>' in oldest
    assert (
        f'<a href="{url}?sort=featured#comments" aria-current="true">'
        "Featured first</a>" in featured
    )
    assert f'href="{url}?page=2&amp;sort=featured#comments"' in featured
    # Readers get no moderator's buttons.
    assert "/pin" not in oldest


def test_moderators_pin_and_feature_from_the_page(
    session: Session, moderator: User, mod_client: TestClient
) -> None:
    article = make_article(session)
    one, two = roots(session, article, 2)
    reply = make_comment(session, article, parent=one)
    page = mod_client.get(f"/articles/{article.slug}").text
    token = csrf_from(page)

    assert f'action="/moderation/comments/{two.id}/pin"' in page
    assert f'action="/moderation/comments/{reply.id}/feature"' in page
    # A reply can't be pinned: no button offers it.
    assert f'action="/moderation/comments/{reply.id}/pin"' not in page

    pinned = mod_client.post(
        f"/moderation/comments/{two.id}/pin",
        data={"csrf_token": token, "next": f"/comments/{two.id}"},
    )
    featured = mod_client.post(
        f"/moderation/comments/{reply.id}/feature",
        data={"csrf_token": token, "next": f"/comments/{reply.id}"},
    )
    assert (pinned.status_code, pinned.headers["location"]) == (
        303,
        f"/comments/{two.id}",
    )
    assert mod_client.get(pinned.headers["location"]).headers["location"] == (
        f"/articles/{article.slug}#comment-{two.id}"
    )
    assert featured.status_code == 303
    page = mod_client.get(f"/articles/{article.slug}").text
    assert "Comment pinned at the top of the discussion." in page
    assert f'action="/moderation/comments/{two.id}/unpin"' in page
    assert f'action="/moderation/comments/{reply.id}/unfeature"' in page
    session.refresh(two)
    session.refresh(reply)
    assert two.pinned_at is not None
    assert reply.featured_at is not None
    logged = session.scalars(
        select(ModerationAction.action).where(
            ModerationAction.comment_id.in_((two.id, reply.id))
        )
    )
    assert sorted(logged) == sorted([ActionKind.PIN, ActionKind.FEATURE])

    # A refused change is said on the page it returns to.
    again = mod_client.post(
        f"/moderation/comments/{reply.id}/pin",
        data={"csrf_token": token, "next": f"/comments/{reply.id}"},
    )
    assert again.status_code == 303
    followed = mod_client.get(
        mod_client.get(again.headers["location"]).headers["location"]
    )
    assert "Only a top-level comment can be pinned, not a reply." in followed.text


def test_an_author_deleting_their_pinned_comment_clears_pin_and_feature(
    session: Session, moderator: User
) -> None:
    article = make_article(session)
    author = make_user(session)
    comment = make_comment(session, article, author=author)
    highlights.set_pinned(session, comment, True, actor=moderator)
    highlights.set_featured(session, comment, True, actor=moderator)

    editing.delete_comment(session, comment, actor=author)
    session.flush()
    session.refresh(comment)

    assert (comment.pinned_at, comment.featured_at) == (None, None)


def test_deleting_an_account_clears_its_comments_pins_and_features(
    session: Session, moderator: User
) -> None:
    article = make_article(session)
    author = make_user(session)
    comment = make_comment(session, article, author=author)
    reply = make_comment(session, article, author=author, parent=comment)
    highlights.set_pinned(session, comment, True, actor=moderator)
    highlights.set_featured(session, reply, True, actor=moderator)

    personal.delete_account(session, TEST_PASSWORD, actor=author)
    session.refresh(comment)
    session.refresh(reply)

    assert (comment.pinned_at, reply.featured_at) == (None, None)


def test_the_author_deleting_from_the_page_unpins_it_for_readers(
    session: Session, moderator: User, app_factory: AppFactory
) -> None:
    article = make_article(session)
    author = make_user(session)
    first = make_comment(session, article)
    comment = make_comment(session, article, author=author)
    make_comment(session, article, parent=comment)
    highlights.set_pinned(session, comment, True, actor=moderator)
    url = f"/api/v1/articles/{article.slug}/comments"
    with (
        TestClient(app_factory()) as reader,
        TestClient(app_factory(), follow_redirects=False) as browser,
    ):
        pinned = reader.get(url).json()["items"]
        login(browser, author.username)
        token = csrf_from(browser.get(f"/articles/{article.slug}").text)
        deleted = browser.post(
            f"/comments/{comment.id}/delete", data={"csrf_token": token}
        )
        items = reader.get(url).json()["items"]

    assert [n["id"] for n in pinned] == [comment.id, first.id]
    assert deleted.status_code == 303
    # Still there as a placeholder (a reply hangs from it), in its own place.
    assert [(n["id"], n["pinned"]) for n in items] == [
        (first.id, False),
        (comment.id, False),
    ]


@pytest.mark.parametrize("sort", list(thread.ThreadSort))
def test_every_order_reads_each_comment_once(
    session: Session, moderator: User, sort: thread.ThreadSort
) -> None:
    article = make_article(session)
    made = roots(session, article, 7)
    highlights.set_pinned(session, made[5], True, actor=moderator)
    highlights.set_featured(session, made[3], True, actor=moderator)
    highlights.set_featured(session, made[5], True, actor=moderator)

    listed = [
        comment_id
        for page in (1, 2, 3, 4)
        for comment_id in page_ids(session, article, page, per_page=2, sort=sort)
    ]

    assert sorted(listed) == sorted(c.id for c in made)
    assert listed[0] == made[5].id
