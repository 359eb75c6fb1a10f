"""Queries on the pages' sign-in sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.models import ApiKey, WebSession


def by_token_digest(session: Session, digest: str) -> tuple[WebSession, ApiKey] | None:
    """The session with this token digest and its key row, whatever their state."""
    query = (
        select(WebSession, ApiKey)
        .join(ApiKey, col(ApiKey.id) == col(WebSession.api_key_id))
        .where(WebSession.token_sha256 == digest)
    )
    found = session.exec(query).first()
    return (found[0], found[1]) if found else None


def delete_by_token_digest(session: Session, digest: str) -> None:
    session.execute(delete(WebSession).where(col(WebSession.token_sha256) == digest))


def delete_expired(session: Session, *, now: datetime) -> None:
    session.execute(delete(WebSession).where(col(WebSession.expires_at) <= now))
