"""Request and response bodies of the API. Money and weights are decimal strings on the wire."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from app import spec
from app.fields import Chapter, LongText, MinistryCode, PoolName, SetName, ShortText, Weight
from app.log_schemas import SignedHeadOut
from app.spec import EXCLUSIVE, SCENARIO_DOCUMENT

MAX_ID = spec.MAX_ID
"""Ids are 32-bit integers in the database; a larger one can name nothing."""


class Strict(BaseModel):
    """Request bodies refuse unknown fields, so a typo or a forbidden field is never ignored."""

    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- ministries


class MinistryCreate(Strict):
    code: MinistryCode
    name: ShortText = Field(examples=["Sociale Zaken en Werkgelegenheid"])
    chapter: Chapter = Field(examples=["XV"])
    mandate: LongText = ""
    active: StrictBool = True


class MinistryUpdate(Strict):
    name: ShortText | None = None
    chapter: Chapter | None = None
    mandate: LongText | None = None
    active: StrictBool | None = None


class MinistryOut(BaseModel):
    code: str = Field(examples=["JenV"])
    name: str = Field(examples=["Justitie en Veiligheid"])
    chapter: str = Field(examples=["VI"])
    mandate: str
    active: bool
    revision: int
    created_at: datetime
    updated_at: datetime


class MinistryList(BaseModel):
    items: list[MinistryOut]
    total: int


# ---------------------------------------------------------------- weight sets


class WeightSetStatus(StrEnum):
    DRAFT = "draft"
    ADOPTED = "adopted"
    RETIRED = "retired"


WEIGHTS_EXAMPLE = {"JenV": "3", "BZK": "2", "EZ": "1.5", "VWS": "1.5", "BZ": "1", "OCW": "1"}


class WeightSetCreate(Strict):
    """A new weight set (version 1, draft). Weights per ministry apply to every pool unless
    ``pool_weights`` gives a pool its own weights."""

    name: SetName = Field(examples=["Mandaatverdeling 2027"])
    description: LongText = ""
    weights: dict[MinistryCode, Weight] = Field(
        min_length=1, max_length=200, examples=[WEIGHTS_EXAMPLE]
    )
    rationale: dict[MinistryCode, LongText] = Field(
        default_factory=dict,
        max_length=200,
        examples=[{"JenV": "Removal of criminal content; rule of law."}],
    )
    pool_weights: dict[PoolName, dict[MinistryCode, Weight]] = Field(
        default_factory=dict,
        max_length=20,
        examples=[{"hulplijn": {"JenV": "2", "BZK": "1", "VWS": "1"}}],
    )


class WeightSetPatch(Strict):
    """A JSON merge patch on a draft: a key set to null is removed, others replace or add."""

    description: LongText | None = None
    weights: dict[MinistryCode, Weight | None] | None = Field(default=None, max_length=200)
    rationale: dict[MinistryCode, LongText | None] | None = Field(default=None, max_length=200)
    pool_weights: dict[PoolName, dict[MinistryCode, Weight] | None] | None = Field(
        default=None, max_length=20
    )


class WeightSetOut(BaseModel):
    id: int
    name: str
    version: int
    status: WeightSetStatus
    description: str
    based_on_id: int | None
    revision: int
    weights: dict[str, Weight]
    rationale: dict[str, str]
    pool_weights: dict[str, dict[str, Weight]]
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime


class WeightSetList(BaseModel):
    items: list[WeightSetOut]
    total: int
    limit: int
    offset: int


class WeightSetEventOut(BaseModel):
    id: int
    weight_set_id: int
    version: int
    action: str = Field(examples=["created", "updated", "adopted", "retired", "revised"])
    actor: str
    at: datetime
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class WeightSetHistory(BaseModel):
    name: str
    events: list[WeightSetEventOut]


# ---------------------------------------------------------------- health


class Health(BaseModel):
    status: str = Field(examples=["ok"])
    database: str = Field(examples=["reachable"])
    migration: str | None = Field(examples=["0001"])
    version: str = Field(examples=["0.1.0"])


# ---------------------------------------------------------------- scenarios

SCENARIO_EXAMPLE: dict[str, Any] = {
    "year": 2027,
    "rule": "constrained",
    "base": "5000000.00",
    "weights": {"JenV": 3, "BZK": 2, "EZ": "1.5", "VWS": "1.5", "BZ": 1, "OCW": 1},
    "variable": [
        {
            "channel": "hulplijn",
            "rate_per_contact": "25.00",
            "contacts": 15685,
            "reference_contacts": 12065,
            "weights": {"JenV": 2, "BZK": 1, "VWS": 1},
        }
    ],
    "constraints": {"max_share": "0.40", "floors": {"JenV": "1000000.00"}},
}


class ScenarioCreate(Strict):
    """A scenario: the engine's document (see docs/scenario.md). Instead of ``weights`` it may
    name a stored weight set: ``"weight_set": {"id": 1}``."""

    name: SetName = Field(examples=["Offlimits 2027, mandate weights"])
    description: LongText = ""
    document: dict[str, Any] = Field(
        examples=[SCENARIO_EXAMPLE], json_schema_extra={SCENARIO_DOCUMENT: True}
    )


class ScenarioRevise(Strict):
    description: LongText | None = None
    document: dict[str, Any] = Field(
        examples=[SCENARIO_EXAMPLE], json_schema_extra={SCENARIO_DOCUMENT: True}
    )


class ScenarioOut(BaseModel):
    id: int
    name: str
    version: int
    description: str
    weight_set_id: int | None
    document: dict[str, Any]
    created_by: str
    created_at: datetime


class ScenarioList(BaseModel):
    items: list[ScenarioOut]
    total: int
    limit: int
    offset: int


# ---------------------------------------------------------------- allocations


class Rule(StrEnum):
    PROPORTIONAL = "proportional"
    EQUAL = "equal"
    CONSTRAINED = "constrained"


class Solver(StrEnum):
    HIGHS = "highs"
    CBC = "cbc"


class AllocationCreate(Strict):
    """Run the engine on a stored scenario (``scenario_id``) or an inline ``scenario``: exactly
    one of the two."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={EXCLUSIVE: ["scenario_id", "scenario"]}
    )

    scenario_id: StrictInt | None = Field(default=None, ge=1, le=MAX_ID, examples=[1])
    scenario: dict[str, Any] | None = Field(
        default=None, examples=[SCENARIO_EXAMPLE], json_schema_extra={SCENARIO_DOCUMENT: True}
    )
    rule: Rule | None = Field(default=None, description="Overrides the scenario's rule.")
    solver: Solver = Solver.HIGHS
    year: StrictInt | None = Field(
        default=None, ge=2000, le=2100, description="A year of the scenario's projection."
    )


