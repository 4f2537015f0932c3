"""Domain errors: services raise these; main.py maps them to HTTP once."""

from collections.abc import Iterable, Mapping
from typing import Any


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
    """Input that breaks a rule; ``field`` names the form field to mark."""

    status_code = 422

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class RateLimited(DomainError):
    status_code = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def describe_validation(errors: Iterable[Mapping[str, Any]]) -> str:
    """One readable line from pydantic's errors: "field: message; ..."."""
    parts = []
    for error in errors:
        location = ".".join(
            str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")
        )
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{location}: {message}" if location else message)
    return "; ".join(parts) or "invalid input"
