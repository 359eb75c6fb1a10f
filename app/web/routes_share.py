"""A ministry's share for a year ("Ons aandeel"), explained in plain language, with downloads.

A finance key sees only its own ministry: asking for another gets the same refusal as the API
(:func:`app.services.figures.share`), as a page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from app.auth import Role
from app.errors import NotFound
from app.fields import MINISTRY_CODE_PATTERN
from app.routers.common import DbSession
from app.services import allocations, figures, ministries
from app.web import explain
from app.web.auth import SignedInPage
from app.web.render import render

router = APIRouter(include_in_schema=False)


def published_years(session: DbSession) -> list[int]:
    return sorted({p.year for p in allocations.publications(session, year=None)}, reverse=True)


@router.get("/aandeel")
def share_page(
    page: SignedInPage,
    session: DbSession,
    jaar: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    ministerie: Annotated[str | None, Query(max_length=16, pattern=MINISTRY_CODE_PATTERN)] = None,
) -> Response:
    assert page.user is not None
    _ = page.lang.gettext
    principal = page.user.principal
    own = principal.ministry_code if principal.role is Role.FINANCE else None
    code = ministerie or own
    years = published_years(session)
    year = jaar if jaar is not None else (years[0] if years else None)
    choices = [m.code for m in ministries.listing(session, active=None)] if own is None else [own]
    context: dict[str, object] = {
        "title": _("Our share") if own else _("Shares"),
        "years": years,
        "year": year,
        "code": code,
        "choices": choices,
        "own": own,
        "share": None,
        "sentences": [],
        "warnings": [],
        "report": None,
    }
    if code is None or year is None:
        return render(page, "pages/share.html", context)
    ministries.get(session, code)
    try:
        found = figures.share(session, principal, code, year)
    except NotFound:
        context["missing"] = True
        return render(page, "pages/share.html", context, status_code=404)
    by_year = []
    for other in sorted(years):
        try:
            each = found if other == year else figures.share(session, principal, code, other)
        except NotFound:
            continue
        by_year.append({"year": other, "total": each["total"], "report": each["report"]["id"]})
    context["by_year"] = by_year
    view = allocations.get(session, principal, int(found["report"]["id"]))
    body = view.body
    line = next(ln for ln in body["lines"] if ln["ministry"] == code)
    context.update(
        share=found,
        sentences=explain.share_sentences(_, line=line, body=body, name=found["name"]),
        warnings=explain.report_warnings(_, body=body, publication=found["publication"]),
        report=body,
        line=line,
        technical=[s for s in body.get("explanation", []) if s.startswith(f"{code}:")]
        + body.get("warnings", []),
        explanation_all=body.get("explanation", []),
    )
    return render(page, "pages/share.html", context)
