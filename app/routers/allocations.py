"""Allocation runs: immutable, chained reports; exports; verification; publication."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Response, status
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse

from app import exports
from app.auth import Caller, Editor, SolvingCaller, SolvingEditor
from app.concurrency import solve_in_worker, verify_in_worker
from app.ledger.evidence import attach_evidence
from app.log_schemas import InclusionProofOut
from app.routers.common import (
    READ_ERRORS,
    WRITE_ERRORS,
    CsvDialectName,
    DbSession,
    IfMatch,
    Limit,
    Offset,
    ResourceId,
    set_etag,
)
from app.routers.proofs import TreeSize, inclusion_out
from app.schemas import (
    AllocationCreate,
    AllocationList,
    AllocationReportOut,
    PublicationList,
    PublicationOut,
    PublishRequest,
    ReportVerification,
)
from app.services import allocations as service
from app.services import audit, vouched
from app.spec import HEADER_TOKEN

router = APIRouter(tags=["allocations"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def report_document(view: service.ReportView) -> dict[str, object]:
    return {**view.body, "report_hash": view.row.report_hash, "publication": view.publication}


def _out(view: service.ReportView) -> AllocationReportOut:
    document = report_document(view)
    if view.signed_head is not None:
        document["signed_head"] = view.signed_head.to_document()
    return AllocationReportOut.model_validate(document)


@router.get(
    "/v1/allocations",
    summary="List allocation reports",
    response_model=AllocationList,
    responses=READ_ERRORS,
)
def list_allocations(
    session: DbSession,
    caller: Caller,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> AllocationList:
    """Newest first. Finance and reader keys see published (and superseded) reports only."""
    views, total = service.page(session, caller, year=year, limit=limit, offset=offset)
    return AllocationList(items=[_out(v) for v in views], total=total, limit=limit, offset=offset)


@router.post(
    "/v1/allocations",
    summary="Run an allocation and store its report",
    response_model=AllocationReportOut,
    status_code=status.HTTP_201_CREATED,
    responses={
        **WRITE_ERRORS,
        200: {"model": AllocationReportOut, "description": "A replay of an Idempotency-Key."},
    },
)
async def create_allocation(
    body: AllocationCreate,
    session: DbSession,
    editor: SolvingEditor,
    response: Response,
    idempotency_key: Annotated[
        str | None,
        Header(
            max_length=200,
            pattern=HEADER_TOKEN,
            description="Retrying with the same key and body returns the same report.",
        ),
    ] = None,
) -> AllocationReportOut:
    """Runs the engine and appends an immutable report to the chain. An infeasible input is
    stored too, with its problems named in euros (status `infeasible`)."""
    request = service.RunRequest(
        scenario_id=body.scenario_id,
        scenario=body.scenario,
        rule=body.rule.value if body.rule else None,
        solver=body.solver.value,
        year=body.year,
    )
    view, created = await solve_in_worker(
        service.run, session, editor, request, idempotency_key=idempotency_key
    )
    response.headers["Location"] = f"/v1/allocations/{view.row.id}"
    if not created:
        response.status_code = status.HTTP_200_OK
    return _out(view)


@router.get(
    "/v1/allocations/{report_id}",
    summary="Get one allocation report",
    response_model=AllocationReportOut,
    responses=READ_ERRORS,
)
def get_allocation(
    report_id: ResourceId, session: DbSession, caller: Caller, response: Response
) -> AllocationReportOut:
    """The ETag names the publication state of the report's year; publishing needs it."""
    view = service.get(session, caller, report_id)
    set_etag(response, service.publication_revision(session, view.row.year))
    return _out(view)


