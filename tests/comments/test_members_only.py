"""Members-only comments and discussions (issue #19): chosen when posting, set
by moderators (audited) and by article authors; members read them, everyone
else gets a placeholder inviting them to sign in, from pages, API and cache."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.articles import service as articles_service
from app.articles.models import Article, Visibility
from app.articles.schemas import ArticleUpdate
from app.comments import service as comments_service
from app.comments import thread
from app.comments.models import Comment, CommentStatus
from app.comments.schemas import CommentCreate
from app.errors import Conflict, PermissionDenied
from app.moderation import visibility
from app.moderation.models import ActionKind, ModerationAction
from app.moderation.policy import load_policy, update_policy
from app.moderation.schemas import PolicyUpdate
from tests.conftest import AppFactory
from tests.factories import make_admin, make_article, make_comment, make_user
from tests.helpers import api_token, audit, csrf_from, form_token_from, login

SECRET = "Only members read about my relapse xq7members"


def _members_only(session: Session, article: Article, author: User) -> Comment:
    return comments_service.store_comment(
        session,
        article,
        body=SECRET,
        author=author,
        status=CommentStatus.APPROVED,
        visibility=Visibility.MEMBERS,
    )


def _post(
    session: Session, article: Article, author: User, **fields: object
) -> Comment:
    return comments_service.post_comment(
        session,
        article,
        CommentCreate.model_validate({"body": "A reply about stretching.", **fields}),
        actor=author,
        allow_guests=False,
    )


# The service ----------------------------------------------------------------------


def test_a_member_chooses_members_only_when_posting(session: Session) -> None:
    article = make_article(session)
    comment = _post(session, article, make_user(session), visibility="members")
    assert comment.visibility == Visibility.MEMBERS
    assert _post(session, article, make_user(session)).visibility == Visibility.PUBLIC


def test_a_reply_to_a_members_only_comment_is_members_only(session: Session) -> None:
    article = make_article(session)
    parent = _members_only(session, article, make_user(session))
    reply = _post(session, article, make_user(session), parent_id=parent.id)
    assert reply.visibility == Visibility.MEMBERS


def test_a_comment_in_a_members_only_discussion_is_members_only(
    session: Session,
) -> None:
    article = make_article(session)
    article.comments_visibility = Visibility.MEMBERS
    comment = _post(session, article, make_user(session), visibility="public")
    assert comment.visibility == Visibility.MEMBERS


def test_an_unknown_visibility_is_refused() -> None:
    with pytest.raises(ValueError, match="visibility"):
        CommentCreate.model_validate({"body": "Hello", "visibility": "friends"})


def test_a_moderator_sets_a_comments_visibility_and_it_is_audited(
    session: Session, moderator: User
) -> None:
    article = make_article(session)
    comment = make_comment(session, article, author=make_user(session))
    version = article.discussion_version
    visibility.set_visibility(session, comment, Visibility.MEMBERS, actor=moderator)
    assert comment.visibility == Visibility.MEMBERS
    session.refresh(article)
    assert article.discussion_version > version
    visibility.set_visibility(session, comment, Visibility.PUBLIC, actor=moderator)
    rows = session.scalars(
        select(ModerationAction)
        .where(ModerationAction.comment_id == comment.id)
        .order_by(ModerationAction.id)
    ).all()
    assert [(r.action, r.actor_id, r.reason) for r in rows] == [
        (ActionKind.SET_VISIBILITY, moderator.id, "Made members only"),
        (ActionKind.SET_VISIBILITY, moderator.id, "Made public"),
    ]
    with pytest.raises(Conflict, match="already public"):
        visibility.set_visibility(session, comment, Visibility.PUBLIC, actor=moderator)


def test_only_moderators_set_a_comments_visibility(session: Session) -> None:
    comment = make_comment(session, make_article(session), author=make_user(session))
    for actor in (None, make_user(session)):
        with pytest.raises(PermissionDenied):
            visibility.set_visibility(session, comment, Visibility.MEMBERS, actor=actor)
    assert comment.visibility == Visibility.PUBLIC


def test_the_admins_setting_makes_new_discussions_members_only(
    session: Session,
) -> None:
    admin = make_admin(session)
    assert make_article(session).comments_visibility == Visibility.PUBLIC
    update_policy(session, PolicyUpdate(members_only_by_default=True), actor=admin)
    session.info.clear()
    assert make_article(session).comments_visibility == Visibility.MEMBERS


def test_changing_a_discussions_visibility_changes_its_version(
    session: Session,
) -> None:
    article = make_article(session)
    version = article.discussion_version
    articles_service.update_article(
        session,
        article,
        ArticleUpdate(comments_visibility=Visibility.MEMBERS),
        actor=make_admin(session),
    )
    session.refresh(article)
    assert article.comments_visibility == Visibility.MEMBERS
    assert article.discussion_version > version


def test_a_page_for_visitors_keeps_the_place_but_not_the_text(
    session: Session,
) -> None:
    article = make_article(session)
    author = make_user(session, display_name="Hidden Harriet")
    secret = _members_only(session, article, author)
    make_comment(session, article, author=make_user(session), parent=secret)
    discussion = thread.find_discussion(session, article.slug)

    public = thread.thread_page(session, discussion, page=1, viewer=thread.PUBLIC)
    (node,) = public.page.items
    assert node.sign_in == f"/login?next=/articles/{article.slug}%23comment-{secret.id}"
    assert (node.body_html, node.author_name, node.author_id) == ("", "", None)
    assert node.label == "Members-only comment"
    assert thread.hides_members_only(public.page.items)
    members = thread.thread_page(session, discussion, page=1, viewer=thread.MEMBERS)
    assert members.page.items[0].body_html.count(SECRET) == 1
    assert not thread.hides_members_only(members.page.items)


def test_a_lone_members_only_comment_keeps_its_place(session: Session) -> None:
    article = make_article(session)
    _members_only(session, article, make_user(session))
    discussion = thread.find_discussion(session, article.slug)
    page = thread.thread_page(session, discussion, page=1, viewer=thread.PUBLIC)
    assert [node.placeholder for node in page.page.items] == [thread.MEMBERS_ONLY_TEXT]


# The faces ------------------------------------------------------------------------


def _clients(
    app_factory: AppFactory, member: User
) -> tuple[TestClient, TestClient, dict[str, str]]:
    """A visitor and a signed-in member of one site (one cache), and the
    member's API header."""
    app = app_factory()
    visitor = TestClient(app)
    reader = TestClient(app, follow_redirects=False)
    login(reader, member.username)
    bearer = {"Authorization": f"Bearer {api_token(TestClient(app), member.username)}"}
    return visitor, reader, bearer


