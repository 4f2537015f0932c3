"""Domain errors: services raise these; main.py maps them to HTTP once."""

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from app import field_messages


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    status_code = 404


class NotAuthenticated(DomainError):
    status_code = 401


class PermissionDenied(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class TooLarge(DomainError):
    status_code = 413


class Invalid(DomainError):
    """Input that breaks a rule; ``field`` names the form field to mark, or
    ``by_field`` holds a sentence for each of several (all shown at once)."""

    status_code = 422

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        by_field: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.field = field
        self.by_field = dict(by_field or {})

    @classmethod
    def of_fields(cls, by_field: Mapping[str, str]) -> "Invalid":
        """One error for several fields; its message holds every sentence."""
        return cls(
            " ".join(by_field.values()),
            field=next(iter(by_field), None),
            by_field=by_field,
        )


class RateLimited(DomainError):
    status_code = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def describe_validation(errors: Iterable[Mapping[str, Any]]) -> str:
    """One readable line from pydantic's errors: "field: Sentence. ..."
    (app.field_messages says each in Haven's voice)."""
    return field_messages.one_line(errors)


class ErrorRead(BaseModel):
    """Every API error's body (main.py's handlers): one sentence for the caller."""

    detail: str


_ERROR_DESCRIPTIONS = {
    400: "Bad request",
    401: "Not signed in, or the token is unknown, expired or revoked",
    403: "Not allowed",
    404: "Not found",
    409: "In conflict with the current state",
    413: "Too large",
    422: "Invalid input",
    429: "Rate limited",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The errors an API operation documents (``responses=`` on a router or a
    route): each a ``{"detail"}`` sentence. FastAPI's default 422 promised a
    list of pydantic errors where Haven sends one sentence (found by
    tests/test_api_fuzz.py)."""
    return {
        status: {"model": ErrorRead, "description": _ERROR_DESCRIPTIONS[status]}
        for status in statuses
    }


# Any API request may carry an address with a control character (400), an
# unknown, expired or revoked token (401: never treated as anonymous), or
# parameters that can't be used (422). Each domain's router adds its own.
API_ERRORS = error_responses(400, 401, 422)
