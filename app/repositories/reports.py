"""Queries on allocation reports and publication rows (the log: ``app.repositories.log``)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from app.models import AllocationReport, Publication
from app.repositories.paging import page_of


def get(session: Session, report_id: int) -> AllocationReport | None:
    return session.get(AllocationReport, report_id)


def by_idempotency_scope(session: Session, scope: str) -> AllocationReport | None:
    query = select(AllocationReport).where(AllocationReport.idempotency_scope == scope)
    return session.exec(query).first()


def page(
    session: Session,
    *,
    year: int | None,
    only_ids: set[int] | None,
    limit: int,
    offset: int,
) -> tuple[list[AllocationReport], int]:
    where: list[Any] = []
    if year is not None:
        where.append(AllocationReport.year == year)
    if only_ids is not None:
        where.append(col(AllocationReport.id).in_(only_ids))
    order = [col(AllocationReport.id).desc()]
    return page_of(
        session, AllocationReport, where=where, order_by=order, limit=limit, offset=offset
    )


def publications(session: Session, *, year: int | None = None) -> list[Publication]:
    query = select(Publication).order_by(col(Publication.id))
    if year is not None:
        query = query.where(Publication.year == year)
    return list(session.exec(query))
