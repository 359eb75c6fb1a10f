"""The signed log for outsiders: its public keys, its newest signed head, consistency proofs,
and the verification of the whole log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.auth import Caller, SolvingEditor
from app.concurrency import verify_in_worker
from app.ledger.merkle import hash_hex
from app.log_schemas import (
    ConsistencyProofOut,
    FindingOut,
    LogVerification,
    PublicKeysOut,
    SignedHeadOut,
)
from app.problems import PROBLEM_JSON, Problem
from app.routers.common import READ_ERRORS, WRITE_ERRORS, DbSession
from app.routers.proofs import head_out
from app.schemas import MAX_ID
from app.services import audit, signing, vouched

router = APIRouter(tags=["audit"])
UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {
        "model": Problem,
        "description": "The signing keyring is missing or unusable.",
        "content": {PROBLEM_JSON: {}},
    }
}


@router.get(
    "/v1/audit/keys",
    summary="The public keys that sign the log (no API key needed)",
    response_model=PublicKeysOut,
    responses=UNAVAILABLE,
)
def signing_keys() -> PublicKeysOut:
    """The public keys document (`costshare signing-keys export`): every key that signed the
    log, active or retired, with its id and its life. Published without an API key, so anyone
    can check a report's signatures with `costshare verify --keys`."""
    return PublicKeysOut.model_validate(signing.public_keys().to_document())


@router.get(
    "/v1/audit/head",
    summary="The log's newest signed tree head",
    response_model=SignedHeadOut,
    responses={**READ_ERRORS, 409: WRITE_ERRORS[409], **UNAVAILABLE},
)
def signed_head(session: DbSession, _caller: Caller) -> SignedHeadOut:
    """Checked before it is served: its signature verifies and the stored log has its root.
    Keep the heads you are given; a later head must be consistent with each of them."""
    head = head_out(vouched.newest_head(session))
    assert head is not None
    return head


@router.get(
    "/v1/audit/consistency",
    summary="A consistency proof between two sizes of the log",
    response_model=ConsistencyProofOut,
    responses={**READ_ERRORS, 409: WRITE_ERRORS[409], **UNAVAILABLE},
)
def consistency_proof(
    session: DbSession,
    _caller: Caller,
    first: Annotated[
        int, Query(ge=0, le=MAX_ID, description="The size of the older head (one you kept).")
    ],
    second: Annotated[
        int | None,
        Query(ge=1, le=MAX_ID, description="The newer size; the newest signed head if omitted."),
    ] = None,
) -> ConsistencyProofOut:
    """RFC 6962 §2.1.2: verify it with the roots of the two heads (RFC 9162 §2.1.4.2). 409
    when the log has fewer entries than asked: it is not the continuation of such a head."""
    proof = vouched.consistency(session, first=first, second=second)
    return ConsistencyProofOut(
        first=proof.first,
        second=proof.second,
        consistency_proof=[hash_hex(h) for h in proof.path],
        first_head=head_out(proof.first_head),
        second_head=head_out(proof.second_head),
    )


@router.get(
    "/v1/audit/verify",
    summary="Verify the signed log: signatures, Merkle root, checkpoints, and every report "
    "re-performed",
    response_model=LogVerification,
    responses={**READ_ERRORS, **UNAVAILABLE},
)
async def verify_log(
    session: DbSession,
    _editor: SolvingEditor,
    start: Annotated[int, Query(ge=0, le=MAX_ID, description="First entry of the page.")] = 0,
    limit: Annotated[
        int, Query(ge=1, le=audit.MAX_PAGE, description="Entries per page (at most 1000).")
    ] = audit.DEFAULT_PAGE,
) -> LogVerification:
    """The log as a whole on every page (root against the newest signed head, the checkpoint
    file, publication and report rows without a signed entry), and the page's entries one by
    one: signature, leaf hash, order, the stored report or publication against its entry, each
    report's input against the weight-set history, and each report re-performed by the engine.
    A page stops early, with `next_start`, when it has used the solve budget; it waits in the
    verifications' own queue."""
    check = await verify_in_worker(audit.verify_log, session, start=start, limit=limit)
    return LogVerification(
        valid=check.valid,
        complete=check.next_start is None,
        start=check.start,
        limit=check.limit,
        checked=check.checked,
        next_start=check.next_start,
        tree_size=check.tree_size,
        reports=check.reports,
        publications=check.publications,
        checkpoints=check.checkpoints,
        signed_head=head_out(check.signed_head),
        findings=[FindingOut.model_validate(f, from_attributes=True) for f in check.findings],
        more_findings=check.more_findings,
    )
