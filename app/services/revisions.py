"""Optimistic concurrency: every editable object carries a revision, sent as a weak ETag.

An edit that names an older revision in ``If-Match`` is refused with 412, so of two editors
racing from the same revision exactly one wins and the other is told to reload.
"""

from __future__ import annotations

from app.errors import PreconditionFailed, PreconditionRequired


def etag(revision: int | str) -> str:
    return f'W/"{revision}"'


def check_revision(if_match: str | None, current: int | str, *, what: str) -> None:
    """Refuse an edit without ``If-Match`` (428) or naming another revision (412)."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired(
            f"send If-Match with the ETag of your last GET of {what}, so that no one else's "
            "change is overwritten"
        )
    if if_match.strip() == "*":
        return
    offered = {tag.strip().removeprefix("W/").strip('"') for tag in if_match.split(",")}
    if str(current) not in offered:
        raise PreconditionFailed(
            f"{what} has changed: it is at revision {current}, not {', '.join(sorted(offered))}; "
            "fetch it again and reapply your change"
        )
