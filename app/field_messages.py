"""Validation errors in Haven's voice: one sentence per field, for people.

pydantic says "String should have at least 10 characters"; a person filling in
a form should read "Your password needs at least 10 characters." Every face
that shows a validation error (the HTML forms, the API's ``detail``, the CLI)
asks ``sentence`` for it, so a new field or constraint reads right everywhere
without a per-form string. A field absent from ``FIELD_NAMES`` is named from
its own name ("auto_close_days" -> "auto close days").
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any

# How a field is named in a sentence. The first word is capitalised at the
# start of one ("Your password needs ...", "Please fill in your password.").
FIELD_NAMES: dict[str, str] = {
    "username": "your username",
    "display_name": "the name shown with your comments",
    "email": "your email address",
    "password": "your password",
    "current_password": "your current password",
    "new_password": "your new password",
    "bio": "the text about you",
    "body": "the text",
    "guest_name": "your name",
    "guest_email": "your email address",
    "title": "the title",
    "summary": "the summary",
    "slug": "the address (slug)",
    "tags": "the tags",
    "reason": "the reason",
    "note": "the note",
    "text": "the note",
    "url": "the link",
    "label": "the label",
    "position": "the position",
    "until": "the end date",
    "markdown": "the guidelines",
    "badge": "the badge",
    "badges": "the badges",
    "description": "the description",
    "content_note": "the content note",
    "content_notes": "the content notes",
    "auto_close_days": "the number of days before discussions close",
    "edit_window_hours": "the hours authors may edit their comment",
    "flag_threshold": "the number of reports that hide a comment",
    "max_links": "the most links a comment may hold",
    "trust_threshold": "the approved comments before a member is trusted",
    "medical_disclaimer": "the “not medical advice” line",
    "crisis_resources": "the helplines",
    "crisis_words": "the crisis language",
    "hold_words": "the hold list",
    "spam_words": "the spam list",
    "page": "the page number",
    "q": "the search",
    "days": "the number of days",
    "token": "the link",
}

# What email_validator's reasons mean, said plainly (matched on its wording).
_EMAIL_REASONS: tuple[tuple[str, str], ...] = (
    ("must have an @-sign", "is missing an @"),
    ("exactly one @-sign", "should have exactly one @"),
    ("something before the @-sign", "needs a name before the @"),
    ("something after the @-sign", "needs a domain after the @, like example.org"),
    ("should have a period", "needs a full domain after the @, like example.org"),
    ("two periods in a row", "has two dots in a row"),
    ("invalid characters", "has characters an email address can't hold"),
    ("too long", "is too long"),
)

_RAW_PREFIXES = ("Value error, ", "Assertion failed, ")


# Where FastAPI found a value, put before its field in a request's errors.
_SOURCES = ("body", "query", "path", "header", "cookie")


def _location(error: Mapping[str, Any]) -> list[str]:
    """An error's location without FastAPI's source in front ("body", "query"):
    a form's own field may be called "body", so only a longer location has one."""
    loc = [str(part) for part in error.get("loc", ())]
    return loc[1:] if len(loc) > 1 and loc[0] in _SOURCES else loc


def _field(error: Mapping[str, Any]) -> str:
    """The field an error is about ("" for the whole input)."""
    loc = _location(error)
    return loc[0] if loc else ""


def field_name(field: str) -> str:
    """How ``field`` is named inside a sentence."""
    return FIELD_NAMES.get(field) or f"the {field.replace('_', ' ')}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _email(reason: str) -> str:
    for wording, meaning in _EMAIL_REASONS:
        if wording in reason:
            return f"Please give a valid email address: this one {meaning}."
    return "Please give a valid email address, like name@example.org."


def sentence(error: Mapping[str, Any]) -> str:
    """One pydantic error (``ValidationError.errors()`` item) as a sentence."""
    field = _field(error)
    name = field_name(field) if field else "this"
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    message = str(error.get("msg", ""))
    if kind == "value_error" and message.startswith("value is not a valid email"):
        return _email(str(ctx.get("reason", "")))
    if kind in ("value_error", "assertion_error"):
        # Haven's own validators already speak to people; a check shared by
        # many fields says {name} or {Name} where the field's name goes.
        for prefix in _RAW_PREFIXES:
            message = message.removeprefix(prefix)
        message = message.replace("{Name}", _capital(name)).replace("{name}", name)
        return _capital(message)
    return _generic(kind, name, ctx)


# The sentence for each kind of error, whatever the field: {Name} starts a
# sentence, {name} stands inside one, the rest comes from the error's ctx.
_SENTENCES: dict[str, str] = {
    "missing": "Please fill in {name}.",
    "string_too_short": "{Name} needs at least {min_length} characters.",
    "string_too_long": "{Name} can be at most {max_length} characters.",
    "too_short": "Please give at least {min_length} items for {name}.",
    "too_long": "{Name} can hold at most {max_length} items.",
    "greater_than_equal": "{Name} must be {ge} or more.",
    "greater_than": "{Name} must be more than {gt}.",
    "less_than_equal": "{Name} must be {le} or less.",
    "less_than": "{Name} must be less than {lt}.",
    "literal_error": "Please choose one of the offered options for {name}.",
    "enum": "Please choose one of the offered options for {name}.",
    "string_pattern_mismatch": "{Name} holds characters it can't contain.",
    "extra_forbidden": "{Name} is not something this form takes.",
}
# Families of types (int_parsing, int_type, ...) that say the same.
_FAMILIES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("int_", "float_", "decimal_"), "{Name} must be a number, written with digits."),
    (("date", "datetime", "time_"), "{Name} must be a date, like 2026-12-31."),
    (("url",), "{Name} must be a web address starting with https://."),
    (("bool",), "{Name} must be yes or no."),
)
_FALLBACK = "Please check {name}: we can't use what was given."


def _generic(kind: str, name: str, ctx: Mapping[str, Any]) -> str:
    """The sentence for an error type, whatever the field."""
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        kind = "missing"  # an empty box, as forms send a field left out
    template = _SENTENCES.get(kind) or next(
        (said for prefixes, said in _FAMILIES if kind.startswith(prefixes)), _FALLBACK
    )
    values = {key: str(value) for key, value in ctx.items()}
    try:
        return template.format_map({**values, "name": name, "Name": _capital(name)})
    except KeyError:  # a limit the error did not state
        return _FALLBACK.format(name=name)


def by_field(errors: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """The first sentence for each field ("form" for errors about no one field)."""
    messages: dict[str, str] = {}
    for error in errors:
        messages.setdefault(_field(error) or "form", sentence(error))
    return messages


_SPACES = re.compile(r"\s+")


def one_line(errors: Iterable[Mapping[str, Any]]) -> str:
    """Every error as one line, each sentence after the field it is about
    ("password: Your password needs ..."), for the API's ``detail``."""
    parts = []
    for error in errors:
        location = ".".join(_location(error))
        text = _SPACES.sub(" ", sentence(error))
        parts.append(f"{location}: {text}" if location else text)
    return " ".join(parts) or "Please check what was sent."
