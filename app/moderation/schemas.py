"""Moderation shapes of the JSON API contract (DESIGN.md)."""

import unicodedata
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from app.accounts.schemas import NoteRead, PublicUserRead, UserStandingRead
from app.articles.models import Visibility
from app.comments.models import Comment, CommentStatus, QueueStatus
from app.comments.schemas import MAX_ID, EditorNoteRead
from app.moderation.insights_figures import Busy, Day
from app.moderation.models import Decision, ModerationAction
from app.pagination import Page
from app.text import OneLine, Storable

MAX_REASON = 500
# Bulk actions take at most this many comments at once (a queue page is 50).
BULK_LIMIT = 200
# Each word list holds at most this many entries of at most this many characters.
MAX_WORDS = 500
MAX_WORD_LENGTH = 100
MAX_LABEL_LENGTH = 60
MAX_DISCLAIMER = 300


Reason = (
    Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=MAX_REASON), Storable
    ]
    | None
)


class ReasonIn(BaseModel):
    """The optional reason a moderator gives for a decision, a close or a lock."""

    reason: Reason = None


Seen = Annotated[
    CommentStatus | None,
    Field(
        description="The status the moderator saw; if the comment has moved on, "
        "the decision is refused with 409. Default: pending (approved for remove)."
    ),
]


MAX_EDITOR_NOTE = 1000


def _note_text_rules(value: str) -> str:
    if not value:
        raise ValueError("Please write the note readers will see under the comment.")
    return value


def _evidence_rules(value: str | None) -> str | None:
    if not value:
        return None
    if not value.startswith(("https://", "http://")) or any(
        char.isspace() or ord(char) < 32 for char in value
    ):
        raise ValueError(
            "The link must be a full web address starting with https:// "
            "(or leave it empty)."
        )
    return value


class EditorNoteIn(BaseModel):
    """An editor's note under a comment: what readers should know, and an
    optional link to the evidence."""

    text: Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=MAX_EDITOR_NOTE),
        Storable,
        AfterValidator(_note_text_rules),
    ]
    url: Annotated[
        str | None,
        StringConstraints(strip_whitespace=True, max_length=500),
        AfterValidator(_evidence_rules),
    ] = None


class VisibilityIn(BaseModel):
    """Who reads a comment: "public" (anyone) or "members" (signed-in members)."""

    visibility: Visibility


class VisibilityRead(BaseModel):
    """A comment's visibility after a moderator set it."""

    id: int
    visibility: Visibility

    @classmethod
    def of(cls, comment: Comment) -> "VisibilityRead":
        return cls(id=comment.id, visibility=comment.visibility)


class ContentNoteIn(BaseModel):
    """A content note from the site's list for a comment; null takes it off."""

    content_note: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=60), OneLine]
        | None
    ) = None


class CommentNotesRead(BaseModel):
    """What readers see added to a comment by moderators."""

    id: int
    content_note: str | None
    editor_note: EditorNoteRead | None

    @classmethod
    def of(cls, comment: Comment) -> "CommentNotesRead":
        return cls(
            id=comment.id,
            content_note=comment.content_note,
            editor_note=EditorNoteRead(
                text=comment.editor_note, url=comment.editor_note_url
            )
            if comment.editor_note is not None
            else None,
        )


class DecisionIn(ReasonIn):
    seen: Seen = None


class BulkIn(DecisionIn):
    ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        min_length=1, max_length=BULK_LIMIT
    )
    action: Decision


class SkippedRead(BaseModel):
    id: int
    reason: str


class BulkRead(BaseModel):
    decided: list[int]
    skipped: list[SkippedRead]


class CommentStateRead(BaseModel):
    """A comment's moderation state after a decision, lock or unlock."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    status: str
    locked: bool
    decided_at: datetime | None
    decision_reason: str | None
    # Set while readers' flags keep the comment from readers.
    hidden_at: datetime | None


class HighlightsRead(BaseModel):
    """Whether a comment is pinned and featured, after a pin or feature change."""

    id: int
    pinned: bool
    featured: bool

    @classmethod
    def of(cls, comment: Comment) -> "HighlightsRead":
        return cls(
            id=comment.id,
            pinned=comment.pinned_at is not None,
            featured=comment.featured_at is not None,
        )


class DiscussionRead(BaseModel):
    """Whether an article's discussion is open, after a close or reopen."""

    model_config = ConfigDict(from_attributes=True)

    slug: str
    comments_closed_at: datetime | None
    close_reason: str | None
    # Set by a reopen; the policy's auto-close counts its days from here.
    comments_reopened_at: datetime | None


