"""Reading a discussion: pages of comment trees as plain values, decided per viewer.

A page holds at most ``TOP_LEVEL_PER_PAGE`` top-level comments, oldest first,
and under each the oldest replies of its tree: at most ``REPLIES_PER_TREE``,
and fewer when the page's trees together have more than ``REPLIES_ON_PAGE``
(they share that budget fairly, so one busy conversation can't crowd out the
others). The oldest replies of a tree always hang together (a reply is newer
than what it answers), and the rest of a long tree is one link away: its
replies page, ``REPLIES_PER_PAGE`` at a time. So a page costs the same few
queries and holds about the same number of comments, whatever the size of the
discussion.

Everything a page shows arrives as plain values: each ``Node`` carries its text,
its author's name, its dates as the page writes them and what this viewer may do
with it, with the addresses to do it (``Actions``), all decided here in one pass
over what was loaded. Templates and the JSON API read those values and decide
nothing, so the two faces can't disagree.

What anonymous readers see is the same for all of them. The faces cache its
rendering under ``Discussion.cache_key()``: the article's discussion version,
bumped in the same transaction as every change a reader would see
(app.comments.standing), the settings version and whether comments are open.
Members-only comments (issue #19) are placeholders in it; signed-in members
with nothing of their own on a page share a rendering of their own (MEMBERS),
under keys of its own.
"""

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cache
from itertools import pairwise
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    and_,
    bindparam,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from app import counters, dates, paths
from app.accounts import service as accounts_service
from app.accounts.models import Role, User
from app.articles.models import Article, ArticleStatus, Visibility
from app.comments import editing, profile, reporting
from app.comments import service as comments_service
from app.comments.closure import ClosingFacts, Closure, closure_of
from app.comments.models import Comment, CommentStatus, shown_name
from app.db import AnySelect, utcnow
from app.errors import NotAuthenticated, NotFound
from app.moderation.policy import Policy, load_policy
from app.pagination import Page, offset_for

# At most this many top-level comments on a page (HAVEN_COMMENTS_PER_PAGE may say fewer).
TOP_LEVEL_PER_PAGE = 50
REPLIES_PER_TREE = 10
REPLIES_ON_PAGE = 100
REPLIES_PER_PAGE = 100
# Replies deeper than this are listed flat under their deepest indented
# ancestor, each saying whom it answers.
MAX_INDENT_DEPTH = 5

_PLACEHOLDER_STATUSES = (CommentStatus.REMOVED, CommentStatus.DELETED)
_SHOWN = (CommentStatus.APPROVED, *_PLACEHOLDER_STATUSES)
PLACEHOLDER_TEXT = {
    CommentStatus.REMOVED: "This comment was removed by a moderator.",
    CommentStatus.DELETED: "This comment was deleted by its author.",
}
HIDDEN_TEXT = "This comment is hidden while moderators review it."
MEMBERS_ONLY_TEXT = "This comment is for members only."
_STAFF = (Role.MODERATOR, Role.ADMIN)


# Who is reading ----------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """The person a page is for: a member, or a visitor with the ids of the
    comments their browser posted as a guest (its own pending ones show to it)."""

    user: User | None = None
    guest_ids: tuple[int, ...] = ()
    # A member's last visit, when comments were published since: those are
    # marked new, each linking to the next (app.comments.visits).
    since: datetime | None = None
    # The rendering every signed-in member shares (MEMBERS): members-only
    # comments show their text, as they do to any signed-in viewer.
    members: bool = False

    @classmethod
    def of(cls, user: User | None, guest_ids: Collection[int] = ()) -> "Viewer":
        ids = tuple(
            i for i in guest_ids if isinstance(i, int) and not isinstance(i, bool)
        )
        return cls(user, ids[-comments_service.MAX_GUEST_COMMENT_IDS :])

    @property
    def is_public(self) -> bool:
        """Sees exactly what every anonymous reader sees (the cached pages)."""
        return self.user is None and not self.guest_ids and not self.members

    @property
    def reads_members_only(self) -> bool:
        """Reads members-only comments: signed in, or the members' rendering."""
        return self.user is not None or self.members

    @property
    def is_shared(self) -> bool:
        """One of the renderings shared by an audience (PUBLIC or MEMBERS)."""
        return self.user is None and not self.guest_ids

    def shared(self) -> "Viewer":
        """The rendering shared by everyone of this viewer's audience (see
        sees_public_page()): the members' one for a signed-in member, else the
        anonymous readers'. Members-only text never reaches the latter."""
        return MEMBERS if self.user is not None else PUBLIC

    @property
    def sees_everything(self) -> bool:
        return self.user is not None and self.user.moderates


PUBLIC = Viewer()
MEMBERS = Viewer(members=True)


# What is on a page ------------------------------------------------------------


@dataclass(frozen=True)
class ModTools:
    """A moderator's controls under a published comment."""

    edit: str | None  # None under the moderator's own comment (Edit is offered above)
    lock: str
    lock_label: str
    remove: str
    spam: str
    # Where the forms send the moderator back to.
    back: str
    # Annotating it instead: its content note (from ``content_notes``), and an
    # editor's note (removed at ``editor_note_delete`` when it has one).
    content_note: str = ""
    content_notes: tuple[str, ...] = ()
    editor_note: str = ""
    editor_note_delete: str | None = None
    # Making the comment members only, or public again (issue #19): where, and to what.
    visibility: str = ""
    visibility_to: str = Visibility.MEMBERS
    # Pinning (top-level comments only) and featuring, each a toggle
    # (app.moderation.highlights); the forms return to the comment's permalink,
    # since pinning moves it.
    pin: str | None = None
    pin_label: str = "Pin to the top"
    feature: str = ""
    feature_label: str = "Feature"
    highlights_back: str = ""