class ReportLine(BaseModel):
    model_config = ConfigDict(extra="allow")

    ministry: str = Field(examples=["JenV"])
    total: str = Field(examples=["850319.60"])
    pools: dict[str, str]
    target: str
    deviation: str
    share: str
    binding: list[str]


class Publication(BaseModel):
    state: str = Field(examples=["published", "superseded", "unpublished"])
    published_at: str | None = None
    published_by: str | None = None
    superseded_by: int | None = None
    acknowledged_unadopted_weights: bool | None = Field(
        default=None,
        description="True when it was published knowing its weights are not adopted.",
    )
    plan_id: int | None = Field(default=None, description="The plan it was published with.")


class PublishRequest(Strict):
    """Optional body of a publication."""

    acknowledge_unadopted_weights: StrictBool = Field(
        default=False,
        description="Publish although the report's weights are not an adopted weight set "
        "(inline weights, a draft, or a retired set); stored and shown with the publication.",
    )


class WeightsSource(BaseModel):
    """Where a report's weights come from."""

    kind: str = Field(examples=["weight_set", "inline"])
    adopted: bool
    id: int | None = None
    name: str | None = None
    version: int | None = None
    status: str | None = Field(default=None, examples=["adopted", "draft", "retired"])


class AllocationReportOut(BaseModel):
    """An immutable allocation report: result, explanation, input snapshot and chain hashes."""

    model_config = ConfigDict(extra="allow")

    id: int
    status: str = Field(examples=["optimal", "infeasible"])
    rule: str
    year: int
    total: str = Field(examples=["5101917.57"])
    pools: dict[str, str]
    lines: list[ReportLine]
    problems: list[str]
    explanation: list[str]
    input_hash: str
    report_hash: str
    prev_hash: str | None
    created_at: str
    created_by: str
    snapshot: dict[str, Any]
    warnings: list[str] = Field(default_factory=list)
    weights_source: WeightsSource | None = None
    publication: Publication
    signed_head: SignedHeadOut | None = Field(
        default=None,
        description="In answers that appended to the signed log (a run, a publication): the "
        "signed head that covers the new entry. Keep it: a later head must be consistent "
        "with it (GET /v1/audit/consistency).",
    )


class AllocationList(BaseModel):
    items: list[AllocationReportOut]
    total: int
    limit: int
    offset: int


class ReportVerification(BaseModel):
    id: int
    valid: bool
    checks: dict[str, bool] = Field(
        examples=[
            {
                "report_hash": True,
                "prev_hash": True,
                "entry_signature": True,
                "inclusion": True,
                "weight_set_history": True,
                "scenario_weights": True,
                "input_hash": True,
                "result": True,
            }
        ]
    )
    problems: list[str]