def test_the_api_tree_hides_members_only_nodes_from_visitors_only(
    app_factory: AppFactory, session: Session
) -> None:
    article = make_article(session)
    secret = _members_only(session, article, make_user(session, display_name="Kit"))
    make_comment(session, article, author=make_user(session))
    member = make_user(session)
    visitor, _, bearer = _clients(app_factory, member)
    url = f"/api/v1/articles/{article.slug}/comments"

    # The member reads first, so a shared cache would hand their view on.
    seen = visitor.get(url, headers=bearer).json()["items"]
    assert [n["visibility"] for n in seen] == ["members", "public"]
    assert SECRET in seen[0]["body_html"]
    assert seen[0]["author"] == {"display_name": "Kit"}
    for _ in range(2):  # built, then from the cache
        hidden = visitor.get(url).json()["items"][0]
        assert hidden["id"] == secret.id
        assert hidden["visibility"] == "members"
        assert (hidden["body_html"], hidden["author"]) == ("", None)
    assert visitor.get(f"/api/v1/comments/{secret.id}").json()["body_html"] == ""


def test_the_article_page_shows_visitors_a_sign_in_placeholder(
    app_factory: AppFactory, session: Session
) -> None:
    article = make_article(session)
    secret = _members_only(session, article, make_user(session, display_name="Kit"))
    member = make_user(session)
    visitor, reader, _ = _clients(app_factory, member)
    url = f"/articles/{article.slug}"

    page = reader.get(url).text
    assert SECRET in page
    assert 'name="robots"' not in page
    for _ in range(2):  # built, then from the cache
        shown = visitor.get(url).text
        assert SECRET not in shown
        assert "This comment is for members only." in shown
        assert f'href="/login?next={url}%23comment-{secret.id}"' in shown
        assert '<meta name="robots" content="noindex">' in shown


