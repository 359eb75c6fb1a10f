"""Reading the ledger's JSON documents strictly: each helper names the field it refuses.

Timestamps are UTC and always written ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (microseconds, a
``Z``), so a parsed timestamp writes back to the very text that was signed. Binary values
(public keys, signatures) are standard base64 with padding.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from app.ledger.errors import MalformedDocument

_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def utc_text(moment: datetime) -> str:
    """A timezone-aware moment as the ledger writes it.

    >>> utc_text(datetime(2027, 1, 5, 9, 30, tzinfo=UTC))
    '2027-01-05T09:30:00.000000Z'
    """
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; the ledger writes UTC only")
    return moment.astimezone(UTC).strftime(_TIMESTAMP_FORMAT)


def parse_utc(text: object, *, field: str) -> datetime:
    """The moment written by :func:`utc_text`; any other spelling is refused."""
    if not isinstance(text, str) or not _TIMESTAMP.fullmatch(text):
        raise MalformedDocument(f"{field}: must be a UTC time like 2027-01-05T09:30:00.000000Z")
    try:
        # The pattern fixed the spelling; fromisoformat reads it fast (a checkpoint file holds
        # a line per head, and verification reads them all).
        return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)
    except ValueError as exc:
        raise MalformedDocument(f"{field}: {exc}") from exc


def b64_text(value: bytes) -> str:
    """Standard base64 with padding."""
    return base64.b64encode(value).decode("ascii")


def parse_b64(text: object, *, field: str, size: int) -> bytes:
    """Decode standard base64 of exactly ``size`` bytes."""
    if not isinstance(text, str):
        raise MalformedDocument(f"{field}: must be a base64 string")
    try:
        value = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise MalformedDocument(f"{field}: not valid base64 ({exc})") from exc
    if len(value) != size:
        raise MalformedDocument(f"{field}: must decode to {size} bytes, got {len(value)}")
    return value


def mapping(value: object, *, field: str) -> Mapping[str, Any]:
    """``value`` as a JSON object."""
    if not isinstance(value, Mapping):
        raise MalformedDocument(f"{field}: must be a JSON object")
    return value


def text(document: Mapping[str, Any], key: str, *, field: str) -> str:
    """A required string member."""
    value = document.get(key)
    if not isinstance(value, str) or not value:
        raise MalformedDocument(f"{field}.{key}: must be a non-empty string")
    return value


def count(document: Mapping[str, Any], key: str, *, field: str) -> int:
    """A required integer member ≥ 0 (booleans are not integers here)."""
    value = document.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise MalformedDocument(f"{field}.{key}: must be an integer ≥ 0")
    return value


def exact_keys(document: Mapping[str, Any], keys: set[str], *, field: str) -> None:
    """Refuse missing or unknown members, so nothing unsigned rides along."""
    missing, extra = keys - set(document), set(document) - keys
    if missing:
        raise MalformedDocument(f"{field}: missing {', '.join(sorted(missing))}")
    if extra:
        raise MalformedDocument(f"{field}: unknown {', '.join(sorted(extra))}")