@dataclass(frozen=True)
class Actions:
    """What a viewer may do with one comment: an address for each offered action."""

    reply: str | None = None
    edit: str | None = None
    edit_label: str = "Edit"
    delete: str | None = None
    report: str | None = None
    moderate: ModTools | None = None

    @property
    def offered(self) -> bool:
        return bool(self.reply or self.edit or self.delete or self.report)


NO_ACTIONS = Actions()


@dataclass(frozen=True)
class ReplyTo:
    """The comment a flat-listed reply answers, as the page names it."""

    id: int
    name: str


@dataclass(frozen=True)
class EditorNote:
    """A moderator's note under a comment (a medical claim answered), with an
    optional link to the evidence."""

    text: str
    url: str | None


@dataclass(frozen=True)
class MoreReplies:
    """The replies of a tree a page leaves out, and where they are."""

    count: int
    url: str
    api_url: str


@dataclass(eq=False)
class Node:
    """One comment as one viewer sees it, with its replies on this page."""

    id: int
    parent_id: int | None
    root_id: int
    depth: int
    status: CommentStatus
    author_id: int | None
    author_name: str
    author_is_staff: bool
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    hidden_at: datetime | None
    locked: bool
    # On a top-level comment: its published replies, shown here or not.
    reply_count: int = 0
    # Readers see the text collapsed behind this note until they open it;
    # ``note_open``: this reader chose to always see comments with this note.
    content_note: str | None = None
    note_open: bool = False
    # The badge an admin gave its author ("MS nurse", ...).
    author_badge: str | None = None
    # Its author wrote the article.
    is_article_author: bool = False
    editor_note: EditorNote | None = None
    # Published since the reader's last visit, and the next such comment's anchor.
    is_new: bool = False
    next_new: str | None = None
    # For the comment's author only: a waiting edit; for them and moderators,
    # why a moderator refused or removed it (profile.reads_reason).
    pending_body_html: str | None = None
    decision_reason: str | None = None
    placeholder: str | None = None
    # "members": only signed-in members read it (issue #19); to anyone else it
    # is a placeholder inviting them to sign in at ``sign_in``.
    visibility: str = Visibility.PUBLIC
    sign_in: str | None = None
    # Members only by its own setting, not only by its discussion's.
    own_members_only: bool = False
    # This comment or one above it is locked: no replies anywhere below.
    under_lock: bool = False
    replies: list["Node"] = field(default_factory=list)
    # Below the deepest indent: the whole sub-tree, oldest first, listed flat.
    flat: list["Node"] = field(default_factory=list)
    reply_to: ReplyTo | None = None
    more_replies: MoreReplies | None = None
    actions: Actions = NO_ACTIONS
    # A moderator pinned it first on page 1, or featured it (app.moderation.highlights).
    pinned: bool = False
    featured: bool = False

    @property
    def accepts_replies(self) -> bool:
        """The reply rule of comments_service.replyable_parent(), for a loaded tree."""
        return (
            self.placeholder is None
            and self.status == CommentStatus.APPROVED
            and self.hidden_at is None
            and not self.under_lock
        )

    @property
    def nested(self) -> bool:
        """Its replies indent under it (else they are listed flat, see ``flat``)."""
        return self.depth < MAX_INDENT_DEPTH

    @property
    def shown_replies(self) -> list["Node"]:
        """The replies the page shows under it: nested ones, or the flat list
        below the deepest indent (empty for a node in such a list)."""
        return self.replies if self.nested else self.flat

    @property
    def anchor(self) -> str:
        return f"comment-{self.id}"

    @property
    def label(self) -> str:
        if self.sign_in is not None:
            return "Members-only comment"
        return (
            "Removed comment" if self.placeholder else f"Comment by {self.author_name}"
        )

    @property
    def status_badge(self) -> tuple[str, str] | None:
        """A status badge (its CSS modifier and its text), if the comment needs one."""
        if self.status == CommentStatus.PENDING:
            return ("awaiting-moderation", "Awaiting moderation")
        if self.status == CommentStatus.REJECTED:
            return ("not-published", "Not published")
        if self.hidden_at is not None and self.status == CommentStatus.APPROVED:
            return ("hidden-for-review", "Hidden for review")
        return None

    @property
    def created_iso(self) -> str:
        return dates.iso(self.created_at)

    @property
    def created_date(self) -> str:
        return dates.long_date(self.created_at)

    @property
    def created_long(self) -> str:
        return dates.date_and_time(self.created_at)


# The discussion and its cache key -------------------------------------------------


@dataclass(frozen=True)
class Discussion:
    """An article's discussion as its pages need it, read in one query."""

    article_id: int
    slug: str
    version: int
    settings_version: int
    # Who wrote the article: their comments are marked "Author".
    author_id: int | None
    comment_count: int
    # Top-level comments holding a place in its pages (Article.root_count).
    root_count: int
    is_open: bool
    policy: Policy
    # Why it is closed, in words for its page (None while open).
    closed: Closure | None = None

    def cache_key(self, kind: str, *parts: int, audience: Viewer = PUBLIC) -> str:
        """The key of a shared rendering: what it shows can't change under it.
        The members' rendering (``audience`` MEMBERS) has keys of its own."""
        fixed = f"{self.article_id}:{self.version}:{self.settings_version}"
        kind = f"{kind}-members" if audience.members else kind
        return ":".join((kind, fixed, str(int(self.is_open)), *map(str, parts)))

    @property
    def url(self) -> str:
        return paths.fill(paths.ARTICLE, slug=self.slug)


