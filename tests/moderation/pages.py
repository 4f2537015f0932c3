"""Reading forms out of rendered pages, for tests that post them as a browser would."""

import re

_HIDDEN = re.compile(r'type="hidden" name="([^"]+)" value="([^"]*)"')


def hidden_fields(html: str) -> dict[str, str]:
    """Every hidden field on a page (the first value of each name wins)."""
    fields: dict[str, str] = {}
    for name, value in _HIDDEN.findall(html):
        fields.setdefault(name, value)
    return fields
