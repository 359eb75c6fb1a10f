"""The negotiators' form: a stored scenario's figures as fields people can edit (weights,
floors, ceilings, the maximum share, the base amount, the year and the growth), read back
into a scenario document for the engine, every refusal naming its field and keeping what was
typed.

Unchanged weights keep the scenario's reference to its weight set, so a report run from the
form can rest on an adopted set; changed weights are given inline (for every pool).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from app.auth import Principal
from app.models import Scenario
from app.services import allocations, weight_sets
from app.web.forms import Form, is_number, machine_decimal, parse_decimal

Gettext = Callable[[str], str]
MAX_YEARS_AHEAD = 9
HUNDRED = Decimal(100)
MAX_WEIGHT = Decimal(10**9)
MAX_MONEY = Decimal(10**12)


def dutch(value: Decimal | str | None) -> str:
    """A decimal as a person types it in Dutch: ``Decimal("1.5")`` → ``"1,5"``."""
    if value is None or value == "":
        return ""
    return machine_decimal(Decimal(str(value))).replace(".", ",")


def dutch_money(value: Decimal | str | None) -> str:
    """An amount as Dutch budget papers write it: ``"5000000.00"`` → ``"5.000.000,00"``."""
    if value is None or value == "":
        return ""
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    whole, _, cents = f"{abs(amount):.2f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{'-' if amount < 0 else ''}{grouped},{cents}"


@dataclass(slots=True)
class Inputs:
    """The form's fields as text, exactly as shown or typed."""

    scenario_id: int
    base_year: int
    ministries: list[str]
    values: dict[str, str]
    channels: list[dict[str, Any]] = field(default_factory=list)
    stored_weights: dict[str, Decimal] = field(default_factory=dict)
    weight_set: dict[str, Any] | None = None
    fixed: dict[str, str] = field(default_factory=dict)

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    @property
    def years(self) -> list[int]:
        return list(range(self.base_year, self.base_year + MAX_YEARS_AHEAD + 1))


def inputs_for(session: Session, principal: Principal, scenario: Scenario) -> Inputs:
    """The form filled with the stored scenario's own figures."""
    document = scenario.document
    stored_weights: dict[str, Decimal] = {}
    weight_set = None
    reference = document.get("weight_set")
    if isinstance(reference, dict) and isinstance(reference.get("id"), int):
        view = weight_sets.get(session, principal, reference["id"])
        stored_weights = dict(view.values.weights)
        weight_set = {
            "id": view.row.id,
            "name": view.row.name,
            "version": view.row.version,
            "status": view.row.status,
            "pool_weights": bool(view.values.pool_weights),
        }
    else:
        stored_weights = {
            code: Decimal(str(w)) for code, w in (document.get("weights") or {}).items()
        }
    constraints = document.get("constraints") or {}
    projection = document.get("projection") or {}
    values = {
        "year": str(document["year"]),
        "growth": dutch(Decimal(str(projection.get("contact_growth", "0.30"))) * HUNDRED),
        "base": dutch_money(document.get("base", "0")),
        "max_share": dutch(Decimal(str(constraints["max_share"])) * HUNDRED)
        if constraints.get("max_share") is not None
        else "",
    }
    codes = sorted(stored_weights)
    for code in codes:
        values[f"weight-{code}"] = dutch(stored_weights[code])
        values[f"floor-{code}"] = dutch_money((constraints.get("floors") or {}).get(code))
        values[f"ceiling-{code}"] = dutch_money((constraints.get("ceilings") or {}).get(code))
    return Inputs(
        scenario_id=scenario.id or 0,
        base_year=int(document["year"]),
        ministries=codes,
        values=values,
        channels=list(document.get("variable") or []),
        stored_weights=stored_weights,
        weight_set=weight_set,
        fixed={code: str(v) for code, v in (constraints.get("fixed") or {}).items()},
    )


@dataclass(slots=True)
class Parsed:
    """What the form says: the document for the engine, the year, or the errors."""

    inputs: Inputs
    errors: dict[str, str]
    document: dict[str, Any] | None = None
    year: int | None = None
    unchanged: bool = False
    through: bool = False
    """Whether to add up every year from the scenario's own to ``year`` (the plan years)."""

    @property
    def years(self) -> list[int]:
        """The years to compare: ``year`` alone, or every year up to it."""
        if self.year is None:
            return []
        first = self.inputs.base_year if self.through else self.year
        return list(range(first, self.year + 1))


def _number(
    _: Gettext,
    form: Form,
    name: str,
    label: str,
    *,
    low: Decimal,
    high: Decimal,
    places: int,
    errors: dict[str, str],
    optional: bool = False,
) -> Decimal | None:
    text = form.get(name)
    named = {"label": label[:1].upper() + label[1:]}
    if not text:
        if not optional:
            errors[name] = _("Enter %(label)s") % {"label": label}
        return None
    value = parse_decimal(text)
    if value is None:
        errors[name] = _("%(label)s must be a number, like 1.234,56; you typed '%(text)s'") % {
            **named,
            "text": text,
        }
        return None
    if value < low or value > high:
        errors[name] = _("%(label)s must lie between %(low)s and %(high)s") % {
            **named,
            "low": dutch(low),
            "high": dutch(high),
        }
        return None
    if value != value.quantize(Decimal(1).scaleb(-places)):
        errors[name] = _("%(label)s may have at most %(places)s decimals") % {
            **named,
            "places": places,
        }
        return None
    return value


def field_names(inputs: Inputs) -> list[str]:
    """The names of the form's fields, the year first."""
    return ["year", "growth", "base", "max_share"] + [
        f"{kind}-{code}" for code in inputs.ministries for kind in ("weight", "floor", "ceiling")
    ]


