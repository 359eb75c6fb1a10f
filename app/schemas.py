"""Request and response bodies of the API. Money and weights are decimal strings on the wire."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.fields import Chapter, LongText, MinistryCode, PoolName, ShortText, Weight


class Strict(BaseModel):
    """Request bodies refuse unknown fields, so a typo or a forbidden field is never ignored."""

    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- ministries


class MinistryCreate(Strict):
    code: MinistryCode
    name: ShortText = Field(examples=["Sociale Zaken en Werkgelegenheid"])
    chapter: Chapter = Field(examples=["XV"])
    mandate: LongText = ""
    active: bool = True


class MinistryUpdate(Strict):
    name: ShortText | None = None
    chapter: Chapter | None = None
    mandate: LongText | None = None
    active: bool | None = None


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

    name: ShortText = Field(examples=["Mandaatverdeling 2027"])
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
