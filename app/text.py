"""Which characters a text may hold, the same on SQLite and PostgreSQL.

PostgreSQL refuses NUL in text columns; SQLite stores it. Neither should hold control characters
or bidirectional overrides, which make a name display as something it is not (a ministry
called "VWS" that reads "SWV"). So every string the service takes — body fields, object keys,
query and path parameters, headers it stores — is checked here, and refused with the field
named. Tab and newline are allowed in free text (descriptions, mandates, rationales) only.
"""

from __future__ import annotations

import re

_BIDI = "\u202a-\u202e\u2066-\u2069"
_ANY_CONTROL = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")
_CONTROL_BUT_LAYOUT = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")


def forbidden_character(text: str, *, free_text: bool = False) -> str | None:
    """Why ``text`` is refused, or None when every character may be stored.

    >>> forbidden_character("JenV\\x00")
    'contains the control character U+0000 at position 5'
    >>> forbidden_character("Mandaat\\n2027", free_text=True) is None
    True
    >>> forbidden_character("abc\\u202e")
    'contains the bidirectional override U+202E at position 4'
    """
    found = (_CONTROL_BUT_LAYOUT if free_text else _ANY_CONTROL).search(text)
    if found is None:
        return None
    char = found.group()
    kind = "control character" if ord(char) <= 0x9F else "bidirectional override"
    return f"contains the {kind} U+{ord(char):04X} at position {found.start() + 1}"