def _discussion_columns() -> AnySelect:
    return select(
        Article.id,
        Article.slug,
        Article.status,
        Article.author_id,
        Article.discussion_version,
        Article.approved_count,
        Article.root_count,
        Article.comments_closed_at,
        Article.published_at,
        Article.comments_reopened_at,
        Article.close_reason,
        counters.value_of(counters.SETTINGS_VERSION).label("settings_version"),
    )


# What a discussion page's cache key needs, by the article's address or by one
# of its comments: the whole cost of a cached page (app.front uses them too).
DISCUSSION_BY_SLUG = _discussion_columns().where(Article.slug == bindparam("slug"))
DISCUSSION_BY_COMMENT = (
    _discussion_columns()
    .join(Comment, Comment.article_id == Article.id)
    .where(Comment.id == bindparam("comment_id"))
)


def discussion_from(row: Mapping[Any, Any], policy: Policy) -> Discussion:
    """The discussion a DISCUSSION_BY_* row describes, under ``policy``."""
    closed = closure_of(
        ClosingFacts(
            row["comments_closed_at"],
            row["close_reason"],
            row["published_at"],
            row["comments_reopened_at"],
        ),
        policy,
    )
    return Discussion(
        article_id=row["id"],
        slug=row["slug"],
        version=row["discussion_version"],
        author_id=row["author_id"],
        settings_version=row["settings_version"] or 0,
        comment_count=row["approved_count"],
        root_count=row["root_count"],
        is_open=closed is None,
        policy=policy,
        closed=closed,
    )


def find_discussion(
    session: Session, slug: str, *, viewer: User | None = None
) -> Discussion:
    """A published article's discussion (drafts for admins), in one indexed lookup.

    This is all a cached page costs: the version names the rendering.
    """
    row = session.execute(DISCUSSION_BY_SLUG, {"slug": slug}).one_or_none()
    drafts = viewer is not None and viewer.is_admin
    if row is None or (row.status != ArticleStatus.PUBLISHED and not drafts):
        raise NotFound("No article at this address.")
    mapping = row._mapping
    policy = load_policy(session, version=mapping["settings_version"] or 0)
    return discussion_from(mapping, policy)


# Who sees what, in SQL -------------------------------------------------------------
#
# The statements are built once per shape of viewer (anonymous, member,
# moderator; with or without a guest's own comments) with bound parameters, and
# reused: building SQLAlchemy expressions anew cost more than running them.


@dataclass(frozen=True)
class _Shape:
    member: bool = False
    moderator: bool = False
    guest: bool = False


def _shape(viewer: Viewer) -> _Shape:
    user = viewer.user
    return _Shape(
        member=user is not None,
        moderator=user is not None and user.moderates,
        guest=bool(viewer.guest_ids),
    )


def _params(viewer: Viewer, **values: Any) -> dict[str, Any]:
    """The viewer's bound parameters for the statements of its shape."""
    return {
        "viewer_id": viewer.user.id if viewer.user else 0,
        "guest_ids": list(viewer.guest_ids),
        **values,
    }


_VIEWER = bindparam("viewer_id", type_=Integer)
_GUEST_IDS = bindparam("guest_ids", type_=Integer, expanding=True)


def _visible(shape: _Shape, c: Any = Comment) -> ColumnElement[bool]:
    """What a viewer may see of comments ``c``: approved ones, placeholders, and
    their own pending (or rejected, to revise) ones. A guest's own are those its
    signed cookie remembers, while pending."""
    shown: list[ColumnElement[bool]] = [
        c.status.in_((CommentStatus.APPROVED, *_PLACEHOLDER_STATUSES))
    ]
    if shape.member:
        shown.append(
            and_(
                c.status.in_((CommentStatus.PENDING, CommentStatus.REJECTED)),
                c.author_id == _VIEWER,
            )
        )
    if shape.guest:
        shown.append(
            and_(
                c.status == CommentStatus.PENDING,
                c.author_id.is_(None),
                c.id.in_(_GUEST_IDS),
            )
        )
    return or_(*shown)


def sees_hidden(author_id: int | None, viewer: Viewer) -> bool:
    """A comment hidden by readers' reports still shows to its author and moderators."""
    user = viewer.user
    return user is not None and (user.moderates or author_id == user.id)


def _shown_to_all() -> ColumnElement[bool]:
    """Top-level comments every reader sees: published ones, and placeholders
    while published replies hang from them (standing.Standing.shows_root; the
    article's root_count counts these)."""
    return or_(
        Comment.published(),
        and_(Comment.status.in_(_SHOWN), Comment.reply_count > 0),
    )


def _shown_to(shape: _Shape) -> ColumnElement[bool] | None:
    """Top-level comments a viewer sees besides those every reader sees: their
    own waiting or rejected ones and, for their authors and moderators, those
    hidden by reports."""
    own: list[ColumnElement[bool]] = []
    if shape.member:
        hidden = Comment.status == CommentStatus.APPROVED
        if not shape.moderator:
            hidden = and_(hidden, Comment.author_id == _VIEWER)
        own += [
            hidden,
            and_(
                Comment.author_id == _VIEWER,
                Comment.status.in_((CommentStatus.PENDING, CommentStatus.REJECTED)),
            ),
        ]
    if shape.guest:
        own.append(
            and_(
                Comment.id.in_(_GUEST_IDS),
                Comment.author_id.is_(None),
                Comment.status == CommentStatus.PENDING,
            )
        )
    return or_(*own) if own else None


def _top_level(shape: _Shape) -> ColumnElement[bool]:
    """The top-level comments of article ``:article_id`` a viewer's pages show,
    read in order through ix_comment_article_parent_created."""
    shown = _shown_to_all()
    extra = _shown_to(shape)
    return and_(
        Comment.article_id == bindparam("article_id"),
        Comment.parent_id.is_(None),
        or_(shown, extra) if extra is not None else shown,
    )