def test_a_member_posts_members_only_through_the_api_and_the_form(
    app_factory: AppFactory, session: Session
) -> None:
    article = make_article(session)
    member = make_user(session, role=Role.MODERATOR)  # published at once
    _, reader, bearer = _clients(app_factory, member)
    created = reader.post(
        f"/api/v1/articles/{article.slug}/comments",
        json={"body": "Through the API.", "visibility": "members"},
        headers=bearer,
    )
    assert created.status_code == 201
    assert created.json()["visibility"] == "members"
    refused = reader.post(
        f"/api/v1/articles/{article.slug}/comments",
        json={"body": "Through the API again.", "visibility": "secret"},
        headers=bearer,
    )
    assert refused.status_code == 422

    form = reader.get(f"/articles/{article.slug}").text
    assert 'name="visibility" type="checkbox" value="members"' in form
    posted = reader.post(
        f"/articles/{article.slug}/comments",
        data={
            "csrf_token": csrf_from(form),
            "form_token": form_token_from(form),
            "body": "Through the form.",
            "visibility": "members",
            "action": "post",
        },
        follow_redirects=False,
    )
    assert posted.status_code == 303
    stored = session.scalars(
        select(Comment).where(Comment.body == "Through the form.")
    ).one()
    assert stored.visibility == Visibility.MEMBERS


def test_a_moderator_sets_visibility_through_the_api_and_the_page(
    app_factory: AppFactory, session: Session, moderator: User
) -> None:
    article = make_article(session)
    comment = make_comment(session, article, author=make_user(session))
    _, reader, bearer = _clients(app_factory, moderator)
    url = f"/api/v1/moderation/comments/{comment.id}/visibility"
    answer = reader.post(url, json={"visibility": "members"}, headers=bearer)
    assert answer.json() == {"id": comment.id, "visibility": "members"}
    again = reader.post(url, json={"visibility": "members"}, headers=bearer)
    assert again.status_code == 409
    assert reader.post(url, json={"visibility": "x"}, headers=bearer).status_code == 422

    article_page = reader.get(f"/articles/{article.slug}").text
    assert f'action="/moderation/comments/{comment.id}/visibility"' in article_page
    assert "Make it public" in article_page
    done = reader.post(
        f"/moderation/comments/{comment.id}/visibility",
        data={"csrf_token": csrf_from(article_page), "visibility": "public"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    session.refresh(comment)
    assert comment.visibility == Visibility.PUBLIC


def test_an_admin_sets_a_discussions_visibility_by_api_and_form(
    app_factory: AppFactory, session: Session
) -> None:
    admin = make_admin(session)
    article = make_article(session, author=admin)
    _, reader, bearer = _clients(app_factory, admin)
    changed = reader.patch(
        f"/api/v1/articles/{article.slug}",
        json={"comments_visibility": "members"},
        headers=bearer,
    )
    assert changed.json()["comments_visibility"] == "members"
    form = reader.get(f"/articles/{article.slug}/edit").text
    assert 'value="members" checked' in form
    saved = reader.post(
        f"/articles/{article.slug}/edit",
        data={
            "csrf_token": csrf_from(form),
            "title": article.title,
            "slug": article.slug,
            "summary": article.summary,
            "tags": "",
            "body": article.body,
            "status": "published",
            "comments_visibility": "public",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    session.refresh(article)
    assert article.comments_visibility == Visibility.PUBLIC
    # Both changes are in the moderation log; saving the form again is not.
    logged = audit(
        session,
        kind=ActionKind.DISCUSSION_VISIBILITY,
        fields=("actor_id", "article_id", "reason"),
    )
    assert logged == [
        (admin.id, article.id, "Members only"),
        (admin.id, article.id, "Public"),
    ]


def test_the_admins_setting_is_on_the_settings_page(
    app_factory: AppFactory, session: Session
) -> None:
    admin = make_admin(session)
    _, reader, _ = _clients(app_factory, admin)
    page = reader.get("/admin/settings").text
    assert 'name="members_only_by_default"' in page
    reader.post(
        "/admin/settings",
        data={
            "csrf_token": csrf_from(page),
            "trust_threshold": "1",
            "max_links": "2",
            "flag_threshold": "3",
            "edit_window_hours": "24",
            "auto_close_days": "0",
            "members_only_by_default": "1",
        },
        follow_redirects=False,
    )
    session.info.clear()
    assert load_policy(session).members_only_by_default
    new = reader.get("/admin/articles/new").text
    assert (
        'id="comments-visibility-members" name="comments_visibility" value="members" checked'
        in new
    )
