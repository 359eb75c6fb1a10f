"""Queries on stored scenarios."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.models import Scenario


def get(session: Session, scenario_id: int) -> Scenario | None:
    return session.get(Scenario, scenario_id)


def family(session: Session, name: str) -> list[Scenario]:
    query = select(Scenario).where(Scenario.name == name).order_by(col(Scenario.version))
    return list(session.exec(query))
