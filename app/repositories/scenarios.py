"""Queries on stored scenarios."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.models import Scenario
from app.repositories.paging import page_of


def get(session: Session, scenario_id: int) -> Scenario | None:
    return session.get(Scenario, scenario_id)


def family(session: Session, name: str) -> list[Scenario]:
    query = select(Scenario).where(Scenario.name == name).order_by(col(Scenario.version))
    return list(session.exec(query))


def page(
    session: Session, *, name: str | None, limit: int, offset: int
) -> tuple[list[Scenario], int]:
    where = [Scenario.name == name] if name is not None else []
    order = [col(Scenario.name), col(Scenario.version)]
    return page_of(session, Scenario, where=where, order_by=order, limit=limit, offset=offset)
