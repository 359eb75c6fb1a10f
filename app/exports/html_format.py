"""The printable HTML page of a report: standalone, no scripts, no external resources.

Rendered from the same Jinja2 templates as the pages (``app/templates/exports/report.html``
and the report partials), with its stylesheet inlined so that a downloaded file prints without
the service. Its Content-Security-Policy (:func:`report_html_policy`) allows exactly that one
inline stylesheet, by its SHA-256, and nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from markupsafe import Markup

from app.exports.document import ExportedReport, read_report

PRINT_CSS = Path(__file__).resolve().parents[1] / "static" / "css" / "report-print.css"
_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


@lru_cache(maxsize=1)
def _print_css() -> str:
    return PRINT_CSS.read_text(encoding="utf-8")


def _width(cents: int, largest: int) -> Decimal:
    if largest <= 0 or cents <= 0:
        return Decimal(0)
    return (Decimal(100 * cents) / largest).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def bar_css(view: ExportedReport) -> str:
    """One rule per ministry for its bar (base and variable), scaled to the largest total.
    Widths live in the stylesheet, never in style attributes, so the CSP needs no
    'unsafe-inline'."""
    largest = max((line.total for line in view.lines), default=0)
    rules = []
    for index, line in enumerate(view.lines):
        base, variable = view.base_and_variable(line)
        rules.append(
            f".bar-{index} .bar__base{{width:{_width(base, largest)}%}}"
            f".bar-{index} .bar__variable{{width:{_width(variable, largest)}%}}"
        )
    return "\n".join(rules)


def report_html(report: Mapping[str, Any], *, language: str = "en") -> str:
    """The report as a printable standalone HTML page: no scripts, no external resources.

    Summary, problems and warnings (highlighted), cost pools, the results table with a bar per
    ministry (base vs variable, drawn by the inline stylesheet) and the explanation. Amounts are
    in Dutch notation (``€ 5.000.000,00``). Every string from the report is escaped. An
    infeasible report shows its problems at the top, the pools, and no results or bars.
    ``language`` is ``"en"`` (the API's export) or ``"nl"``.
    """
    from app.web.i18n import language as language_named
    from app.web.templating import environment

    view = read_report(report)
    lang = language_named(language)
    style = _print_css() + "\n" + bar_css(view)
    return (
        environment()
        .get_template("exports/report.html")
        .render(view=view, report=report, lang=lang, _=lang.gettext, style=Markup(style))
    )


def style_hash(page: str) -> str:
    """The CSP source of the page's one inline stylesheet: ``'sha256-…'``."""
    found = _STYLE.search(page)
    content = found.group(1) if found else ""
    digest = hashlib.sha256(content.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def report_html_policy(page: str) -> str:
    """The Content-Security-Policy of a printable report: its own stylesheet and nothing else
    (no script, no connection, no form, no frame)."""
    return (
        f"default-src 'none'; style-src {style_hash(page)}; img-src data:; "
        "form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
    )
