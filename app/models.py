"""Every domain's models, so alembic and the tests see the whole metadata."""

from app.accounts.models import (
    AuthSession,
    PendingSignUp,
    Role,
    SessionKind,
    User,
    UserNote,
)
from app.articles.models import Article, ArticleStatus, Tag, article_tag
from app.comments.models import (
    ArticleVisit,
    Comment,
    CommentDraft,
    CommentRevision,
    CommentStatus,
    Flag,
    FlagReason,
)
from app.counters import Counter
from app.db import Base
from app.imports.models import ImportSource
from app.moderation.models import (
    ActionKind,
    CannedReason,
    ModerationAction,
    SiteSetting,
)
from app.notifications.models import Outbox, Suppression
from app.search.models import SearchDocument

__all__ = [
    "ActionKind",
    "Article",
    "ArticleStatus",
    "ArticleVisit",
    "AuthSession",
    "Base",
    "CannedReason",
    "Comment",
    "CommentDraft",
    "CommentRevision",
    "CommentStatus",
    "Counter",
    "Flag",
    "FlagReason",
    "ImportSource",
    "ModerationAction",
    "Outbox",
    "PendingSignUp",
    "Role",
    "SearchDocument",
    "SessionKind",
    "SiteSetting",
    "Suppression",
    "Tag",
    "User",
    "UserNote",
    "article_tag",
]
