"""Plain-language sentences about a ministry's line of a report, built from the report's
structured fields (lines, target, deviation, binding, leximin levels, weights_source), never by
translating the engine's English sentences, which the pages show as the technical explanation.

Every function takes the language's gettext as ``_`` so the sentences come out in Dutch or
English from the same code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from app.web.formatting import cents, euro, percent, share

Gettext = Callable[[str], str]
BASE_POOL = "base"


def rule_label(_: Gettext, rule: str) -> str:
    labels = {
        "proportional": _("proportional"),
        "equal": _("equal"),
        "constrained": _("constrained"),
        "status_quo": _("pays today"),
    }
    return labels.get(rule, rule)


def check_labels(_: Gettext) -> dict[str, str]:
    """The checks of a report's verification (``app.services.audit.REPORT_CHECKS``) in words."""
    return {
        "report_hash": _("The report's hash matches its contents"),
        "prev_hash": _("Linked to the report before it"),
        "entry_signature": _("Signed with the service's key"),
        "inclusion": _("Included in the signed log"),
        "publications": _("Its publications are entries of the log"),
        "weight_set_history": _("Its weights are those the weight set's history records"),
        "scenario_weights": _("The scenario's weights are the weight set's"),
        "input_hash": _("Its inputs hash as stated"),
        "result": _("Recomputed, it gives the same figures"),
    }


def rule_sentence(_: Gettext, rule: str) -> str:
    sentences = {
        "proportional": _(
            "The split follows the proportional rule: every ministry pays exactly what its "
            "mandate weights say (its target)."
        ),
        "equal": _("The split follows the equal rule: every ministry pays the same amount."),
        "constrained": _(
            "The split follows the constrained rule: it keeps to the mandate weights as "
            "closely as the agreed bounds (floors, ceilings, fixed amounts and the maximum "
            "share) allow, the largest relative deviation first (leximin)."
        ),
    }
    return sentences.get(rule, rule)


def status_label(_: Gettext, status: str | None) -> str:
    labels = {"adopted": _("adopted"), "draft": _("draft"), "retired": _("retired")}
    return labels.get(status or "", status or "")


def publication_label(_: Gettext, state: str | None) -> str:
    labels = {
        "published": _("published"),
        "superseded": _("superseded"),
        "unpublished": _("not published"),
    }
    return labels.get(state or "", state or "")


def weights_sentence(_: Gettext, source: Mapping[str, Any] | None) -> tuple[str, bool]:
    """What the weights rest on, and whether that deserves a warning."""
    if not source:
        return _("The report does not say where its weights come from."), True
    if source.get("kind") != "weight_set":
        return (
            _(
                "The weights were entered with the calculation itself; no adopted weight set "
                "stands behind them."
            ),
            True,
        )
    values = {
        "name": source.get("name", ""),
        "version": source.get("version", ""),
        "status": status_label(_, str(source.get("status", ""))),
    }
    if source.get("adopted"):
        return _("The weights are the adopted weight set '%(name)s', version %(version)s.") % (
            values
        ), False
    return (
        _(
            "The weights come from weight set '%(name)s', version %(version)s, which is "
            "%(status)s: not adopted."
        )
        % values,
        True,
    )


def _bounds(body: Mapping[str, Any]) -> Mapping[str, Any]:
    found = body.get("input", {}).get("constraints") or body.get("snapshot", {}).get(
        "scenario", {}
    ).get("constraints")
    return dict(found or {})


def bound_sentences(
    _: Gettext, *, code: str, binding: list[str], body: Mapping[str, Any]
) -> list[str]:
    """One sentence per bound that holds this ministry's amount where it is."""
    bounds = _bounds(body)
    found = []
    for family in binding:
        if family == "max_share":
            max_share = bounds.get("max_share")
            cap = ""
            if max_share is not None:
                cap_cents = int(Decimal(str(max_share)) * cents(body["total"]))
                cap = euro(cap_cents)
            found.append(
                _(
                    "The maximum share binds: no ministry pays more than %(share)s of the "
                    "total (%(cap)s), so %(code)s pays no more than that."
                )
                % {"share": share(max_share), "cap": cap, "code": code}
            )
        elif family == "floor":
            found.append(
                _("Its floor binds: %(code)s pays at least %(amount)s.")
                % {"code": code, "amount": euro(bounds.get("floors", {}).get(code))}
            )
        elif family == "ceiling":
            found.append(
                _("Its ceiling binds: %(code)s pays at most %(amount)s.")
                % {"code": code, "amount": euro(bounds.get("ceilings", {}).get(code))}
            )
        elif family == "fixed":
            found.append(
                _("Its amount is fixed at %(amount)s.")
                % {"amount": euro(bounds.get("fixed", {}).get(code))}
            )
    return found