@cache
def _extra_roots_statement(shape: _Shape) -> AnySelect | None:
    extra = _shown_to(shape)
    if extra is None:
        return None
    conditions = [
        Comment.article_id == bindparam("article_id"),
        Comment.parent_id.is_(None),
        extra,
        not_(_shown_to_all()),
    ]
    if not shape.moderator:
        # Only the viewer's own comments can be extra: start from those
        # (through the author's index), not from the article's top level.
        own = Comment.id.in_(select(Comment.id).where(Comment.author_id == _VIEWER))
        conditions.append(or_(own, Comment.id.in_(_GUEST_IDS)) if shape.guest else own)
    return select(func.count(Comment.id)).where(*conditions)


def _extra_roots(session: Session, article_id: int, viewer: Viewer) -> int:
    """How many top-level comments ``viewer`` sees that no stored count has."""
    statement = _extra_roots_statement(_shape(viewer))
    if statement is None:
        return 0
    found = session.scalar(statement, _params(viewer, article_id=article_id))
    return int(found or 0)


_COLUMNS = (
    Comment.id,
    Comment.parent_id,
    Comment.root_id,
    Comment.depth,
    Comment.status,
    Comment.author_id,
    Comment.guest_name,
    Comment.body_html,
    Comment.created_at,
    Comment.edited_at,
    Comment.hidden_at,
    Comment.locked,
    Comment.pinned_at,
    Comment.featured_at,
    Comment.pending_body_html,
    Comment.decision_reason,
    Comment.reply_count,
    Comment.content_note,
    Comment.editor_note,
    Comment.editor_note_url,
    User.display_name.label("author_display_name"),
    User.role.label("author_role"),
    User.badge.label("author_badge"),
    Comment.visibility,
    Article.comments_visibility.label("discussion_visibility"),
    Article.slug.label("article_slug"),
)
_OLDEST_FIRST = (Comment.created_at, Comment.id)


def _rows(statement: Any) -> Any:
    return statement.outerjoin(User, User.id == Comment.author_id).join(
        Article, Article.id == Comment.article_id
    )


def _node(row: Row[Any], viewer: Viewer) -> Node:
    """A node from a row of _COLUMNS; what only the author may see is kept for
    them (a moderator's reason for moderators too)."""
    own = viewer.user is not None and row.author_id == viewer.user.id
    placeholder = PLACEHOLDER_TEXT.get(row.status)
    if (
        placeholder is None
        and row.hidden_at is not None
        and not sees_hidden(row.author_id, viewer)
    ):
        placeholder = HIDDEN_TEXT
    members_only = Visibility.MEMBERS in (row.visibility, row.discussion_visibility)
    sign_in = None
    guests_own = row.author_id is None and row.id in viewer.guest_ids
    if (
        placeholder is None
        and members_only
        and not (viewer.reads_members_only or guests_own)
    ):
        placeholder = MEMBERS_ONLY_TEXT
        sign_in = paths.sign_in_to(
            f"{paths.fill(paths.ARTICLE, slug=row.article_slug)}#comment-{row.id}"
        )
    node = Node(
        id=row.id,
        parent_id=row.parent_id,
        root_id=row.root_id or row.id,
        depth=row.depth,
        status=CommentStatus(row.status),
        author_id=row.author_id,
        author_name=shown_name(row.author_display_name, row.guest_name),
        author_is_staff=row.author_role in _STAFF,
        body_html=row.body_html,
        created_at=row.created_at,
        edited_at=row.edited_at,
        hidden_at=row.hidden_at,
        locked=row.locked,
        reply_count=row.reply_count,
        pending_body_html=row.pending_body_html if own else None,
        decision_reason=row.decision_reason
        if profile.reads_reason(row.status, row.author_id, viewer.user)
        else None,
        placeholder=placeholder,
        visibility=Visibility.MEMBERS if members_only else Visibility.PUBLIC,
        sign_in=sign_in,
        own_members_only=row.visibility == Visibility.MEMBERS,
        under_lock=row.locked,
        content_note=row.content_note,
        note_open=row.content_note is not None
        and viewer.user is not None
        and row.content_note in viewer.user.shown_content_notes,
        author_badge=row.author_badge,
        editor_note=EditorNote(row.editor_note, row.editor_note_url)
        if row.editor_note is not None
        else None,
        is_new=viewer.since is not None
        and row.created_at > viewer.since
        and row.status == CommentStatus.APPROVED
        and placeholder is None
        and not own,
        pinned=row.pinned_at is not None,
        featured=row.featured_at is not None,
    )
    if sign_in is not None:  # nothing of it but its place
        _keep_only_place(node)
    return node


def _keep_only_place(node: Node) -> None:
    """Blank what a members-only comment says and who wrote it, for a reader
    who may not see them: the page keeps its place and date only."""
    node.author_id = None
    node.author_name = ""
    node.author_badge = None
    node.body_html = ""
    node.content_note = None
    node.editor_note = None
    node.decision_reason = None


def sees_public_page(session: Session, discussion: Discussion, viewer: Viewer) -> bool:
    """Whether ``viewer`` sees exactly what anonymous readers see of this
    discussion, so the public rendering serves them too: anyone but a
    moderator, a banned member, a member who always opens some content notes,
    one with comments new since their last visit or the author of a comment
    in it (one indexed query, through the member's
    own comments)."""
    if viewer.is_public:
        return True
    user = viewer.user
    if user is None or user.is_moderator or viewer.guest_ids or viewer.since:
        return False
    if accounts_service.ban_message(user) is not None or user.shown_content_notes:
        return False
    return not session.scalar(
        _HAS_COMMENTED, {"author_id": user.id, "article_id": discussion.article_id}
    )


