"""Reports for people: the list, one report with its verification, downloads straight from
the browser, the publication confirmation, and the auditors' overview.

Every read goes through :mod:`app.services.allocations`, so a finance or reader key sees
published (and superseded) reports only, exactly as in the API. Verification runs through
the verifications' own queue (:func:`app.concurrency.verify_in_worker`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from starlette.responses import PlainTextResponse, Response

from app import exports
from app.concurrency import verify_in_worker
from app.errors import LogContradiction, TooManyRequests
from app.exports.document import read_report
from app.exports.html_format import report_html_policy
from app.ledger.merkle import hash_hex
from app.routers.allocations import XLSX, report_document
from app.routers.common import DbSession
from app.schemas import MAX_ID
from app.services import allocations, audit, signing, vouched
from app.web import explain
from app.web.auth import EditorPage, SignedInPage
from app.web.formatting import cents
from app.web.publishing import publish_confirmed
from app.web.render import Page, render
from app.web.solving import admit

router = APIRouter(include_in_schema=False)
ReportId = Annotated[int, Path(ge=1, le=MAX_ID)]
PAGE_SIZE = 25
Download = Literal["xlsx", "csv", "csv-excel-nl", "html"]


async def verification(page: Page, session: DbSession, report_id: int) -> dict[str, Any] | None:
    """The report's verification, or None when this key may not start one more solve now."""
    assert page.user is not None
    try:
        admit(page)
    except TooManyRequests:
        return None
    check = await verify_in_worker(audit.verify_report, session, page.user.principal, report_id)
    return {"valid": check.valid, "checks": check.checks, "problems": check.problems}


