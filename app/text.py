"""What free text the site will store: the one rule for every form, body and URL.

PostgreSQL refuses NUL in text, and no reader ever meant to type the other C0
control characters; left to the database they turn into a 500 after the work
is done. So they are refused where text comes in: in every schema through
``Storable`` and ``OneLine``, and in paths and query strings by ``refuse_unstorable_address``.
"""

import unicodedata
from typing import Any
from urllib.parse import unquote

from fastapi import HTTPException, Request
from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

# Tab, newline and carriage return are how multi-line text is written.
_LAYOUT = frozenset("\t\n\r")


def unstorable(value: str, *, one_line: bool = False) -> bool:
    """Whether ``value`` holds a control character that text here may not."""
    return any(
        (ord(char) < 32 and (one_line or char not in _LAYOUT)) or char == "\x7f"
        for char in value
    )


def _text(value: str) -> str:
    if unstorable(value):
        raise ValueError("{Name} contains a control character; please remove it.")
    return value


def _line(value: str) -> str:
    if unstorable(value, one_line=True):
        raise ValueError("Write {name} as one line, without control characters.")
    return value


def normalise(value: str) -> str:
    """Text as it is stored, whichever door it came by: line breaks as ``\\n``
    (browsers send a textarea's as CRLF, which its maxlength counts as one) and
    Unicode composed (NFC), so "é" typed two ways is one text, one length."""
    return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))


class _Text:
    """Normalises a field's text before its length and strip constraints, and
    refuses what may not be stored after them: the same rule on every face."""

    def __init__(self, check: Any) -> None:
        self._check = check

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        inner = core_schema.no_info_after_validator_function(
            self._check, handler(source)
        )
        return core_schema.no_info_before_validator_function(_normalised, inner)


def _normalised(value: Any) -> Any:
    return normalise(value) if isinstance(value, str) else value


# Last in a field's ``Annotated[str, <length and strip>, Storable]``, so it wraps
# them: normalised before they count, checked after they strip. Free text
# (bodies, bios, reasons, notes) is ``Storable``; names, titles and tags are
# ``OneLine``.
Storable = _Text(_text)
OneLine = _Text(_line)


def refuse_unstorable_address(request: Request) -> None:
    """Refuses a request whose decoded path or query holds a control character.

    Such an address names nothing here, and a search for it would only reach
    the database to fail there. Applied to every route, before anything loads.
    """
    query = unquote(request.scope.get("query_string", b"").decode("latin-1"))
    if unstorable(request.url.path, one_line=True) or unstorable(query, one_line=True):
        raise HTTPException(400, "The address contains a control character.")
