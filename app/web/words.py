"""The worked example of the explanation page: the default 2027 scenario (the data that
``costshare seed`` loads), computed by the engine when the page is first shown, and the same
scenario with unequal weights and a tighter cap, so that a bound binds and leximin shows.

Nothing is read from the database: the page is public and shows no negotiator's draft.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import allocation
from app.concurrency import solve_in_worker
from app.exports.document import cents_of
from app.seed import default_data

VARIANT_WEIGHTS = {"JenV": "3", "BZK": "2", "EZ": "1.5", "VWS": "1.5", "BZ": "1", "OCW": "1"}
VARIANT_MAX_SHARE = "0.25"


@dataclass(frozen=True, slots=True)
class Channel:
    name: str
    rate: str
    contacts: int
    reference: int
    amount: str


@dataclass(frozen=True, slots=True)
class Example:
    """Both runs of the example with the inputs the page explains."""

    year: int
    base: str
    channels: tuple[Channel, ...]
    weights: dict[str, str]
    max_share: str
    cap: str
    report: dict[str, Any]
    variant_weights: dict[str, str]
    variant_max_share: str
    variant_cap: str
    variant: dict[str, Any]
    names: dict[str, str]

    def line(self, report: dict[str, Any], code: str) -> dict[str, Any]:
        return next(ln for ln in report["lines"] if ln["ministry"] == code)


def _cap(max_share: str, total: str) -> str:
    cents = Decimal(max_share) * cents_of(total, field="total")
    whole = int(cents)
    return f"{whole // 100}.{whole % 100:02d}"


def compute() -> Example:
    """Run the engine on the default scenario and on its variant (pure, deterministic)."""
    data = default_data()
    document = dict(data["scenario"]["document"])
    weights = dict(data["weight_set"]["weights"])
    plain = allocation.allocate(allocation.parse_scenario({**document, "weights": weights}))
    report: dict[str, Any] = dict(plain.to_dict())
    variant_doc = {
        **document,
        "weights": VARIANT_WEIGHTS,
        "constraints": {"max_share": VARIANT_MAX_SHARE},
    }
    variant: dict[str, Any] = dict(
        allocation.allocate(allocation.parse_scenario(variant_doc)).to_dict()
    )
    channels = tuple(
        Channel(
            name=c["channel"],
            rate=c["rate_per_contact"],
            contacts=int(c["contacts"]),
            reference=int(c.get("reference_contacts", 0)),
            amount=str(report["pools"][c["channel"]]),
        )
        for c in document.get("variable", [])
    )
    max_share = str(document.get("constraints", {}).get("max_share", "1"))
    return Example(
        year=int(report["year"]),
        base=str(report["pools"]["base"]),
        channels=channels,
        weights=weights,
        max_share=max_share,
        cap=_cap(max_share, str(report["total"])),
        report=report,
        variant_weights=VARIANT_WEIGHTS,
        variant_max_share=VARIANT_MAX_SHARE,
        variant_cap=_cap(VARIANT_MAX_SHARE, str(variant["total"])),
        variant=variant,
        names={m["code"]: m["name"] for m in data["ministries"]},
    )


_computed: list[Example] = []
_lock = threading.Lock()


def _once() -> Example:
    with _lock:
        if not _computed:
            _computed.append(compute())
        return _computed[0]


async def worked_example() -> Example:
    """The example, solved once per process in the engine's own queue."""
    if _computed:
        return _computed[0]
    return await solve_in_worker(_once)
