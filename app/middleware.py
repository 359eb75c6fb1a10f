"""ASGI middleware: request ids with structured access logs, and a guard on request bodies.

The body guard refuses, before any handler runs, what JSON parsers would otherwise accept
silently: bodies over the size limit (413), duplicate keys, NaN/Infinity and integers too long
to be a figure (422, naming the field).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from app.problems import PROBLEM_JSON, FieldError, Problem

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

REQUEST_ID_HEADER = "x-request-id"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
MAX_INTEGER_DIGITS = 20
access_log = logging.getLogger("costshare.access")


class JsonFormatter(logging.Formatter):
    """One JSON object per line; extra fields given as ``extra={"fields": {...}}``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("costshare")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class RequestContext:
    """Gives every request an id (kept from ``X-Request-ID`` when sane), returns it in the
    response header and logs one line per request: method, path, status, duration. Never the
    key, never the body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        offered = _header(scope, REQUEST_ID_HEADER.encode())
        request_id = offered if offered and _REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append(
                    (REQUEST_ID_HEADER.encode(), request_id.encode())
                )
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access_log.info(
                "request",
                extra={
                    "fields": {
                        "request_id": request_id,
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "ms": round((time.perf_counter() - started) * 1000, 2),
                    }
                },
            )


class BodyRefused(Exception):
    def __init__(self, status: int, field: str, message: str) -> None:
        super().__init__(message)
        self.status, self.field, self.message = status, field, message


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise BodyRefused(422, key, f"duplicate key '{key}' in the JSON object")
        seen[key] = value
    return seen


def _no_constant(name: str) -> None:
    raise BodyRefused(422, "body", f"{name} is not a number in JSON; send a finite decimal")


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise BodyRefused(
            422, "body", f"an integer of {len(text)} digits is too large to be a figure"
        )
    return int(text)


def check_json(raw: bytes) -> None:
    """Refuse duplicate keys, NaN/Infinity and huge integers; malformed JSON is left to the
    app's own parser, which names the position."""
    try:
        json.loads(
            raw,
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constant,
            parse_int=_bounded_int,
        )
    except (ValueError, RecursionError):
        return


class BodyGuard:
    """Refuses bodies over ``max_bytes`` (413) and JSON that parsers would accept silently."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in {"GET", "HEAD", "OPTIONS"}:
            await self.app(scope, receive, send)
            return
        try:
            body = await self._read(scope, receive)
            if "json" in (_header(scope, b"content-type") or ""):
                check_json(body)
        except BodyRefused as refused:
            await self._refuse(scope, send, refused)
            return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _read(self, scope: Scope, receive: Receive) -> bytes:
        declared = _header(scope, b"content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise BodyRefused(413, "body", self._too_large(int(declared)))
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                raise BodyRefused(413, "body", self._too_large(size))
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    def _too_large(self, size: int) -> str:
        return f"the body is larger than {self.max_bytes} bytes (at least {size})"

    async def _refuse(self, scope: Scope, send: Send, refused: BodyRefused) -> None:
        phrase = "Content Too Large" if refused.status == 413 else "Unprocessable Content"
        slug = "body-too-large" if refused.status == 413 else "invalid-input"
        problem = Problem(
            type=f"/problems/{slug}",
            title=phrase,
            status=refused.status,
            detail=f"{refused.field}: {refused.message}",
            instance=scope["path"],
            errors=[FieldError(field=refused.field, message=refused.message)],
            request_id=scope.get("state", {}).get("request_id"),
        )
        payload = json.dumps(problem.model_dump(exclude_none=True), ensure_ascii=False).encode()
        await send(
            {
                "type": "http.response.start",
                "status": refused.status,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})