class QueueArticleRead(BaseModel):
    slug: str
    title: str


class QueueAuthorRead(BaseModel):
    display_name: str
    username: str | None
    badge: str | None = None
    approved: int
    rejected: int


class QueueFlagRead(BaseModel):
    """One reader's open report, as the "flagged" view shows it."""

    model_config = ConfigDict(from_attributes=True)

    reason: str
    note: str | None
    created_at: datetime
    reporter: PublicUserRead
    # The comment as it read when this report was made (null on reports made
    # before snapshots were kept).
    snapshot_body: str | None
    snapshot_html: str | None


class QueueItemRead(BaseModel):
    id: int
    status: str
    body_html: str
    created_at: datetime
    parent_id: int | None
    parent_excerpt: str | None
    link_count: int
    # Why the policy's rules held it (or marked it as spam); None when no rule did.
    held_reason: str | None
    article: QueueArticleRead
    author: QueueAuthorRead
    hidden_at: datetime | None
    flags: list[QueueFlagRead]
    # The comment as first reported, when edited since (null: unchanged).
    reported_html: str | None = None
    # The decisions it offers now (the queue page offers the same).
    decisions: list[Decision]
    # Crisis language, not yet handled: listed first (app.moderation.crisis).
    urgent: bool
    content_note: str | None = None
    editor_note: EditorNoteRead | None = None


class QueueRead(BaseModel):
    """A page of one view. Pages are keyset pages: ask for the next one with
    ``?after={newer_after}`` and the previous one with ``?before={older_before}``
    (null when there is none)."""

    status: QueueStatus
    items: list[QueueItemRead]
    total: int
    counts: dict[QueueStatus, int]
    newer_after: int | None
    older_before: int | None


class ActionRead(BaseModel):
    id: int
    action: str
    actor: str | None
    comment_id: int | None
    article_slug: str | None
    subject_username: str | None
    reason: str | None
    created_at: datetime

    @classmethod
    def from_action(cls, entry: ModerationAction) -> "ActionRead":
        return cls(
            id=entry.id,
            action=entry.action,
            actor=entry.actor.display_name if entry.actor else None,
            comment_id=entry.comment_id,
            article_slug=entry.article.slug if entry.article else None,
            subject_username=entry.subject_user.username
            if entry.subject_user
            else None,
            reason=entry.reason,
            created_at=entry.created_at,
        )


class LogRead(BaseModel):
    items: list[ActionRead]
    page: int
    pages: int
    total: int

    @classmethod
    def from_page(cls, page: Page[ModerationAction]) -> "LogRead":
        return cls(
            items=[ActionRead.from_action(entry) for entry in page.items],
            page=page.page,
            pages=page.pages,
            total=page.total,
        )


# ---- Site settings and canned rejection reasons (issue #5, part A) ----


class UserModerationRead(BaseModel):
    """A member's moderation record: standing, comments by status, notes, audit entries."""

    user: UserStandingRead
    comment_counts: dict[str, int]
    notes: list[NoteRead]
    log: LogRead


class PolicyRead(BaseModel):
    """The moderation policy in force (GET/PATCH /api/v1/settings)."""

    model_config = ConfigDict(from_attributes=True)

    trust_threshold: int
    max_links: int
    hold_words: list[str]
    spam_words: list[str]
    flag_threshold: int
    edit_window_hours: int
    auto_close_days: int
    crisis_words: list[str]
    crisis_resources: list[str]
    content_notes: list[str]
    badges: list[str]
    medical_disclaimer: str
    allow_api_guests: bool
    members_only_by_default: bool


MAX_CANNED_LABEL = 80


CannedLabel = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_CANNED_LABEL),
    OneLine,
]
CannedBody = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_REASON),
    Storable,
]
CannedPosition = Annotated[int, Field(ge=0, le=10_000)]