class PublicationOut(BaseModel):
    id: int
    year: int
    report_id: int
    supersedes_report_id: int | None
    actor: str
    at: datetime
    acknowledged_unadopted_weights: bool
    plan_id: int | None = None
    leaf_index: int = Field(description="Its entry's position in the signed log.")


class PublicationList(BaseModel):
    items: list[PublicationOut]


# ---------------------------------------------------------------- figures


class ReportLink(BaseModel):
    id: int
    report_hash: str
    href: str = Field(examples=["/v1/allocations/3"])


class ShareToday(BaseModel):
    pays_today: str = Field(examples=["3650000.00"])
    change: str | None = Field(examples=["-2799680.41"])
    change_pct: str | None = Field(examples=["-76.70"])
    gap: str = Field(description="The year's need minus all of today's funding streams.")


class ShareOut(BaseModel):
    """One ministry's line of the allocation published for a year."""

    model_config = ConfigDict(extra="allow")

    ministry: str
    name: str
    chapter: str
    year: int
    total: str
    pools: dict[str, str]
    target: str
    deviation: str
    share: str
    binding: list[str]
    allocation_total: str
    rule: str
    report: ReportLink
    weights_source: WeightsSource | None = None
    warnings: list[str] = Field(default_factory=list)
    publication: Publication
    today: ShareToday | None = Field(
        default=None, description="Where the scenario states today's funding streams."
    )


class Variant(Strict):
    """A named scenario for side-by-side comparison: stored or inline, one of the two."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={EXCLUSIVE: ["scenario_id", "scenario"]}
    )

    name: ShortText = Field(examples=["BZK stops after 2027"])
    scenario_id: StrictInt | None = Field(default=None, ge=1, le=MAX_ID)
    scenario: dict[str, Any] | None = Field(
        default=None, json_schema_extra={SCENARIO_DOCUMENT: True}
    )


class ComparisonCreate(Strict):
    """Compare one scenario under several rules, named scenario variants under one rule
    (``variants``), or two stored reports (``report_ids``): exactly one of ``scenario_id``,
    ``scenario``, ``variants`` and ``report_ids``. Where the scenario states today's funding,
    a ``status_quo`` column comes first and is the baseline of the differences."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={EXCLUSIVE: ["scenario_id", "scenario", "variants", "report_ids"]},
    )

    year: StrictInt | None = Field(
        default=None,
        ge=2000,
        le=2100,
        description="A year of the scenario's projection (default: its first year).",
    )
    variants: list[Variant] | None = Field(
        default=None,
        min_length=2,
        max_length=6,
        description="Scenarios side by side under the first of `rules` (default constrained).",
    )

    scenario_id: StrictInt | None = Field(default=None, ge=1, le=MAX_ID)
    scenario: dict[str, Any] | None = Field(
        default=None, examples=[SCENARIO_EXAMPLE], json_schema_extra={SCENARIO_DOCUMENT: True}
    )
    rules: list[Rule] = Field(
        default_factory=lambda: [Rule.PROPORTIONAL, Rule.EQUAL, Rule.CONSTRAINED],
        min_length=1,
        max_length=3,
    )
    solver: Solver = Solver.HIGHS
    report_ids: list[Annotated[StrictInt, Field(ge=1, le=MAX_ID)]] | None = Field(
        default=None, min_length=2, max_length=2
    )


class Difference(BaseModel):
    eur: str = Field(examples=["-12500.00"])
    pct: str | None = Field(examples=["-1.47"])


class ComparisonRow(BaseModel):
    ministry: str
    name: str
    amounts: dict[str, str | None]
    differences: dict[str, Difference | None]


class ComparisonColumn(BaseModel):
    model_config = ConfigDict(extra="allow")

    key: str
    status: str
    total: str


class ComparisonOut(BaseModel):
    baseline: str
    columns: list[ComparisonColumn]
    rows: list[ComparisonRow]


class BudgetRow(BaseModel):
    ministry: str
    name: str
    chapter: str
    amounts: dict[str, int | None]


class BudgetTable(BaseModel):
    """Published amounts per ministry and year in thousands of euros ("x € 1.000")."""

    from_: int = Field(alias="from", serialization_alias="from")
    to: int
    unit: str
    rounding: str
    years: list[int]
    missing_years: list[int]
    reports: dict[str, int]
    rows: list[BudgetRow]
    totals: dict[str, int | None]


# ---------------------------------------------------------------- plans


PLAN_EXAMPLE: dict[str, Any] = {
    **SCENARIO_EXAMPLE,
    "constraints": {"max_share": "0.40"},
    "projection": {
        "years": 5,
        "contact_growth": "0.30",
        "terms": [{"from": 2027, "until": 2027, "fixed": {"BZK": "500000.00"}}],
    },
    "funding": [
        {"name": "JenV subsidy after the cut", "ministry": "JenV", "amount": "3650000.00"},
        {"name": "BZK incidental", "ministry": "BZK", "amount": "500000.00", "until": 2027},
    ],
}