_HAS_COMMENTED = select(
    exists().where(
        Comment.author_id == bindparam("author_id"),
        Comment.article_id == bindparam("article_id"),
    )
)


# Pages -------------------------------------------------------------------------------


class ThreadSort(StrEnum):
    """The orders of a discussion's top-level comments (``?sort=``). Either way
    the pinned comment comes first on page 1."""

    OLDEST = "oldest"
    # Conversations holding a featured comment (at the top or in a reply)
    # first, then the others; each oldest first.
    FEATURED = "featured"

    @property
    def label(self) -> str:
        return "Featured first" if self is ThreadSort.FEATURED else "Oldest first"

    def cache_kind(self, kind: str) -> str:
        """The cache key's kind of a rendering in this order: the default order
        keeps the plain kind, which the front cache (app.front) also reads."""
        return kind if self is ThreadSort.OLDEST else f"{kind}-{self}"

    def query(self) -> str:
        """What a page link of this order adds after ``?page=N``."""
        return "" if self is ThreadSort.OLDEST else f"&sort={self}"


@dataclass(frozen=True)
class SortLink:
    label: str
    url: str
    current: bool


@dataclass(frozen=True)
class ThreadPage:
    """One page of a discussion: whole trees, each cut after its oldest replies."""

    discussion: Discussion
    page: Page[Node]
    sort: ThreadSort = ThreadSort.OLDEST

    @property
    def sorts(self) -> list[SortLink]:
        """The orders a reader may choose, the current one marked."""
        url = self.discussion.url
        return [
            SortLink(
                sort.label,
                f"{url}?sort={sort}#comments"
                if sort is not ThreadSort.OLDEST
                else f"{url}#comments",
                sort is self.sort,
            )
            for sort in ThreadSort
        ]


def thread_page(
    session: Session,
    discussion: Discussion,
    *,
    page: int,
    viewer: Viewer,
    per_page: int = TOP_LEVEL_PER_PAGE,
    sort: ThreadSort = ThreadSort.OLDEST,
) -> ThreadPage:
    """A page of ``discussion`` for ``viewer`` in two or three queries, which read
    only what the page shows, whatever the size of the discussion.

    Top-level comments oldest first (the pinned one first of all, on page 1
    only; see ThreadSort for the other order); under each, its oldest replies
    (the page's share, see replies_shown()) and how many more its replies page
    holds. The counts are stored ones (app.comments.standing).
    """
    total = discussion.root_count + _extra_roots(session, discussion.article_id, viewer)
    roots = [
        _node(row, viewer)
        for row in session.execute(
            _roots_statement(_shape(viewer), sort),
            _params(
                viewer,
                article_id=discussion.article_id,
                offset=offset_for(page, per_page),
                limit=per_page,
            ),
        )
    ]
    replies = _first_replies(session, [r.id for r in roots], viewer)
    nodes = _assemble(roots, replies)
    for root in nodes:
        more = root.reply_count - _count_published(root)
        if more > 0:
            root.more_replies = MoreReplies(
                count=more,
                url=paths.fill(paths.COMMENT_REPLIES, comment_id=root.id),
                api_url=paths.fill(paths.API_COMMENT_REPLIES, comment_id=root.id),
            )
    _decide(nodes, discussion, viewer)
    _link_news(nodes)
    return ThreadPage(
        discussion,
        Page(items=nodes, page=page, per_page=per_page, total=total),
        sort,
    )


_OFFSET = bindparam("offset", type_=Integer)
_LIMIT = bindparam("limit", type_=Integer)


def _lanes(sort: ThreadSort) -> list[ColumnElement[bool]]:
    """The top-level comments of a discussion in the order its pages list them,
    lane after lane: the pinned one (at most one, ix_comment_one_pin), then,
    featured first, the trees holding a featured comment (a handful, found
    through ix_comment_featured), then the rest."""
    pinned = Comment.pinned_at.is_not(None)
    if sort is ThreadSort.OLDEST:
        return [pinned, not_(pinned)]
    featured = aliased(Comment)
    in_featured_tree = Comment.id.in_(
        select(func.coalesce(featured.root_id, featured.id)).where(
            featured.article_id == bindparam("article_id"),
            featured.featured_at.is_not(None),
        )
    )
    return [
        pinned,
        and_(not_(pinned), in_featured_tree),
        and_(not_(pinned), not_(in_featured_tree)),
    ]


@cache
def _roots_statement(shape: _Shape, sort: ThreadSort = ThreadSort.OLDEST) -> AnySelect:
    """A page of top-level comments (``offset``, ``limit``) in ``sort``'s order.

    Each lane reads at most ``offset + limit`` rows in the order of
    ix_comment_article_parent_created, so the page costs what a plain
    oldest-first page costs, and only those are sorted.
    """
    lanes = [
        select(
            _rows(select(*_COLUMNS, literal(rank, Integer).label("lane")))
            .where(_top_level(shape), condition)
            .order_by(*_OLDEST_FIRST)
            .limit(_OFFSET + _LIMIT)
            .subquery(f"lane_{rank}")
        )
        for rank, condition in enumerate(_lanes(sort))
    ]
    page = union_all(*lanes).subquery("page")
    return (
        select(page)
        .order_by(page.c.lane, page.c.created_at, page.c.id)
        .offset(_OFFSET)
        .limit(_LIMIT)
    )


