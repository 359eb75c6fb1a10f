"""API keys and roles.

A key looks like ``cs_<prefix>_<secret>``. Only the SHA-256 of the secret is stored; the prefix
finds the row and the digests are compared in constant time. Keys are high-entropy random
strings, so a fast hash is enough (no password stretching needed).

Roles:
- ``admin``: everything.
- ``negotiator``: read all; create weight sets, scenarios and allocations; adopt and publish.
- ``finance``: bound to one ministry; reads published figures and its own ministry's share.
- ``reader``: reads published figures (budget tooling).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from app.concurrency import retry_after
from app.db import request_session
from app.errors import Forbidden, TooManyRequests
from app.repositories import keys as key_repo

KEY_SCHEME = "cs"
_DUMMY_DIGEST = hashlib.sha256(b"no such key").hexdigest()


class Role(StrEnum):
    ADMIN = "admin"
    NEGOTIATOR = "negotiator"
    FINANCE = "finance"
    READER = "reader"


EDITORS = frozenset({Role.ADMIN, Role.NEGOTIATOR})
"""Roles that may see drafts and comparisons and create weight sets, scenarios and runs."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the key's role, its ministry (finance keys only) and an audit label."""

    key_prefix: str
    role: Role
    ministry_code: str | None = None

    @property
    def actor(self) -> str:
        """How the caller appears in created_by/updated_by and in history."""
        suffix = f":{self.ministry_code}" if self.ministry_code else ""
        return f"key:{self.key_prefix} ({self.role.value}{suffix})"

    @property
    def is_editor(self) -> bool:
        return self.role in EDITORS


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A freshly made key: ``plaintext`` is shown once and never stored."""

    plaintext: str
    prefix: str
    secret_sha256: str


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_key() -> IssuedKey:
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    return IssuedKey(f"{KEY_SCHEME}_{prefix}_{secret}", prefix, digest(secret))


def split_key(presented: str) -> tuple[str, str] | None:
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_SCHEME or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


class Unauthenticated(Exception):
    """No key, a malformed key, an unknown key or a revoked key."""


def authenticate(session: Session, presented: str | None) -> Principal:
    """The principal for a presented key, or :class:`Unauthenticated`."""
    parts = split_key(presented or "")
    row = key_repo.by_prefix(session, parts[0]) if parts else None
    stored = row.secret_sha256 if row is not None else _DUMMY_DIGEST
    matches = hmac.compare_digest(stored, digest(parts[1] if parts else ""))
    if row is None or not matches or row.revoked_at is not None:
        raise Unauthenticated
    return Principal(key_prefix=row.prefix, role=Role(row.role), ministry_code=row.ministry_code)


_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer cs_…`")


def current_principal(
    request: Request,
    session: Annotated[Session, Depends(request_session, scope="function")],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Dependency: the caller, from ``Authorization: Bearer`` or ``X-API-Key``."""
    presented = credentials.credentials if credentials else request.headers.get("x-api-key")
    principal = authenticate(session, presented)
    request.state.principal = principal
    return principal


def require(*roles: Role):  # type: ignore[no-untyped-def]
    """Dependency factory: the caller, who must hold one of ``roles``."""
    allowed = frozenset(roles)

    def _check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise Forbidden(f"role '{principal.role.value}' may not do this; needs one of {names}")
        return principal

    return _check


def _solve_admission(
    request: Request, principal: Annotated[Principal, Depends(current_principal)]
) -> Principal:
    """The caller, if its key may start one more solve now; else 429 with Retry-After."""
    limiter = request.app.state.solve_rate
    wait = limiter.admit(principal.key_prefix)
    if wait > 0:
        raise TooManyRequests(
            f"this key started more than {limiter.burst} solves in a short time; retry in "
            f"{retry_after(wait)} s",
            retry_after=retry_after(wait),
        )
    return principal


def require_solving(*roles: Role):  # type: ignore[no-untyped-def]
    """Dependency factory: a caller holding one of ``roles`` whose key may start a solve."""
    allowed = require(*roles)

    def _check(
        principal: Principal = Depends(allowed),  # noqa: B008 - FastAPI's way
        _admitted: Principal = Depends(_solve_admission),  # noqa: B008
    ) -> Principal:
        return principal

    return _check


async def presented_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str | None:
    """The key a request presents (``Authorization: Bearer`` or ``X-API-Key``), unchecked:
    for routes that check it themselves in the one query they run (``app.published``)."""
    return credentials.credentials if credentials else request.headers.get("x-api-key")


PresentedKey = Annotated[str | None, Depends(presented_key)]
Caller = Annotated[Principal, Depends(current_principal)]
SolvingEditor = Annotated[Principal, Depends(require_solving(Role.ADMIN, Role.NEGOTIATOR))]
"""An editor starting a solve (run, comparison, plan, sweep): counted by the rate limit."""
SolvingCaller = Annotated[Principal, Depends(require_solving(*Role))]
"""Any caller starting a solve (verification): counted by the rate limit."""
Editor = Annotated[Principal, Depends(require(Role.ADMIN, Role.NEGOTIATOR))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