@router.get(
    "/v1/allocations/{report_id}/export",
    summary="Export a report as JSON, CSV, XLSX or printable HTML",
    response_class=Response,
    responses={
        **READ_ERRORS,
        409: WRITE_ERRORS[409],
        200: {
            "description": "The report in the asked format.",
            "content": {
                "application/json": {},
                "text/csv": {},
                XLSX: {},
                "text/html": {},
            },
        },
    },
)
def export_allocation(
    report_id: ResourceId,
    session: DbSession,
    caller: Caller,
    format: Annotated[Literal["json", "csv", "xlsx", "html"], Query()] = "json",
    dialect: CsvDialectName = "rfc4180",
) -> Response:
    """JSON: the report with its evidence (entry signature, inclusion proof, signed head and,
    once published, its signed publication), which `costshare verify` checks offline. CSV: one
    row per ministry and pool plus a totals row; XLSX: inputs, results and explanation sheets
    with euro formats; HTML: a printable page with a chart per ministry. A report that is not
    as it was signed is not exported (409)."""
    view = service.get(session, caller, report_id)
    vouched.check_report(session, view.row, view.body)
    document = report_document(view)
    filename = f"costshare-report-{report_id}"
    disposition = {"Content-Disposition": f'attachment; filename="{filename}.{format}"'}
    if format == "csv":
        text = exports.report_csv(document, dialect=exports.DIALECTS[dialect])
        return PlainTextResponse(text, media_type="text/csv", headers=disposition)
    if format == "xlsx":
        return Response(exports.report_xlsx(document), media_type=XLSX, headers=disposition)
    if format == "html":
        page = exports.report_html(document)
        # The page's one inline stylesheet is allowed by its hash; nothing else is.
        return HTMLResponse(
            page, headers={"Content-Security-Policy": exports.report_html_policy(page)}
        )
    evidence = vouched.evidence(session, view.row)
    return JSONResponse(attach_evidence(document, evidence), headers=disposition)


@router.get(
    "/v1/allocations/{report_id}/verify",
    summary="Recompute a report from its snapshot and check its hashes",
    response_model=ReportVerification,
    responses=READ_ERRORS,
)
async def verify_allocation(
    report_id: ResourceId, session: DbSession, caller: SolvingCaller
) -> ReportVerification:
    """Recomputing runs the engine: it waits in the verifications' own queue (never in front
    of a negotiator's run), within the solve budget; the outcome of re-performing an
    immutable report is remembered by its hash."""
    check = await verify_in_worker(audit.verify_report, session, caller, report_id)
    return ReportVerification(
        id=report_id, valid=check.valid, checks=check.checks, problems=check.problems
    )


@router.post(
    "/v1/allocations/{report_id}/publish",
    summary="Publish a report as the official one for its year",
    response_model=AllocationReportOut,
    responses=WRITE_ERRORS,
)
def publish_allocation(
    report_id: ResourceId,
    session: DbSession,
    editor: Editor,
    response: Response,
    if_match: IfMatch = None,
    body: PublishRequest | None = None,
) -> AllocationReportOut:
    """The report published before it for the same year becomes superseded; both stay.
    Send If-Match with the ETag of your last GET of the report. A report whose weights are
    not an adopted weight set is refused (409) unless the body acknowledges it."""
    view = service.publish(
        session,
        editor,
        report_id,
        if_match=if_match,
        acknowledge_unadopted_weights=bool(body and body.acknowledge_unadopted_weights),
    )
    set_etag(response, service.publication_revision(session, view.row.year))
    return _out(view)


@router.get(
    "/v1/publications",
    summary="Publication history",
    response_model=PublicationList,
    responses=READ_ERRORS,
)
def list_publications(
    session: DbSession,
    _caller: Caller,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> PublicationList:
    """In the order they happened. Only publications the signed log vouches for are listed
    (and count anywhere); verification names any other row."""
    rows = vouched.publications(session, years=None if year is None else [year])
    return PublicationList(
        items=[
            PublicationOut.model_validate(
                {**r.publication.model_dump(), "leaf_index": r.leaf_index}
            )
            for r in rows
        ]
    )


@router.get(
    "/v1/allocations/{report_id}/proof",
    summary="The report's signed log entry and its inclusion proof",
    response_model=InclusionProofOut,
    tags=["audit"],
    responses={**READ_ERRORS, 409: WRITE_ERRORS[409]},
)
def report_proof(
    report_id: ResourceId, session: DbSession, caller: Caller, tree_size: TreeSize = None
) -> InclusionProofOut:
    """Under the newest signed head, or the log's first `tree_size` entries (a head you kept).
    409 when the log has fewer signed entries than asked."""
    service.get(session, caller, report_id)
    return inclusion_out(vouched.report_inclusion(session, report_id, tree_size=tree_size))


@router.get(
    "/v1/publications/{publication_id}/proof",
    summary="A publication's signed log entry and its inclusion proof",
    response_model=InclusionProofOut,
    tags=["audit"],
    responses={**READ_ERRORS, 409: WRITE_ERRORS[409]},
)
def publication_proof(
    publication_id: ResourceId, session: DbSession, _caller: Caller, tree_size: TreeSize = None
) -> InclusionProofOut:
    """Under the newest signed head, or the log's first `tree_size` entries. A publication row
    without a signed entry gets 409: it does not count."""
    return inclusion_out(
        vouched.publication_inclusion(session, publication_id, tree_size=tree_size)
    )
