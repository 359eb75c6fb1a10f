"""Sweeps: one or two inputs varied over a grid, every year allocated at each point, nothing
stored (``allocation.sweep``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from allocation.errors import InvalidScenario
from allocation.sweep import parse_axis, sweep
from app.auth import Principal
from app.errors import InvalidInput
from app.services import allocations

SWEEP_BUDGETS = 4
"""A whole sweep may take this many solve budgets, however many points it has."""


@dataclass(frozen=True, slots=True)
class SweepRequest:
    scenario_id: int | None
    scenario: dict[str, Any] | None
    rule: str | None
    solver: str
    vary: list[dict[str, Any]]


def run(session: Session, principal: Principal, request: SweepRequest) -> dict[str, Any]:
    """The grid's figures per point, year and ministry, and each figure's range."""
    resolved, _reference = allocations.resolve_request(
        session,
        principal,
        allocations.RunRequest(
            scenario_id=request.scenario_id,
            scenario=request.scenario,
            rule=request.rule,
            solver=request.solver,
            year=None,
        ),
    )
    scenario = resolved.scenario
    channels = tuple(channel.name for channel in scenario.variable)
    try:
        axes = [
            parse_axis(item, f"vary[{i}]", ministries=scenario.ministries, channels=channels)
            for i, item in enumerate(request.vary)
        ]
        return sweep(
            scenario,
            axes,
            rule=request.rule,
            solver=request.solver,
            time_limit=allocations.solve_budget() * SWEEP_BUDGETS,
        )
    except InvalidScenario as exc:
        raise InvalidInput(exc.field, exc.message) from exc
