"""The figures of the moderators' insights (issue #19), one definition for the
service that computes them, the page that draws them and the API's schema."""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Day:
    date: date
    posted: int
    approved: int
    rejected: int
    spam: int
    pending_end: int
    oldest_pending_hours: float | None
    median_decision_minutes: float | None


@dataclass(frozen=True)
class Busy:
    slug: str
    title: str
    comments: int


@dataclass(frozen=True)
class Insights:
    days: list[Day]
    reports_by_reason: dict[str, int]
    busiest: list[Busy]

    @property
    def empty(self) -> bool:
        """Nothing happened in the window: no chart would have a bar."""
        return not (
            any(
                d.posted or d.approved or d.rejected or d.spam or d.pending_end
                for d in self.days
            )
            or any(self.reports_by_reason.values())
        )