@cache
def _first_replies_statement(shape: _Shape) -> AnySelect:
    """The oldest replies of up to TOP_LEVEL_PER_PAGE trees (parameters
    ``tree_0``, ``tree_1``, ...; 0 fills an unused slot): one bounded read of
    ix_comment_root_created per tree, the reads joined by UNION ALL.

    Written out per tree because neither shorter form serves both databases: a
    join on ``id IN (a correlated subquery with LIMIT)`` reads well on SQLite,
    but PostgreSQL plans it as a nested loop over every comment, and SQLite has
    no LATERAL.
    """

    def tree(slot: int) -> AnySelect:
        return select(
            select(Comment.id, Comment.root_id, Comment.created_at)
            .where(
                Comment.root_id == bindparam(f"tree_{slot}", type_=Integer),
                Comment.parent_id.is_not(None),
                _visible(shape),
            )
            .order_by(Comment.created_at, Comment.id)
            .limit(REPLIES_PER_TREE)
            .subquery(f"tree_{slot}")
        )

    first = union_all(*(tree(slot) for slot in range(TOP_LEVEL_PER_PAGE))).subquery()
    return select(first.c.id, first.c.root_id).order_by(first.c.created_at, first.c.id)


def _tree_slots(root_ids: Sequence[int]) -> dict[str, int]:
    """The parameters of _first_replies_statement for these trees."""
    if len(root_ids) > TOP_LEVEL_PER_PAGE:
        raise ValueError(f"at most {TOP_LEVEL_PER_PAGE} trees at once")
    slots = list(root_ids) + [0] * (TOP_LEVEL_PER_PAGE - len(root_ids))
    return {f"tree_{slot}": root_id for slot, root_id in enumerate(slots)}


_BY_IDS = (
    _rows(select(*_COLUMNS))
    .where(Comment.id.in_(bindparam("ids", expanding=True)))
    .order_by(*_OLDEST_FIRST)
)


def _first_replies(session: Session, root_ids: list[int], viewer: Viewer) -> list[Node]:
    """The oldest visible replies of each tree, as many as the page's share
    (replies_shown()), in two queries: which they are (reading at most
    REPLIES_PER_TREE of each tree through ix_comment_root_created, however big
    the tree), then those shown."""
    if not root_ids:
        return []
    first = session.execute(
        _first_replies_statement(_shape(viewer)),
        _params(viewer, **_tree_slots(root_ids)),
    ).all()
    rank: dict[int, int] = {}
    sizes: dict[int | None, int] = {}
    for reply_id, root_id in first:  # oldest first: each tree's rank counts up
        rank[reply_id] = sizes.get(root_id, 0)
        sizes[root_id] = rank[reply_id] + 1
    share = replies_shown(sizes.values())
    shown = [reply_id for reply_id, _ in first if rank[reply_id] < share]
    if not shown:
        return []
    return [_node(row, viewer) for row in session.execute(_BY_IDS, {"ids": shown})]


def replies_shown(sizes: Iterable[int]) -> int:
    """How many replies each tree of a page shows: the largest share, at most
    REPLIES_PER_TREE, that keeps the page within REPLIES_ON_PAGE.

    ``sizes`` are the trees' reply counts (a tree smaller than the share shows
    all of its replies, leaving the rest of the budget to the others).
    """
    trees = [min(size, REPLIES_PER_TREE) for size in sizes]
    share = REPLIES_PER_TREE
    while share > 1 and sum(min(size, share) for size in trees) > REPLIES_ON_PAGE:
        share -= 1
    return share


def _count_published(node: Node) -> int:
    """Published replies below ``node`` on the page (reply_count counts those)."""
    return sum(
        child.status == CommentStatus.APPROVED and child.hidden_at is None
        for child in _walk(node.replies)
    )


def _assemble(
    roots: list[Node], replies: list[Node], *, adopt: Node | None = None
) -> list[Node]:
    """Hang replies (oldest first, so parents come first) under their parents, in
    O(n), or under ``adopt`` when their parent is not among them; drop
    placeholders with nothing shown below them; list deep ones flat."""
    nodes = {node.id: node for node in (*roots, *replies)}
    for node in replies:
        parent = nodes.get(node.parent_id) if node.parent_id is not None else None
        parent = parent or adopt
        if parent is not None:
            node.under_lock = node.under_lock or parent.under_lock
            parent.replies.append(node)
    kept = [root for root in roots if _prune(root)]
    for root in kept:
        _flatten_below_indent(root)
    return kept


def _prune(node: Node) -> bool:
    """Keep a node if it is shown itself or still has something shown below it
    (deepest first, without recursion: a conversation may be any depth)."""
    kept: set[int] = set()
    for below in reversed(list(_walk([node]))):  # children before parents
        below.replies = [child for child in below.replies if child.id in kept]
        if below.placeholder is None or below.replies or below.sign_in:
            kept.add(below.id)
    return node.id in kept


def _answered_name(parent: Node) -> str:
    if parent.sign_in is not None:
        return "a members-only comment"
    return "a removed comment" if parent.placeholder else parent.author_name


def _flatten_below_indent(node: Node) -> None:
    if node.nested:
        for child in node.replies:
            _flatten_below_indent(child)
        return
    flat: list[Node] = []
    stack = [node]
    while stack:
        parent = stack.pop()
        for child in parent.replies:
            child.reply_to = ReplyTo(
                parent.id,
                _answered_name(parent),
            )
            flat.append(child)
            stack.append(child)
    node.flat = sorted(flat, key=lambda n: (n.created_at, n.id))


# What each viewer may do ---------------------------------------------------------------


def _walk(nodes: Iterable[Node]) -> Iterable[Node]:
    """Every node of these trees, each before its replies (without recursion)."""
    stack = list(reversed(list(nodes)))
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.replies))


