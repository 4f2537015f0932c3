"""How pages write dates: one spelling everywhere, made where the values are made."""

from datetime import datetime


def long_date(value: datetime | None) -> str:
    """4 December 2026"""
    return value.strftime("%-d %B %Y") if value else ""


def date_and_time(value: datetime | None) -> str:
    """4 December 2026 at 16:05 UTC"""
    return value.strftime("%-d %B %Y at %H:%M UTC") if value else ""


def iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""