class PlanCreate(Strict):
    """Allocate every year of a scenario's projection in one act: a stored scenario
    (``scenario_id``) or an inline ``scenario``, exactly one of the two."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            EXCLUSIVE: ["scenario_id", "scenario"],
            "examples": [{"scenario_id": 2}, {"scenario": PLAN_EXAMPLE, "rule": "constrained"}],
        },
    )

    scenario_id: StrictInt | None = Field(default=None, ge=1, le=MAX_ID, examples=[2])
    scenario: dict[str, Any] | None = Field(
        default=None, json_schema_extra={SCENARIO_DOCUMENT: True}
    )
    rule: Rule | None = Field(default=None, description="Overrides the scenario's rule.")
    solver: Solver = Solver.HIGHS


class PlanLine(BaseModel):
    """One ministry in one plan year: what it pays under the rule and, where the scenario
    states today's funding, what it pays today and the change."""

    ministry: str
    total: str | None = Field(examples=["850319.59"])
    today: str | None = None
    change: str | None = None
    change_pct: str | None = None


class PlanYear(BaseModel):
    year: int
    report_id: int
    report_hash: str
    href: str = Field(examples=["/v1/allocations/7"])
    status: str
    total: str = Field(description="What the ministries split.")
    need: str | None = Field(default=None, description="The year's cost before external money.")
    external: str | None = None
    current: str | None = Field(default=None, description="Today's funding streams together.")
    gap: str | None = Field(default=None, description="Need minus today's streams.")
    gap_pct: str | None = None
    lines: list[PlanLine]
    problems: list[str]
    warnings: list[str]
    publication: Publication


class PlanOut(BaseModel):
    """A multi-year plan: one chained report per year, tied by the plan hash."""

    id: int
    plan_hash: str
    rule: str
    first_year: int
    last_year: int
    input_hash: str
    scenario_ref: dict[str, Any] | None
    created_at: str
    created_by: str
    state: str = Field(examples=["unpublished", "published", "partly published", "superseded"])
    weights_source: WeightsSource | None = None
    years: list[PlanYear]
    signed_head: SignedHeadOut | None = Field(
        default=None,
        description="In answers that appended to the signed log: the head covering them.",
    )


class PlanList(BaseModel):
    items: list[PlanOut]
    total: int
    limit: int
    offset: int


# ---------------------------------------------------------------- sweeps


class SweepAxis(Strict):
    """One varied input. ``channel_growth`` and ``rate`` name a ``channel``; ``weight`` and
    ``fixed`` (a fixed contribution in euros) name a ``ministry``."""

    parameter: str = Field(
        pattern="^(channel_growth|rate|weight|fixed)$", examples=["channel_growth"]
    )
    channel: PoolName | None = None
    ministry: MinistryCode | None = None
    values: list[Annotated[str, Field(pattern=r"^-?[0-9]{1,13}(\.[0-9]{1,6})?$")] | StrictInt] = (
        Field(min_length=1, max_length=10, examples=[["0.20", "0.30", "0.40"]])
    )


class SweepCreate(Strict):
    """Vary one or two inputs of a scenario over a grid; every point allocates every year.
    Nothing is stored. At most 10 values an axis and 100 allocations (points × years)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            EXCLUSIVE: ["scenario_id", "scenario"],
            "examples": [
                {
                    "scenario_id": 2,
                    "vary": [
                        {
                            "parameter": "channel_growth",
                            "channel": "hulplijn",
                            "values": ["0.20", "0.30", "0.40"],
                        }
                    ],
                }
            ],
        },
    )

    scenario_id: StrictInt | None = Field(default=None, ge=1, le=MAX_ID, examples=[2])
    scenario: dict[str, Any] | None = Field(
        default=None, json_schema_extra={SCENARIO_DOCUMENT: True}
    )
    rule: Rule | None = None
    solver: Solver = Solver.HIGHS
    vary: list[SweepAxis] = Field(min_length=1, max_length=2)


class SweepYear(BaseModel):
    year: int
    status: str
    total: str
    gap: str | None
    ministries: dict[str, str]
    problems: list[str]


class SweepPoint(BaseModel):
    values: dict[str, str] = Field(examples=[{"channel_growth hulplijn": "0.2"}])
    years: list[SweepYear]


class SweepRange(BaseModel):
    min: str
    max: str


class SweepOut(BaseModel):
    axes: list[dict[str, Any]]
    points: list[SweepPoint]
    ranges: dict[str, dict[str, SweepRange]] = Field(
        description="Per ministry and year, the smallest and largest amount over the grid."
    )