def _decide(nodes: Sequence[Node], discussion: Discussion, viewer: Viewer) -> None:
    """Set what ``viewer`` may do with every node, with the addresses, and
    whether its author wrote the article, in one pass."""
    user = viewer.user
    now = utcnow()
    banned = user is not None and accounts_service.ban_message(user, now) is not None
    moderates = user is not None and user.is_moderator and not banned
    for node in _walk(nodes):
        if node.placeholder is not None:
            continue
        node.is_article_author = (
            node.author_id is not None and node.author_id == discussion.author_id
        )
        own = user is not None and node.author_id == user.id
        reply = edit = delete = None
        if discussion.is_open and node.accepts_replies and not banned:
            reply = paths.fill(
                paths.COMMENT_REPLY, slug=discussion.slug, comment_id=node.id
            )
        if own:
            if (
                editing.edit_refusal(
                    node, actor=user, policy=discussion.policy, now=now
                )
                is None
            ):
                edit = paths.fill(paths.COMMENT_EDIT, comment_id=node.id)
            delete = paths.fill(paths.COMMENT_DELETE, comment_id=node.id)
        refusal = reporting.report_refusal(node, actor=user)
        node.actions = Actions(
            reply=reply,
            edit=edit,
            edit_label="Revise and resubmit"
            if node.status == CommentStatus.REJECTED
            else "Edit",
            delete=delete,
            # Visitors get the link too: it asks them to sign in first.
            report=paths.fill(paths.COMMENT_FLAG, comment_id=node.id)
            if refusal is None or isinstance(refusal, NotAuthenticated)
            else None,
            moderate=_mod_tools(node, discussion, own=own)
            if moderates and node.status == CommentStatus.APPROVED
            else None,
        )


def hides_members_only(nodes: Iterable[Node]) -> bool:
    """Whether these trees show a members-only placeholder (its page is then
    kept out of search engines: ``noindex``)."""
    return any(node.sign_in is not None for node in _walk(nodes))


def _in_reading_order(nodes: Iterable[Node]) -> Iterable[Node]:
    """The nodes as the page shows them: each, then its replies (nested, or
    the flat list below the deepest indent)."""
    for node in nodes:
        yield node
        yield from _in_reading_order(node.shown_replies)


def _link_news(nodes: Sequence[Node]) -> None:
    """Link each new comment to the next one down the page."""
    new = [node for node in _in_reading_order(nodes) if node.is_new]
    for node, following in pairwise(new):
        node.next_new = f"#{following.anchor}"


def _mod_tools(node: Node, discussion: Discussion, *, own: bool) -> ModTools:
    def decide(decision: str) -> str:
        return paths.fill(
            paths.MODERATION_DECIDE, comment_id=node.id, decision=decision
        )

    return ModTools(
        edit=None if own else paths.fill(paths.COMMENT_EDIT, comment_id=node.id),
        lock=paths.fill(
            paths.COMMENT_UNLOCK if node.locked else paths.COMMENT_LOCK,
            comment_id=node.id,
        ),
        lock_label="Reopen replies" if node.locked else "Close replies",
        remove=decide("remove"),
        spam=decide("spam"),
        back=f"{discussion.url}#{node.anchor}",
        content_note=paths.fill(paths.MODERATION_CONTENT_NOTE, comment_id=node.id),
        content_notes=discussion.policy.content_notes,
        editor_note=paths.fill(paths.MODERATION_EDITOR_NOTE, comment_id=node.id),
        editor_note_delete=paths.fill(
            paths.MODERATION_EDITOR_NOTE_DELETE, comment_id=node.id
        )
        if node.editor_note
        else None,
        visibility=paths.fill(paths.MODERATION_VISIBILITY, comment_id=node.id),
        visibility_to=Visibility.PUBLIC
        if node.own_members_only
        else Visibility.MEMBERS,
        pin=None
        if node.parent_id is not None
        else paths.fill(
            paths.MODERATION_UNPIN if node.pinned else paths.MODERATION_PIN,
            comment_id=node.id,
        ),
        pin_label="Unpin" if node.pinned else "Pin to the top",
        feature=paths.fill(
            paths.MODERATION_UNFEATURE if node.featured else paths.MODERATION_FEATURE,
            comment_id=node.id,
        ),
        feature_label="Unfeature" if node.featured else "Feature",
        highlights_back=paths.fill(paths.COMMENT, comment_id=node.id),
    )


# A tree's replies page ----------------------------------------------------------------------


@dataclass(frozen=True)
class RepliesPage:
    """The replies of one top-level comment, oldest first, a page at a time."""

    discussion: Discussion
    root: Node
    page: Page[Node]

    @property
    def url(self) -> str:
        return paths.fill(paths.COMMENT_REPLIES, comment_id=self.root.id)


def replies_page(
    session: Session,
    discussion: Discussion,
    root_id: int,
    *,
    page: int,
    viewer: Viewer,
) -> RepliesPage:
    """A page of the replies under top-level comment ``root_id`` (three queries).

    The replies hang under what they answer where that is on the page; the
    others hang under the top-level comment, each saying whom it answers.
    """
    shape = _shape(viewer)
    params = _params(viewer, article_id=discussion.article_id)
    root_row = session.execute(
        _rows(select(*_COLUMNS)).where(Comment.id == root_id, _top_level(shape)),
        params,
    ).one_or_none()
    if root_row is None:
        raise NotFound("There is no such conversation in this discussion.")
    root = _node(root_row, viewer)
    in_tree = and_(
        Comment.root_id == root_id,
        Comment.parent_id.is_not(None),
        _visible(shape),
    )
    total = session.scalar(select(func.count(Comment.id)).where(in_tree), params) or 0
    answered = aliased(Comment)
    answered_author = aliased(User)
    rows = session.execute(
        _rows(
            select(
                *_COLUMNS,
                answered.status.label("answered_status"),
                answered.guest_name.label("answered_guest"),
                answered_author.display_name.label("answered_name"),
                answered.visibility.label("answered_visibility"),
            )
        )
        .join(answered, answered.id == Comment.parent_id)
        .outerjoin(answered_author, answered_author.id == answered.author_id)
        .where(in_tree)
        .order_by(*_OLDEST_FIRST)
        .offset(offset_for(page, REPLIES_PER_PAGE))
        .limit(REPLIES_PER_PAGE),
        params,
    ).all()
    replies = [_node(row, viewer) for row in rows]
    on_page = {root.id, *(node.id for node in replies)}
    for row, node in zip(rows, replies, strict=True):
        if node.parent_id not in on_page:
            # What it answers is on an earlier page: it hangs under the root.
            node.reply_to = ReplyTo(
                row.parent_id,
                "a removed comment"
                if row.answered_status in _PLACEHOLDER_STATUSES
                else "a members-only comment"
                if Visibility.MEMBERS
                in (row.answered_visibility, row.discussion_visibility)
                and not viewer.reads_members_only
                else (row.answered_name or row.answered_guest or "Guest"),
            )
    nodes = _assemble([root], replies, adopt=root)
    shown_root = nodes[0] if nodes else root
    _decide([shown_root], discussion, viewer)
    _link_news([shown_root])
    return RepliesPage(
        discussion,
        shown_root,
        Page(
            items=shown_root.replies,
            page=page,
            per_page=REPLIES_PER_PAGE,
            total=total,
        ),
    )


