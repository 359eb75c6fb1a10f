"""Pieces the routers of the signed log share: the size parameter and the proof documents."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from app.ledger.heads import SignedTreeHead
from app.ledger.merkle import hash_hex
from app.log_schemas import InclusionProofOut, SignatureOut, SignedHeadOut
from app.schemas import MAX_ID
from app.services.vouched import InclusionProof

TreeSize = Annotated[
    int | None,
    Query(
        ge=1,
        le=MAX_ID,
        description="Prove against the log's first `tree_size` entries (the size of a head you "
        "kept) instead of the newest signed head.",
    ),
]


def head_out(head: SignedTreeHead | None) -> SignedHeadOut | None:
    return None if head is None else SignedHeadOut.model_validate(head.to_document())


def inclusion_out(proof: InclusionProof) -> InclusionProofOut:
    return InclusionProofOut(
        leaf_index=proof.leaf_index,
        entry=proof.entry,
        leaf_hash=hash_hex(proof.leaf_hash),
        entry_signature=SignatureOut.model_validate(proof.signature.to_document()),
        tree_size=proof.tree_size,
        inclusion_proof=[hash_hex(h) for h in proof.path],
        signed_head=head_out(proof.signed_head),
    )