def parse(_: Gettext, form: Form, inputs: Inputs, scenario: Scenario) -> Parsed:
    """Read the form into a scenario document, or the errors per field."""
    inputs.values = {name: form.get(name) for name in field_names(inputs)}
    errors: dict[str, str] = {}
    year_text = form.get("year")
    year = int(year_text) if is_number(year_text, digits=4) else None
    if year is None or year not in inputs.years:
        errors["year"] = _("Choose a year from %(first)s to %(last)s") % {
            "first": inputs.years[0],
            "last": inputs.years[-1],
        }
    growth = _number(
        _,
        form,
        "growth",
        _("the growth per year"),
        low=Decimal(-99),
        high=Decimal(1000),
        places=4,
        errors=errors,
    )
    base = _number(
        _,
        form,
        "base",
        _("the base amount"),
        low=Decimal(0),
        high=MAX_MONEY,
        places=2,
        errors=errors,
    )
    max_share = _number(
        _,
        form,
        "max_share",
        _("the maximum share"),
        low=Decimal("0.0001"),
        high=HUNDRED,
        places=4,
        errors=errors,
        optional=True,
    )
    weights: dict[str, Decimal] = {}
    floors: dict[str, Decimal] = {}
    ceilings: dict[str, Decimal] = {}
    for code in inputs.ministries:
        weight = _number(
            _,
            form,
            f"weight-{code}",
            _("the weight of %(code)s") % {"code": code},
            low=Decimal(0),
            high=MAX_WEIGHT,
            places=6,
            errors=errors,
        )
        if weight is not None:
            weights[code] = weight
        for kind, target, label in (
            ("floor", floors, _("the floor of %(code)s")),
            ("ceiling", ceilings, _("the ceiling of %(code)s")),
        ):
            amount = _number(
                _,
                form,
                f"{kind}-{code}",
                label % {"code": code},
                low=Decimal(0),
                high=MAX_MONEY,
                places=2,
                errors=errors,
                optional=True,
            )
            if amount is not None:
                target[code] = amount
    if len(weights) == len(inputs.ministries) and not any(weights.values()):
        errors[f"weight-{inputs.ministries[0]}"] = _("At least one weight must be above 0")
    for code in sorted(set(floors) & set(ceilings)):
        if floors[code] > ceilings[code]:
            errors[f"floor-{code}"] = _(
                "The floor of %(code)s is above its ceiling; lower the floor or raise the ceiling"
            ) % {"code": code}
    if errors or year is None or base is None or growth is None:
        return Parsed(inputs, errors)
    document = copy.deepcopy(scenario.document)
    document["base"] = f"{base:.2f}"
    if weights != inputs.stored_weights or "weight_set" not in document:
        document.pop("weight_set", None)
        document["weights"] = {code: machine_decimal(w) for code, w in weights.items()}
    constraints = {k: v for k, v in (document.get("constraints") or {}).items() if k == "fixed"}
    if max_share is not None:
        constraints["max_share"] = machine_decimal(max_share / HUNDRED)
    if floors:
        constraints["floors"] = {code: f"{v:.2f}" for code, v in floors.items()}
    if ceilings:
        constraints["ceilings"] = {code: f"{v:.2f}" for code, v in ceilings.items()}
    document["constraints"] = constraints
    unchanged = _same_document(document, scenario.document) and year == inputs.base_year
    # The scenario's own projection terms (a contribution limited to some years, growth per
    # channel) stay; the form sets how far to project and the growth of every other channel.
    document["projection"] = {
        **(document.get("projection") or {}),
        "years": year - inputs.base_year + 1,
        "contact_growth": machine_decimal(growth / HUNDRED),
    }
    return Parsed(
        inputs,
        errors,
        document=document,
        year=year,
        unchanged=unchanged,
        through=form.checked("through") and year > inputs.base_year,
    )


def run_request(parsed: Parsed, stored: Scenario, *, rule: str | None) -> allocations.RunRequest:
    """The run the form describes: the stored scenario itself when nothing changed, so a
    report from it keeps the scenario's reference and its adopted weight set."""
    if parsed.unchanged:
        return allocations.RunRequest(
            scenario_id=stored.id, scenario=None, rule=rule, solver="highs", year=None
        )
    year = None if parsed.year == parsed.inputs.base_year else parsed.year
    return allocations.RunRequest(
        scenario_id=None, scenario=parsed.document, rule=rule, solver="highs", year=year
    )


def _same_document(edited: dict[str, Any], stored: dict[str, Any]) -> bool:
    """Whether the form changed nothing the engine would see (amounts compared as numbers)."""

    def normal(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: normal(v) for k, v in value.items() if v not in ({}, None)}
        if isinstance(value, list):
            return [normal(v) for v in value]
        if isinstance(value, str | int) and not isinstance(value, bool):
            number = parse_decimal(str(value)) if isinstance(value, str) else Decimal(value)
            return number.normalize() if number is not None else value
        return value

    return bool(normal(edited) == normal(stored))


ENGINE_FIELDS = {
    "base": "base",
    "constraints.max_share": "max_share",
    "projection.contact_growth": "growth",
    "year": "year",
}


def form_field(engine_field: str) -> str | None:
    """The form field behind a field the engine or the service named, if there is one.

    >>> form_field("scenario.constraints.floors.JenV"), form_field("scenario.weights.BZ")
    ('floor-JenV', 'weight-BZ')
    """
    name = engine_field.removeprefix("scenario.")
    for prefix, kind in (
        ("weights.", "weight"),
        ("constraints.floors.", "floor"),
        ("constraints.ceilings.", "ceiling"),
    ):
        if name.startswith(prefix):
            return f"{kind}-{name.removeprefix(prefix)}"
    return ENGINE_FIELDS.get(name)
