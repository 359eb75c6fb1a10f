"""Published figures served at the speed of the framework: one query, one thread hand-off.

A finance department's share and the budget table change only when something is published (or
a ministry is renamed). So their answers are prepared once per *generation* — the newest
publication id and the ministries' revisions — and kept in this process. Every request still
runs one query, which reads the presented key's row (revocation takes effect at once) together
with the current generation; when the generation is the one an answer was prepared for, that
answer's bytes are sent as they are. A miss runs the ordinary service code and keeps its answer.
Several worker processes each keep their own answers; the generation keeps them all correct.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text
from sqlmodel import Session

from app.auth import _DUMMY_DIGEST, Principal, Role, Unauthenticated, split_key
from app.db import get_engine
from app.errors import Forbidden

_CHECK = text(
    "SELECT k.prefix, k.secret_sha256, k.role, k.ministry_code, k.revoked_at, "
    "(SELECT max(p.id) FROM publication p) AS publications, "
    "(SELECT count(*) FROM ministry) AS ministries, "
    "(SELECT sum(m.revision) FROM ministry m) AS revisions "
    "FROM api_key k WHERE k.prefix = :prefix"
)
_GENERATION = text(
    "SELECT (SELECT max(p.id) FROM publication p), (SELECT count(*) FROM ministry), "
    "(SELECT sum(m.revision) FROM ministry m)"
)


@dataclass(frozen=True, slots=True)
class Admitted:
    """The caller, and the generation of the published figures at this moment."""

    principal: Principal
    generation: tuple[int, int, int]


def admit(connection: Any, presented: str | None) -> Admitted:
    """Authenticate ``presented`` and read the generation, in one query."""
    parts = split_key(presented or "")
    row = connection.execute(_CHECK, {"prefix": parts[0]}).first() if parts else None
    stored = row.secret_sha256 if row is not None else _DUMMY_DIGEST
    given = hashlib.sha256((parts[1] if parts else "").encode()).hexdigest()
    matches = hmac.compare_digest(stored, given)
    if row is None or not matches or row.revoked_at is not None:
        raise Unauthenticated
    principal = Principal(
        key_prefix=row.prefix, role=Role(row.role), ministry_code=row.ministry_code
    )
    generation = (int(row.publications or 0), int(row.ministries or 0), int(row.revisions or 0))
    return Admitted(principal, generation)


class PreparedAnswers:
    """Answers (JSON bytes) by what they answer and the generation they were prepared for."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._answers: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
        self._lock = threading.Lock()
        _LIVE.add(self)

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()

    def get(self, key: tuple[Any, ...]) -> bytes | None:
        with self._lock:
            found = self._answers.get(key)
            if found is not None:
                self._answers.move_to_end(key)
            return found

    def put(self, key: tuple[Any, ...], answer: bytes) -> None:
        with self._lock:
            self._answers[key] = answer
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)


_LIVE: weakref.WeakSet[PreparedAnswers] = weakref.WeakSet()


def distrust() -> None:
    """Forget every answer this process prepared. Called when a verification or a read finds
    the stored log contradicting what was signed: the answers were vouched for when they were
    prepared, but from then on every read goes through the checks of the ordinary path, which
    refuse (409 log-contradiction) until the log is whole again."""
    for answers in list(_LIVE):
        answers.clear()


@dataclass(frozen=True, slots=True)
class Prepared:
    """The app's prepared answers (``app.state.prepared``): one store per kind of figure."""

    shares: PreparedAnswers
    tables: PreparedAnswers

    @classmethod
    def empty(cls) -> Prepared:
        return cls(PreparedAnswers(), PreparedAnswers())


def encode(document: Any) -> bytes:
    """The JSON bytes of an answer, as FastAPI would send them."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


ConnectionSource = Callable[[], AbstractContextManager[Connection]]


async def connection_source() -> ConnectionSource:
    """Dependency: how the fast path connects (the engine; tests hand in their own
    connection). Async and returning a callable, so it costs no thread hand-off."""
    return get_engine().connect


def admit_with(connect: ConnectionSource, presented: str | None) -> Admitted:
    """Authenticate and read the generation on a connection of its own (runs in a thread)."""
    with connect() as connection:
        return admit(connection, presented)


def prepared_or_fresh(
    answers: PreparedAnswers,
    admitted: Admitted,
    *,
    connect: ConnectionSource,
    key: tuple[Any, ...],
    prepare: Callable[[Session, Principal], bytes],
) -> bytes:
    """Make the answer for ``key`` on a miss (runs in a thread), and keep it when the
    generation did not move meanwhile."""
    with connect() as connection, Session(bind=connection) as session:
        fresh = prepare(session, admitted.principal)
        if _generation(connection) == admitted.generation:
            answers.put((*key, admitted.generation), fresh)
    return fresh


def _generation(connection: Any) -> tuple[int, int, int]:
    row = connection.execute(_GENERATION).one()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


def finance_may_read(code: str) -> Callable[[Principal], None]:
    """A finance key reads its own ministry's share only."""

    def check(principal: Principal) -> None:
        if principal.role is Role.FINANCE and principal.ministry_code != code:
            raise Forbidden(
                f"a finance key of {principal.ministry_code} may read only its own share, "
                f"not {code}'s"
            )

    return check
