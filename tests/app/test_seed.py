"""Default data from the brief: six ministries, a labelled placeholder weight set, a 2027
scenario; loading it again changes nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlmodel import Session, select

from app.seed import seed
from app.services.weight_sets import WeightValues

TABLES = ["ministry", "weight_set", "weight_entry", "weight_set_event", "scenario"]


def _contents(db: Session) -> dict[str, list[Any]]:
    return {
        table: [tuple(row) for row in db.exec(text(f"SELECT * FROM {table} ORDER BY 1"))]  # type: ignore[call-overload]
        for table in TABLES
    }


class TestSeeding:
    def test_running_it_twice_changes_nothing(self, db: Session):
        before = _contents(db)
        result = seed(db)
        db.flush()
        assert result.summary() == "seed: nothing to add"
        assert _contents(db) == before

    def test_it_never_overwrites_an_edited_ministry(self, db: Session):
        db.exec(text("UPDATE ministry SET name = 'Edited' WHERE code = 'EZ'"))  # type: ignore[call-overload]
        seed(db)
        assert db.exec(text("SELECT name FROM ministry WHERE code = 'EZ'")).one()[0] == "Edited"  # type: ignore[call-overload]

    def test_the_placeholder_weights_are_equal_and_labelled_as_illustrative(self, db: Session):
        row = db.exec(text("SELECT id, name, description, status FROM weight_set")).one()  # type: ignore[call-overload]
        assert "placeholder" in row.name.lower()
        assert "ILLUSTRATIVE" in row.description
        assert row.status == "draft"
        from app.repositories import weight_sets as repo

        values = WeightValues.from_entries(repo.entries(db, row.id))
        assert set(values.weights) == {"JenV", "BZK", "EZ", "VWS", "BZ", "OCW"}
        assert len(set(values.weights.values())) == 1
        assert values.rationale["JenV"].startswith("Rule of law")

    def test_the_2027_scenario_has_the_base_and_three_channels(self, db: Session):
        from app.models import Scenario

        scenario = db.exec(text("SELECT min(id) FROM scenario")).one()  # type: ignore[call-overload]
        document = db.get(Scenario, scenario[0]).document  # type: ignore[union-attr]
        assert document["year"] == 2027
        assert document["base"] == "5000000.00"
        channels = {c["channel"]: c for c in document["variable"]}
        assert set(channels) == {"hulplijn", "preventielijn", "meldpunt"}
        # 9,281 hulplijn contacts in 2025 (BRIEF.md), grown 30% a year to 2026 and 2027.
        assert channels["hulplijn"]["reference_contacts"] == round(9281 * 1.3)
        assert channels["hulplijn"]["contacts"] == round(9281 * 1.3**2)
        assert channels["meldpunt"]["contacts"] == round(927581 * 1.3**2)

    def test_the_plan_scenario_covers_2027_to_2031_with_todays_funding(self, db: Session):
        from allocation import parse_scenario
        from app.models import Scenario

        plan = [s for s in db.exec(select(Scenario)).all() if "2027-2031" in s.name]
        assert len(plan) == 1
        assert "ILLUSTRATIVE ASSUMPTION" in plan[0].description
        document = {k: v for k, v in plan[0].document.items() if k != "weight_set"}
        scenario = parse_scenario({**document, "weights": {"JenV": 1, "BZK": 1}})
        assert scenario.projection is not None and scenario.projection.years == 5
        cuts = {(s.name, s.ministry, s.amount, s.first, s.last) for s in scenario.funding}
        assert ("JenV subsidy after the cut", "JenV", 365_000_000, 2027, None) in cuts
        bzk = [s for s in scenario.funding if s.ministry == "BZK"]
        assert [(s.amount, s.last) for s in bzk] == [(50_000_000, 2027)]
