"""Queries on stored scenarios."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.models import Scenario


def get(session: Session, scenario_id: int) -> Scenario | None:
    return session.get(Scenario, scenario_id)


def family(session: Session, name: str) -> list[Scenario]:
    query = select(Scenario).where(Scenario.name == name).order_by(col(Scenario.version))
    return list(session.exec(query))


def page(
    session: Session, *, name: str | None, limit: int, offset: int
) -> tuple[list[Scenario], int]:
    from sqlalchemy import func

    query = select(Scenario)
    counter = select(func.count()).select_from(Scenario)
    if name is not None:
        query = query.where(Scenario.name == name)
        counter = counter.where(Scenario.name == name)
    rows = session.exec(
        query.order_by(col(Scenario.name), col(Scenario.version)).limit(limit).offset(offset)
    )
    return list(rows), int(session.exec(counter).one())
