"""Queries on allocation reports, the chain head and publications."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from app.db import begin_writing
from app.models import AllocationReport, Publication, ReportChain
from app.repositories.paging import page_of


def lock_chain(session: Session) -> ReportChain:
    """The chain head, locked until the transaction ends (PostgreSQL: a row lock; SQLite: the
    database's write lock, taken by a transaction that begins IMMEDIATE)."""
    begin_writing(session)
    query = select(ReportChain).where(ReportChain.id == 1).with_for_update()
    return session.exec(query).one()


def chain_head(session: Session) -> ReportChain:
    return session.exec(select(ReportChain).where(ReportChain.id == 1)).one()


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


def in_chain_order(session: Session, *, after: int, batch: int) -> list[AllocationReport]:
    query = (
        select(AllocationReport)
        .where(AllocationReport.id > after)
        .order_by(col(AllocationReport.id))
        .limit(batch)
    )
    return list(session.exec(query))


def publications(session: Session, *, year: int | None = None) -> list[Publication]:
    query = select(Publication).order_by(col(Publication.id))
    if year is not None:
        query = query.where(Publication.year == year)
    return list(session.exec(query))


def published_ids(session: Session) -> set[int]:
    return set(session.exec(select(Publication.report_id).distinct()))


def current_publications(session: Session, years: list[int]) -> dict[int, Publication]:
    """The publication in force per year: the newest one of that year."""
    current: dict[int, Publication] = {}
    query = (
        select(Publication).where(col(Publication.year).in_(years)).order_by(col(Publication.id))
    )
    for publication in session.exec(query):
        current[publication.year] = publication
    return current
