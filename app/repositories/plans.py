"""Queries on multi-year plans and their reports."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models import AllocationReport, Plan
from app.repositories.paging import page_of


def next_id(session: Session) -> int:
    """The id of the next plan; call with the log's lock held, so ids never collide."""
    highest = session.exec(select(func.max(Plan.id))).one()
    return int(highest or 0) + 1


def get(session: Session, plan_id: int) -> Plan | None:
    return session.get(Plan, plan_id)


def reports_of(session: Session, plan_id: int) -> list[AllocationReport]:
    query = (
        select(AllocationReport)
        .where(AllocationReport.plan_id == plan_id)
        .order_by(col(AllocationReport.year))
    )
    return list(session.exec(query))


def page(session: Session, *, limit: int, offset: int) -> tuple[list[Plan], int]:
    return page_of(
        session, Plan, where=[], order_by=[col(Plan.id).desc()], limit=limit, offset=offset
    )
