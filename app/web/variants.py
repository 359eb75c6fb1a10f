"""Named variants of the negotiators' form, compared side by side under one rule.

A negotiator fills the form, names it ("BZK stops after 2027", "cap 35%") and adds it to the
list; the next edit becomes the next variant. Nothing is stored: the variants travel in the
page's own form as hidden fields (the form's text, as typed) and are read again, with the same
checks as the form itself, on every submit. The comparison is
:func:`app.services.figures.compare_variants`, the same as ``POST /v1/comparisons`` with
``variants``, for the year the form shows.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from app.errors import InvalidInput
from app.models import Scenario
from app.services import allocations
from app.web import scenario_form
from app.web.forms import Form
from app.web.scenario_form import Gettext, Inputs

MAX_VARIANTS = 5
MAX_NAME = 120


@dataclass(frozen=True, slots=True)
class Variant:
    """One named state of the form: its fields as typed, without the year."""

    name: str
    values: dict[str, str]


def carried(form: Form, inputs: Inputs) -> list[Variant]:
    """The variants a submitted form carries, in their order."""
    names = scenario_form.field_names(inputs)[1:]
    found = []
    for index in range(MAX_VARIANTS):
        name = form.get(f"variant-{index}-name")
        if name:
            values = {n: form.get(f"variant-{index}-{n}") for n in names}
            found.append(Variant(name, values))
    return found


def hidden(variants: list[Variant]) -> list[tuple[str, str]]:
    """The hidden fields that carry ``variants`` to the next submit."""
    fields = []
    for index, variant in enumerate(variants):
        fields.append((f"variant-{index}-name", variant.name))
        fields.extend((f"variant-{index}-{n}", v) for n, v in variant.values.items())
    return fields


def from_form(name: str, inputs: Inputs) -> Variant:
    """The form as the user filled it, as a variant named ``name``."""
    return Variant(name, {n: v for n, v in inputs.values.items() if n != "year"})


def refusal(_: Gettext, name: str, variants: list[Variant]) -> str | None:
    """Why ``name`` cannot be added to ``variants``, or None when it can."""
    if not name:
        return _("Give the variant a name, for example 'Cap at 35%'")
    if len(name) > MAX_NAME:
        return _("The name may have at most %(count)s characters") % {"count": MAX_NAME}
    if name.casefold() in {v.name.casefold() for v in variants} | {"status_quo"}:
        return _("There is already a variant named '%(name)s'; choose another name") % {
            "name": name
        }
    if len(variants) >= MAX_VARIANTS:
        return _("At most %(count)s variants can be compared; remove one first") % {
            "count": MAX_VARIANTS
        }
    return None


def requests(
    _: Gettext, variants: list[Variant], inputs: Inputs, stored: Scenario, *, year: int
) -> list[tuple[str, allocations.RunRequest]]:
    """Each variant as a run of the scenario for ``year``, read with the form's own checks
    (their names too: the page carries them, so they come back as the browser sent them)."""
    found = []
    for index, variant in enumerate(variants):
        reason = refusal(_, variant.name, variants[:index])
        if reason is not None:
            raise InvalidInput("variants", reason)
        form = Form({**variant.values, "year": str(year)})
        own = dataclasses.replace(inputs, values={})
        parsed = scenario_form.parse(_, form, own, stored)
        if parsed.errors or parsed.document is None:
            first = next(iter(parsed.errors.values()), "")
            raise InvalidInput(
                "variants",
                _("Variant '%(name)s' cannot be read: %(reason)s")
                % {"name": variant.name, "reason": first},
            )
        found.append((variant.name, scenario_form.run_request(parsed, stored, rule=None)))
    return found


def refused(_: Gettext, exc: InvalidInput, variants: list[Variant]) -> str:
    """A refusal of the comparison, naming the variant it concerns."""
    match = re.fullmatch(r"variants\[(\d+)\]\..*", exc.field)
    if match and int(match[1]) < len(variants):
        return _("Variant '%(name)s': %(reason)s") % {
            "name": variants[int(match[1])].name,
            "reason": exc.message,
        }
    return exc.message