class CannedReasonIn(BaseModel):
    """A new canned reason: a short label for the list and the text the author sees."""

    model_config = ConfigDict(extra="forbid")

    label: CannedLabel
    body: CannedBody
    position: CannedPosition | None = None


class CannedReasonUpdate(BaseModel):
    """Changes to a canned reason; fields left out keep their value."""

    model_config = ConfigDict(extra="forbid")

    label: CannedLabel | None = None
    body: CannedBody | None = None
    position: CannedPosition | None = None


class CannedReasonRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    label: str
    body: str
    position: int


# ---- Community guidelines (issue #15) ----

MAX_GUIDELINES = 20_000


def _guidelines_rules(value: str) -> str:
    if not value.strip():
        raise ValueError("Write the guidelines before saving them.")
    return value


class GuidelinesUpdate(BaseModel):
    """New community guidelines, in Markdown (headings, lists and links, as in articles)."""

    model_config = ConfigDict(extra="forbid")

    # Markdown keeps its leading whitespace (indented code), so it is not stripped.
    markdown: Annotated[
        str,
        Field(max_length=MAX_GUIDELINES),
        Storable,
        AfterValidator(_guidelines_rules),
    ]


class GuidelinesRead(BaseModel):
    """The guidelines in force; ``updated_at`` is null while they are the defaults."""

    model_config = ConfigDict(from_attributes=True)

    markdown: str
    html: str
    updated_at: datetime | None


class InsightsRead(BaseModel):
    """GET /api/v1/moderation/stats: the figures behind the insights page."""

    model_config = ConfigDict(from_attributes=True)

    # The rows are the service's own (one definition of a day's figures).
    days: list[Day]
    reports_by_reason: dict[str, int]
    busiest: list[Busy]


# One entry of a word list: a word or a phrase, as an admin types it.
ListedWord = Annotated[str, StringConstraints(max_length=MAX_WORD_LENGTH), OneLine]


def _resource_line(value: str) -> str:
    if value.strip() and len([p for p in value.split("|") if p.strip()]) < 2:
        raise ValueError(
            "Write each helpline as: name | how to reach it | country "
            f"(this line has no contact: {value.strip()[:60]!r})."
        )
    return value


# A content note or a badge: a few words (stored in 60-character columns).
LabelLine = Annotated[str, StringConstraints(max_length=MAX_LABEL_LENGTH), OneLine]

ResourceLine = Annotated[
    str, StringConstraints(max_length=300), OneLine, AfterValidator(_resource_line)
]


def _one_line(value: str) -> str:
    # Control characters and line or paragraph separators: one plain line only.
    if any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in value):
        raise ValueError("Write this as one line, without control characters.")
    if not value:
        raise ValueError("Write the line shown beside the comment form.")
    return value


Disclaimer = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=MAX_DISCLAIMER),
    AfterValidator(_one_line),
]


class PolicyUpdate(BaseModel):
    """What an admin may change; fields left out keep their value."""

    # A misspelt setting is an error, not a silent no-op.
    model_config = ConfigDict(extra="forbid")

    trust_threshold: int | None = Field(default=None, ge=0, le=1000)
    max_links: int | None = Field(default=None, ge=0, le=100)
    hold_words: list[ListedWord] | None = Field(default=None, max_length=MAX_WORDS)
    spam_words: list[ListedWord] | None = Field(default=None, max_length=MAX_WORDS)
    flag_threshold: int | None = Field(default=None, ge=1, le=100)
    edit_window_hours: int | None = Field(default=None, ge=0, le=24 * 365)
    auto_close_days: int | None = Field(default=None, ge=0, le=3650)
    crisis_words: list[ListedWord] | None = Field(default=None, max_length=MAX_WORDS)
    crisis_resources: list[ResourceLine] | None = Field(default=None, max_length=50)
    content_notes: list[LabelLine] | None = Field(default=None, max_length=20)
    badges: list[LabelLine] | None = Field(default=None, max_length=20)
    medical_disclaimer: Disclaimer | None = None
    allow_api_guests: bool | None = None
    members_only_by_default: bool | None = None
