"""Queries on ministries."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, select

from app.models import Ministry


def get(session: Session, code: str) -> Ministry | None:
    return session.get(Ministry, code)


def listing(session: Session, *, active: bool | None = None) -> list[Ministry]:
    query = select(Ministry).order_by(Ministry.code)
    if active is not None:
        query = query.where(Ministry.active == active)
    return list(session.exec(query))


def by_codes(session: Session, codes: Iterable[str]) -> dict[str, Ministry]:
    wanted = set(codes)
    if not wanted:
        return {}
    rows = session.exec(select(Ministry).where(Ministry.code.in_(wanted)))  # type: ignore[attr-defined]
    return {row.code: row for row in rows}
