"""Default data from the brief, loaded idempotently: running it twice changes nothing.

What exists already (by ministry code, weight set name, scenario name) is left as it is, so an
operator's later edits are never overwritten by a restart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from sqlmodel import Session

from app.auth import Principal, Role
from app.models import Ministry, Scenario
from app.repositories import ministries as ministry_repo
from app.repositories import scenarios as scenario_repo
from app.repositories import weight_sets as weight_set_repo
from app.schemas import WeightSetCreate
from app.services import weight_sets

SEED_ACTOR = Principal(key_prefix="seed", role=Role.ADMIN)


@dataclass
class SeedResult:
    """What one run added; empty lists mean the data was already there."""

    ministries: list[str] = field(default_factory=list)
    weight_sets: list[str] = field(default_factory=list)
    scenarios: list[str] = field(default_factory=list)

    def summary(self) -> str:
        added = self.ministries + self.weight_sets + self.scenarios
        return "seed: added " + ", ".join(added) if added else "seed: nothing to add"


def default_data() -> dict[str, Any]:
    text = resources.files("app.defaults").joinpath("offlimits.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _seed_ministries(session: Session, data: dict[str, Any], result: SeedResult) -> None:
    for entry in data["ministries"]:
        if ministry_repo.get(session, entry["code"]) is None:
            session.add(Ministry(**entry))
            result.ministries.append(entry["code"])
    session.flush()


def _seed_weight_set(session: Session, data: dict[str, Any], result: SeedResult) -> int:
    spec = data["weight_set"]
    existing = weight_set_repo.family(session, spec["name"])
    if existing:
        return existing[0].id or 0
    rationale = {}
    if spec.get("rationale_from_mandate"):
        rationale = {m["code"]: m["mandate"] for m in data["ministries"]}
    body = WeightSetCreate(
        name=spec["name"],
        description=spec["description"],
        weights=spec["weights"],
        rationale=rationale,
    )
    view = weight_sets.create(session, SEED_ACTOR, body)
    result.weight_sets.append(f"weight set '{spec['name']}'")
    return view.row.id or 0


def _seed_scenario(
    session: Session, spec: dict[str, Any], weight_set_id: int, result: SeedResult
) -> None:
    if scenario_repo.family(session, spec["name"]):
        return
    document = {**spec["document"], "weight_set": {"id": weight_set_id}}
    session.add(
        Scenario(
            name=spec["name"],
            description=spec["description"],
            weight_set_id=weight_set_id,
            document=document,
            created_by=SEED_ACTOR.actor,
        )
    )
    result.scenarios.append(f"scenario '{spec['name']}'")


def seed(session: Session) -> SeedResult:
    """Add the six ministries, the placeholder weight set, the 2027 scenario and the 2027-2031
    plan scenario, each if missing."""
    data = default_data()
    result = SeedResult()
    _seed_ministries(session, data, result)
    weight_set_id = _seed_weight_set(session, data, result)
    for key in ("scenario", "plan_scenario"):
        _seed_scenario(session, data[key], weight_set_id, result)
    session.flush()
    return result
