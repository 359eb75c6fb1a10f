"""Sign-in sessions of the pages: a person signs in once with an API key, then a cookie.

The cookie holds a random token; the database keeps only its SHA-256, the key it was opened
with, a CSRF token and when it expires. Every request looks the session up *and* the key row,
so revoking a key (``costshare keys revoke``) ends its sessions on the next click, and signing
out deletes the row, so an old cookie is worth nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from app.auth import Principal, Role, Unauthenticated, authenticate
from app.models import WebSession, utcnow
from app.repositories import keys as key_repo
from app.repositories import web_sessions as repo

SESSION_COOKIE = "costshare_session"
SIGN_IN_COOKIE = "costshare_signin"
"""Holds the CSRF token of the sign-in form before anyone is signed in (double submit)."""


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A person signed in to the pages: who (as the API sees them) and their form token."""

    principal: Principal
    csrf_token: str
    token_digest: str


@dataclass(frozen=True, slots=True)
class Opened:
    """A new session: the cookie value (shown to the browser only) and its lifetime."""

    token: str
    max_age: int
    signed_in: SignedIn


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(session: Session, presented_key: str, *, hours: float) -> Opened:
    """Open a session for a valid, unrevoked key; :class:`Unauthenticated` otherwise."""
    principal = authenticate(session, presented_key.strip())
    row = _key_row(session, principal)
    now = utcnow()
    repo.delete_expired(session, now=now)
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    lifetime = timedelta(hours=hours)
    session.add(
        WebSession(
            token_sha256=token_digest(token),
            api_key_id=row,
            key_prefix=principal.key_prefix,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    session.flush()
    return Opened(
        token=token,
        max_age=int(lifetime.total_seconds()),
        signed_in=SignedIn(principal, csrf, token_digest(token)),
    )


def _key_row(session: Session, principal: Principal) -> int:
    row = key_repo.by_prefix(session, principal.key_prefix)
    if row is None or row.id is None:
        raise Unauthenticated
    return row.id


def current(session: Session, token: str | None) -> SignedIn | None:
    """The person behind a session cookie, or None when the cookie names no live session:
    unknown, expired, or opened with a key that has since been revoked."""
    if not token:
        return None
    digest = token_digest(token)
    found = repo.by_token_digest(session, digest)
    if found is None:
        return None
    web_session, key = found
    if web_session.expires_at <= utcnow() or key.revoked_at is not None:
        return None
    principal = Principal(
        key_prefix=key.prefix, role=Role(key.role), ministry_code=key.ministry_code
    )
    return SignedIn(principal, web_session.csrf_token, digest)


def sign_out(session: Session, signed_in: SignedIn) -> None:
    repo.delete_by_token_digest(session, signed_in.token_digest)
