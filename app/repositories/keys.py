"""Queries on API keys."""

from __future__ import annotations

from sqlmodel import Session, select

from app.models import ApiKey


def by_prefix(session: Session, prefix: str) -> ApiKey | None:
    return session.exec(select(ApiKey).where(ApiKey.prefix == prefix)).first()


def active_admin_exists(session: Session) -> bool:
    query = select(ApiKey.id).where(ApiKey.role == "admin", ApiKey.revoked_at.is_(None))  # type: ignore[union-attr]
    return session.exec(query).first() is not None


def all_keys(session: Session) -> list[ApiKey]:
    return list(session.exec(select(ApiKey).order_by(ApiKey.id)))  # type: ignore[arg-type]