def share_sentences(
    _: Gettext, *, line: Mapping[str, Any], body: Mapping[str, Any], name: str
) -> list[str]:
    """The explanation of one ministry's amount in a report, sentence by sentence."""
    code = str(line["ministry"])
    sentences = [
        _("For %(year)s, %(name)s pays %(total)s: %(share)s of the total of %(all)s.")
        % {
            "year": body["year"],
            "name": name or code,
            "total": euro(line["total"]),
            "share": share(line.get("share")),
            "all": euro(body["total"]),
        }
    ]
    pools = dict(line.get("pools", {}))
    base = pools.pop(BASE_POOL, None)
    if pools:
        variable = sum(cents(v) for v in pools.values())
        channels = ", ".join(f"{pool} {euro(amount)}" for pool, amount in sorted(pools.items()))
        sentences.append(
            _(
                "Of that, %(base)s is its part of the base amount and %(variable)s its part of "
                "the variable component paid per contact (%(channels)s)."
            )
            % {"base": euro(base or 0), "variable": euro(variable), "channels": channels}
        )
    sentences.append(rule_sentence(_, str(body.get("rule", ""))))
    if line.get("target") is not None:
        sentences.append(
            _("Following the mandate weights exactly, %(code)s would pay %(target)s: its target.")
            % {"code": code, "target": euro(line["target"])}
        )
        deviation = cents(line.get("deviation") or "0")
        values = {
            "amount": euro(abs(deviation)),
            "pct": percent(str(abs(Decimal(str(line.get("deviation_pct") or "0"))))),
        }
        if deviation == 0:
            sentences.append(_("It pays exactly its target."))
        elif deviation > 0:
            sentences.append(_("It pays %(amount)s more than its target (%(pct)s more).") % values)
        else:
            sentences.append(_("It pays %(amount)s less than its target (%(pct)s less).") % values)
        binding = list(line.get("binding", []))
        sentences.extend(bound_sentences(_, code=code, binding=binding, body=body))
        if deviation != 0 and not binding and body.get("rule") == "constrained":
            sentences.append(
                _(
                    "None of its own bounds binds: the difference comes from the bounds of "
                    "other ministries, spread over the others as evenly as possible."
                )
            )
    broken = list(line.get("broken", []))
    if broken:
        sentences.append(
            _("Under this rule, these bounds of %(code)s are not respected: %(bounds)s.")
            % {"code": code, "bounds": ", ".join(broken)}
        )
    sentences.extend(level_sentences(_, code=code, body=body))
    sentences.append(
        _(
            "All amounts are rounded to the cent so that every pool and the total add up "
            "exactly; where a cent had to go to someone, it went to the larger exact remainder."
        )
    )
    return sentences


def level_sentences(_: Gettext, *, code: str, body: Mapping[str, Any]) -> list[str]:
    """Where this ministry stands in the leximin rounds of a constrained split."""
    levels = body.get("leximin", {}).get("levels", []) if body.get("rule") == "constrained" else []
    for number, level in enumerate(levels, start=1):
        if code in level.get("ministries", []):
            return [
                _(
                    "In the leximin split, %(code)s is in round %(round)s of %(rounds)s: a "
                    "relative deviation of %(pct)s, shared with %(others)s."
                )
                % {
                    "code": code,
                    "round": number,
                    "rounds": len(levels),
                    "pct": percent(level.get("deviation_pct")),
                    "others": ", ".join(m for m in level["ministries"] if m != code) or "—",
                }
            ]
    return []


def report_warnings(
    _: Gettext, *, body: Mapping[str, Any], publication: Mapping[str, Any] | None = None
) -> list[str]:
    """Warnings a reader must see, in plain language: unadopted weights, infeasibility, bounds
    not respected."""
    found = []
    text, warn = weights_sentence(_, body.get("weights_source"))
    if warn:
        found.append(text)
    if publication and publication.get("acknowledged_unadopted_weights"):
        found.append(
            _("It was published with the acknowledgement that its weights are not adopted.")
        )
    if body.get("status") == "infeasible":
        found.append(_("No split is possible: the bounds contradict each other (see below)."))
    if any(line.get("broken") for line in body.get("lines", [])):
        found.append(_("Under this rule some bounds are not respected."))
    return found