@router.get("/rapporten")
def report_list(
    page: SignedInPage,
    session: DbSession,
    jaar: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    vanaf: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    assert page.user is not None
    views, total = allocations.page(
        session, page.user.principal, year=jaar, limit=PAGE_SIZE, offset=vanaf
    )
    return render(
        page,
        "pages/reports.html",
        {
            "title": page.lang.gettext("Reports"),
            "views": views,
            "total": total,
            "offset": vanaf,
            "size": PAGE_SIZE,
            "year": jaar,
            "publications": list(reversed(allocations.publications(session, year=jaar))),
        },
    )


@router.get("/rapporten/{report_id}")
async def report_page(page: SignedInPage, session: DbSession, report_id: ReportId) -> Response:
    assert page.user is not None
    _ = page.lang.gettext
    view = allocations.get(session, page.user.principal, report_id)
    body = view.body
    return render(
        page,
        "pages/report.html",
        {
            "title": _("Report %(id)s") % {"id": report_id},
            "stored": view,
            "view": read_report(report_document(view)),
            "body": body,
            "report_hash": view.row.report_hash,
            "publication": view.publication,
            "warnings": explain.report_warnings(_, body=body, publication=view.publication),
            "weights_text": explain.weights_sentence(_, body.get("weights_source"))[0],
            "names": {
                code: m.get("name", code)
                for code, m in body.get("snapshot", {}).get("ministries", {}).items()
            },
            "verification": await verification(page, session, report_id),
            "just_published": page.request.query_params.get("gepubliceerd") == "1",
        },
    )


@router.get("/rapporten/{report_id}/download/{kind}")
def download(
    page: SignedInPage, session: DbSession, report_id: ReportId, kind: Download
) -> Response:
    """The exports of the API, authenticated by the session instead of a Bearer key."""
    assert page.user is not None
    document = report_document(allocations.get(session, page.user.principal, report_id))
    name = f"costshare-report-{report_id}"
    if kind == "xlsx":
        return Response(
            exports.report_xlsx(document),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    if kind == "html":
        text = exports.report_html(document, language=page.lang.code)
        return Response(
            text,
            media_type="text/html; charset=utf-8",
            headers={
                "Content-Security-Policy": report_html_policy(text),
                "Content-Disposition": f'inline; filename="{name}.html"',
            },
        )
    dialect = exports.EXCEL_NL if kind == "csv-excel-nl" else exports.RFC4180
    suffix = "-excel-nl" if kind == "csv-excel-nl" else ""
    return PlainTextResponse(
        exports.report_csv(document, dialect=dialect),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}{suffix}.csv"'},
    )


def _confirmation(page: Page, session: DbSession, report_id: int) -> dict[str, Any]:
    """What publishing would change: the report that becomes official, the one superseded,
    the amounts that move, and whether the weights need an acknowledgement."""
    assert page.user is not None
    _ = page.lang.gettext
    view = allocations.get(session, page.user.principal, report_id)
    year = view.row.year
    current = next(iter(reversed(allocations.publications(session, year=year))), None)
    current_view = (
        allocations.get(session, page.user.principal, current.report_id) if current else None
    )
    changes = []
    if current_view is not None:
        before = {ln["ministry"]: ln["total"] for ln in current_view.body.get("lines", [])}
        for line in view.body.get("lines", []):
            old = before.get(line["ministry"])
            diff = None if old is None else cents(line["total"]) - cents(old)
            changes.append(
                {"ministry": line["ministry"], "old": old, "new": line["total"], "diff": diff}
            )
    reason = allocations.unadopted_weights(session, view.body)
    return {
        "title": _("Publish report %(id)s") % {"id": report_id},
        "view": view,
        "year": year,
        "current": current,
        "current_view": current_view,
        "changes": changes,
        "unadopted": reason,
        "weights_text": explain.weights_sentence(_, view.body.get("weights_source"))[0],
        "revision": allocations.publication_revision(session, year),
        "errors": {},
        "field_ids": {"acknowledge": "acknowledge"},
        "acknowledged": False,
    }


@router.get("/rapporten/{report_id}/publiceren")
def publish_form(page: EditorPage, session: DbSession, report_id: ReportId) -> Response:
    return render(page, "pages/publish.html", _confirmation(page, session, report_id))


@router.post("/rapporten/{report_id}/publiceren")
async def publish(page: EditorPage, session: DbSession, report_id: ReportId) -> Response:
    assert page.user is not None
    principal, _ = page.user.principal, page.lang.gettext
    return await publish_confirmed(
        page,
        publish=lambda if_match, acknowledged: allocations.publish(
            session,
            principal,
            report_id,
            if_match=if_match,
            acknowledge_unadopted_weights=acknowledged,
        ),
        confirmation=lambda: _confirmation(page, session, report_id),
        template="pages/publish.html",
        stale=lambda context: (
            _(
                "In the meantime another report was published for %(year)s. Check what "
                "publishing changes now, then confirm again."
            )
            % {"year": context["year"]}
        ),
        needs_box=lambda _context: True,
        published=f"/rapporten/{report_id}?gepubliceerd=1",
    )


@router.get("/controle")
async def audit_page(page: SignedInPage, session: DbSession) -> Response:
    """Published reports with their verification; the whole chain's state for editors only,
    as in the API (``GET /v1/audit/verify``)."""
    assert page.user is not None
    principal = page.user.principal
    publications = list(reversed(allocations.publications(session, year=None)))
    checked: dict[int, Any] = {}
    rows = []
    for publication in publications[:PAGE_SIZE]:
        report_id = publication.report_id
        if report_id not in checked:
            view = allocations.get(session, principal, report_id)
            checked[report_id] = {
                "view": view,
                "verification": await verification(page, session, report_id),
            }
        rows.append({"publication": publication, **checked[report_id]})
    chain = None
    if page.is_editor:
        admit(page)
        result = await verify_in_worker(audit.verify_chain, session)
        chain = {
            "valid": result.valid,
            "length": result.length,
            "checked": result.checked,
            "head_hash": result.head_hash,
            "first_broken": result.first_broken,
        }
    return render(
        page,
        "pages/audit.html",
        {
            "title": page.lang.gettext("Audit"),
            "rows": rows,
            "chain": chain,
            "head": signed_head(session),
            "keys": signing.public_keys().to_document().get("keys", []),
        },
    )


def signed_head(session: DbSession) -> dict[str, Any]:
    """The log's newest signed head as the page shows it, or why it cannot be vouched for."""
    try:
        head = vouched.newest_head(session)
    except LogContradiction as exc:
        return {"refused": exc.detail}
    return {
        "tree_size": head.tree_size,
        "root_hash": hash_hex(head.root_hash),
        "timestamp": head.timestamp,
        "key_id": head.key_id,
    }
