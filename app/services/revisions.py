"""Optimistic concurrency: every editable object carries a revision, sent as a weak ETag.

An edit that names an older revision in ``If-Match`` is refused with 412, so of two editors
racing from the same revision exactly one wins and the other is told to reload.
"""

from __future__ import annotations

from app.errors import PreconditionFailed


def etag(revision: int) -> str:
    return f'W/"{revision}"'


def check_revision(if_match: str | None, current: int, *, what: str) -> None:
    """Refuse when ``If-Match`` is present and names another revision than ``current``."""
    if if_match is None or if_match.strip() == "*":
        return
    offered = {tag.strip().removeprefix("W/").strip('"') for tag in if_match.split(",")}
    if str(current) not in offered:
        raise PreconditionFailed(
            f"{what} has changed: it is at revision {current}, not {', '.join(sorted(offered))}; "
            "fetch it again and reapply your change"
        )
