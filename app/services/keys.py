"""Use cases on API keys: issue (shown once), revoke (immediately effective), list."""

from __future__ import annotations

from sqlmodel import Session

from app.auth import IssuedKey, Role, issue_key
from app.errors import InvalidInput, NotFound
from app.models import ApiKey, utcnow
from app.repositories import keys as repo
from app.repositories import ministries as ministry_repo
from app.text import forbidden_character

LABEL_LENGTH = 120
"""The width of the key's label column."""


def create(session: Session, *, role: str, ministry_code: str | None, label: str = "") -> IssuedKey:
    """Store a new key's digest and return the key itself, which is never stored."""
    try:
        parsed = Role(role)
    except ValueError as exc:
        raise InvalidInput("role", f"unknown role '{role}'") from exc
    if parsed is Role.FINANCE and not ministry_code:
        raise InvalidInput("ministry", "a finance key needs --ministry, e.g. --ministry JenV")
    if parsed is not Role.FINANCE and ministry_code:
        raise InvalidInput("ministry", "only finance keys are bound to a ministry")
    if ministry_code and ministry_repo.get(session, ministry_code) is None:
        raise InvalidInput("ministry", f"unknown ministry '{ministry_code}'")
    if len(label) > LABEL_LENGTH or forbidden_character(label, free_text=False):
        raise InvalidInput(
            "label", f"a label is one line of at most {LABEL_LENGTH} printable characters"
        )
    issued = issue_key()
    session.add(
        ApiKey(
            prefix=issued.prefix,
            secret_sha256=issued.secret_sha256,
            role=parsed.value,
            ministry_code=ministry_code,
            label=label,
        )
    )
    session.flush()
    return issued


def revoke(session: Session, prefix: str) -> None:
    row = repo.by_prefix(session, prefix)
    if row is None:
        raise NotFound(f"no key with prefix '{prefix}'")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)


def listing(session: Session) -> list[ApiKey]:
    return repo.all_keys(session)


def first_admin_key(session: Session) -> IssuedKey | None:
    """An admin key when none is active yet (first start), else ``None``."""
    if repo.active_admin_exists(session):
        return None
    return create(session, role=Role.ADMIN.value, ministry_code=None, label="first start")
