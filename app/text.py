"""What free text the site will store: the one rule for every form, body and URL.

PostgreSQL refuses NUL in text, and no reader ever meant to type the other C0
control characters; left to the database they turn into a 500 after the work
is done. So they are refused where text comes in: in every schema through
``Storable`` and ``OneLine``, and in paths and query strings by ``refuse_unstorable_address``.
"""

from urllib.parse import unquote

from fastapi import HTTPException, Request
from pydantic import AfterValidator

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


# The check, last in a field's ``Annotated[str, <length and strip>, Storable]``:
# placed before the length constraints, pydantic would count them afterwards as
# items and no longer strip. Free text (bodies, bios, reasons, notes) is
# ``Storable``; names, titles and tags are ``OneLine``.
Storable = AfterValidator(_text)
OneLine = AfterValidator(_line)


def refuse_unstorable_address(request: Request) -> None:
    """Refuses a request whose decoded path or query holds a control character.

    Such an address names nothing here, and a search for it would only reach
    the database to fail there. Applied to every route, before anything loads.
    """
    query = unquote(request.scope.get("query_string", b"").decode("latin-1"))
    if unstorable(request.url.path, one_line=True) or unstorable(query, one_line=True):
        raise HTTPException(400, "The address contains a control character.")