# One comment, and where it lives ---------------------------------------------------------------


def single(
    session: Session,
    comment_id: int,
    *,
    viewer: Viewer,
    article: Article | None = None,
) -> Node:
    """One comment without its replies, as ``viewer`` may see it (a reply or
    report page shows it; it offers no actions there). Raises NotFound."""
    comment = comments_service.get_visible_comment(
        session,
        comment_id,
        viewer=viewer.user,
        article=article,
        guest_comment_ids=viewer.guest_ids,
    )
    row = session.execute(
        _rows(select(*_COLUMNS)).where(Comment.id == comment.id)
    ).one()
    return _node(row, viewer)


def locate(
    session: Session,
    comment: Comment,
    *,
    slug: str,
    viewer: Viewer,
    per_page: int = TOP_LEVEL_PER_PAGE,
) -> str:
    """The address of the page that shows ``comment`` to ``viewer``, at its anchor:
    the discussion page of its tree, or its tree's replies page when it is not
    among the replies the discussion page shows (two to five queries)."""
    root_id = comment.root_id or comment.id
    anchor = f"#comment-{comment.id}"
    page = page_of_tree(
        session, comment.article_id, root_id, viewer=viewer, per_page=per_page
    )
    if comment.parent_id is not None:
        earlier = _earlier_replies(session, comment, root_id, viewer)
        # Every tree of a full page shows at least this many.
        surely_shown = min(REPLIES_PER_TREE, REPLIES_ON_PAGE // per_page)
        if earlier >= surely_shown and earlier >= _share_on_page(
            session, comment.article_id, page, viewer=viewer, per_page=per_page
        ):
            url = paths.fill(paths.COMMENT_REPLIES, comment_id=root_id)
            replies_page = earlier // REPLIES_PER_PAGE + 1
            return (f"{url}?page={replies_page}" if replies_page > 1 else url) + anchor
    url = paths.fill(paths.ARTICLE, slug=slug)
    return (f"{url}?page={page}" if page > 1 else url) + anchor


def _share_on_page(
    session: Session, article_id: int, page: int, *, viewer: Viewer, per_page: int
) -> int:
    """replies_shown() for a discussion page, from its trees' sizes (two queries)."""
    shape = _shape(viewer)
    # The page's trees first, on their own: inside the count, PostgreSQL
    # planned the page's lanes as a scan of far more comments than it lists.
    roots = select(_roots_statement(shape).subquery().c.id)
    root_ids = list(
        session.scalars(
            roots,
            _params(
                viewer,
                article_id=article_id,
                offset=offset_for(page, per_page),
                limit=per_page,
            ),
        )
    )
    sizes = session.scalars(
        select(func.count(Comment.id))
        .where(
            Comment.root_id.in_(root_ids),
            Comment.parent_id.is_not(None),
            _visible(shape),
        )
        .group_by(Comment.root_id),
        _params(viewer),
    )
    return replies_shown(sizes)


def _earlier_replies(
    session: Session, comment: Comment, root_id: int, viewer: Viewer
) -> int:
    return (
        session.scalar(
            select(func.count(Comment.id)).where(
                Comment.root_id == root_id,
                Comment.parent_id.is_not(None),
                _visible(_shape(viewer)),
                or_(
                    Comment.created_at < comment.created_at,
                    and_(
                        Comment.created_at == comment.created_at,
                        Comment.id < comment.id,
                    ),
                ),
            ),
            _params(viewer),
        )
        or 0
    )


def page_of_tree(
    session: Session,
    article_id: int,
    root_id: int,
    *,
    viewer: Viewer,
    per_page: int = TOP_LEVEL_PER_PAGE,
) -> int:
    """The discussion page that shows the tree of top-level comment ``root_id``
    (oldest first): page 1 for the pinned one, which is listed there only."""
    root = aliased(Comment)
    root_created = select(root.created_at).where(root.id == root_id).scalar_subquery()
    root_pinned_at = select(root.pinned_at).where(root.id == root_id).scalar_subquery()
    earlier = session.scalar(
        select(func.count(Comment.id)).where(
            _top_level(_shape(viewer)),
            # Nothing comes before the pinned one; before any other, the pinned one.
            root_pinned_at.is_(None),
            or_(
                Comment.pinned_at.is_not(None),
                Comment.created_at < root_created,
                and_(Comment.created_at == root_created, Comment.id < root_id),
            ),
        ),
        _params(viewer, article_id=article_id),
    )
    return (earlier or 0) // per_page + 1
