"""Account shapes shared by the HTML forms and the JSON API."""

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from app.accounts.models import Role
from app.text import OneLine, Storable

USERNAME_PATTERN = re.compile(r"[A-Za-z0-9_-]{3,30}")


def _username(value: str) -> str:
    if not USERNAME_PATTERN.fullmatch(value):
        raise ValueError(
            "{Name} can only hold 3 to 30 letters, digits, underscores or hyphens."
        )
    return value


Username = Annotated[
    str, StringConstraints(strip_whitespace=True), AfterValidator(_username)
]
Password = Annotated[str, Field(min_length=10, max_length=128)]
DisplayName = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=60), OneLine
]


class RegisterIn(BaseModel):
    username: Username
    email: EmailStr
    password: Password
    display_name: DisplayName | None = None


class ProfileUpdate(BaseModel):
    display_name: DisplayName = Field(min_length=1)
    bio: Annotated[str, Field(max_length=5000), Storable] = ""
    email: EmailStr
    notify_replies: bool = False
    notify_decisions: bool = False
    notify_digest: bool = False
    # The content notes whose comments this member always reads opened.
    shown_content_notes: list[Annotated[str, Field(max_length=60), OneLine]] = Field(
        default_factory=list, max_length=20
    )


class BadgeIn(BaseModel):
    """A badge from the site's list for a member; null takes it off."""

    badge: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=60), OneLine]
        | None
    ) = None


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=128)
    new_password: Password


class Detail(BaseModel):
    """A sentence for the caller, where there is nothing else to return."""

    detail: str


class ResetRequest(BaseModel):
    email: EmailStr


class PasswordReset(BaseModel):
    token: str = Field(min_length=1, max_length=500)
    new_password: Password


class EmailConfirmation(BaseModel):
    token: str = Field(min_length=1, max_length=500)


class MeUpdate(BaseModel):
    """A change to the caller's own profile or mail choices; what is left out stays."""

    display_name: DisplayName | None = Field(default=None, min_length=1)
    bio: Annotated[str, Field(max_length=5000), Storable] | None = None
    email: EmailStr | None = None
    notify_replies: bool | None = None
    notify_decisions: bool | None = None
    notify_digest: bool | None = None
    shown_content_notes: list[Annotated[str, Field(max_length=60), OneLine]] | None = (
        Field(default=None, max_length=20)
    )


class UserRead(BaseModel):
    """What anyone may see of a person: never the email."""

    model_config = ConfigDict(from_attributes=True)

    username: str
    display_name: str
    # A badge an admin gave ("MS nurse", ...), shown beside the name.
    badge: str | None = None
    bio_html: str
    role: Role
    created_at: datetime
    # In memoriam (issue #19): when, and the family's quiet note (or null).
    memorial_at: datetime | None = None
    memorial_note: str | None = None


class MeRead(UserRead):
    """The caller's own account, with the private fields."""

    email: str
    email_verified: bool
    # The address the account moves to once the link sent to it is opened.
    pending_email: str | None = None
    notify_replies: bool
    notify_decisions: bool
    notify_digest: bool
    # The content notes whose comments the caller always reads opened.
    shown_content_notes: list[str]
    banned_until: datetime | None
    ban_reason: str | None
    is_banned: bool
    # Past the guidelines shown before a first comment (app.moderation.guidelines).
    guidelines_seen: bool


class TokenRead(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)


BAN_DAYS_MAX = 3650


_TOO_LONG = "A ban ends within 10 years; for longer, choose to ban for good."


def _ban_end(value: datetime | None) -> datetime | None:
    """A ban's end in UTC, at most ``BAN_DAYS_MAX`` days away.

    A date or time without a zone is read as UTC (the site's clock). The limit
    keeps every end a date the database and Python can hold: 9999-12-31 at
    -14:00 is past the last day Python knows. Longer is a ban for good.
    """
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        value = value.astimezone(UTC)
    except OverflowError:  # past either end of the calendar
        if value.year == 1:
            raise ValueError("A ban must end in the future.") from None
        raise ValueError(_TOO_LONG) from None
    if value > datetime.now(UTC) + timedelta(days=BAN_DAYS_MAX):
        raise ValueError(_TOO_LONG)
    return value


class BanIn(BaseModel):
    """A ban: ``days`` from now, ``until`` a moment, or neither for good."""

    until: Annotated[datetime | None, AfterValidator(_ban_end)] = None
    days: int | None = Field(default=None, ge=1, le=BAN_DAYS_MAX)
    reason: Annotated[str, Field(min_length=1, max_length=2000), Storable]
    reject_pending: bool = False
    # Also take down every comment of theirs that readers can see now.
    remove_published: bool = False

    @model_validator(mode="after")
    def _one_end(self) -> "BanIn":
        if self.until is not None and self.days is not None:
            raise ValueError("Give either a number of days or an end date, not both.")
        return self

    def ends_at(self, now: datetime) -> datetime | None:
        """When the ban ends, or None for good."""
        if self.days is not None:
            return now + timedelta(days=self.days)
        return self.until


class BanRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    username: str
    banned_until: datetime | None
    ban_reason: str | None
    banned_at: datetime | None
    is_banned: bool
    rejected_comment_ids: list[int] = []
    removed_comment_ids: list[int] = []


class NoteIn(BaseModel):
    body: Annotated[str, Field(min_length=1, max_length=5000), Storable]

    @field_validator("body")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("Please write the note.")
        return value.strip()


class PublicUserRead(BaseModel):
    """A member as anyone may see them: the one public shape of a user."""

    model_config = ConfigDict(from_attributes=True)

    username: str
    display_name: str


class NoteRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    body: str
    created_at: datetime
    author: PublicUserRead | None


class UserStandingRead(BanRead):
    """Someone's account as moderators see it."""

    display_name: str
    role: Role
    created_at: datetime


# Personal data (issue #17): a member's export, and deleting their account.


class AccountDeletion(BaseModel):
    """Deleting one's own account: the password, typed again."""

    password: str = Field(min_length=1, max_length=128)


class ExportedAccount(BaseModel):
    """The account row: everything but the password's hash."""

    id: int
    username: str
    display_name: str
    email: str
    email_verified_at: datetime | None
    pending_email: str | None
    role: Role
    badge: str | None
    bio: str
    created_at: datetime
    last_login_at: datetime | None
    guidelines_seen_at: datetime | None
    notify_replies: bool
    notify_decisions: bool
    notify_digest: bool
    shown_content_notes: list[str]
    banned_at: datetime | None
    banned_until: datetime | None
    ban_reason: str | None
    # Why mail to the address stopped (it refused mail for good), if it did.
    mail_suppressed: str | None


class ExportedRevision(BaseModel):
    body: str
    created_at: datetime
    # False: a moderator changed the text.
    edited_by_you: bool


class ExportedComment(BaseModel):
    id: int
    article_slug: str
    article_title: str
    parent_id: int | None
    status: str
    hidden_by_reports: bool
    body: str
    # An edit of a published comment that waits for a moderator.
    pending_body: str | None
    content_note: str | None
    editor_note: str | None
    editor_note_url: str | None
    # A moderator's reason for rejecting or removing it (shown to its author).
    decision_reason: str | None
    created_at: datetime
    edited_at: datetime | None
    decided_at: datetime | None
    revisions: list[ExportedRevision]


class ExportedReport(BaseModel):
    """A report the member made of someone's comment."""

    comment_id: int
    article_slug: str
    reason: str
    note: str | None
    created_at: datetime
    resolved_at: datetime | None


class ExportedSession(BaseModel):
    """A signed-in browser or API client: never its token."""

    kind: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    user_agent: str | None
    current: bool


class ExportedDraft(BaseModel):
    article_slug: str
    parent_id: int | None
    body: str
    updated_at: datetime


class ExportedVisit(BaseModel):
    article_slug: str
    seen_at: datetime
    previous_at: datetime | None


class ExportedMail(BaseModel):
    """Mail to the member: what and when, not the text (see ``not_included``)."""

    kind: str
    status: str
    subject: str | None
    created_at: datetime
    sent_at: datetime | None


class ExportedAction(BaseModel):
    """An audit-log row about the member, or by them."""

    action: str
    created_at: datetime
    comment_id: int | None
    article_slug: str | None
    by_you: bool
    about_you: bool
    # Only on rows about the member.
    reason: str | None


class ExportedArticle(BaseModel):
    slug: str
    title: str
    status: str
    created_at: datetime
    published_at: datetime | None


class PersonalData(BaseModel):
    """Everything Haven holds about one member, and nothing about anyone else."""

    format: str = "haven-personal-data/1"
    exported_at: datetime
    account: ExportedAccount
    comments: list[ExportedComment]
    reports: list[ExportedReport]
    sessions: list[ExportedSession]
    drafts: list[ExportedDraft]
    visits: list[ExportedVisit]
    mail: list[ExportedMail]
    audit_log: list[ExportedAction]
    articles: list[ExportedArticle]
    not_included: list[str]


class MemorialIn(BaseModel):
    """An in-memoriam mark: the quiet note the profile shows (optional)."""

    note: Annotated[str, Field(max_length=500), Storable] | None = None
