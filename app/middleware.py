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
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from app.problems import PROBLEM_JSON, FieldError, Problem
from app.text import forbidden_character

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

REQUEST_ID_HEADER = "x-request-id"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
MAX_INTEGER_DIGITS = 20
access_log = logging.getLogger("costshare.access")


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


HTML_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
"""The Content-Security-Policy of every HTML page: nothing from outside the service."""


class SecurityHeaders:
    """Headers every answer carries: ``nosniff`` and a referrer policy; a Content-Security-
    Policy on HTML; ``Cache-Control: no-store`` on whatever a key or a session was needed
    for, so no proxy or shared browser cache keeps a ministry's figures."""

    def __init__(self, app: ASGIApp, *, html_policy: str = HTML_POLICY) -> None:
        self.app = app
        self.html_policy = html_policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        credentialed = any(
            name in (b"authorization", b"x-api-key", b"cookie")
            for name, _ in scope.get("headers", [])
        )

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                present = {name.lower() for name, _ in headers}
                extra = [(b"x-content-type-options", b"nosniff")]
                extra.append((b"referrer-policy", b"no-referrer"))
                content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                if content_type.lower().startswith(b"text/html"):
                    extra.append((b"content-security-policy", self.html_policy.encode()))
                if credentialed or message["status"] in (401, 403):
                    extra.append((b"cache-control", b"no-store"))
                headers.extend((n, v) for n, v in extra if n not in present)
            await send(message)

        await self.app(scope, receive, send_with_headers)


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


def _check_strings(value: Any, path: str) -> None:
    """Refuse control characters and bidi overrides in every key and string of a JSON value;
    tab and newline pass here (free text), names refuse them in their own schema."""
    if isinstance(value, str):
        problem = forbidden_character(value, free_text=True)
        if problem:
            raise BodyRefused(422, path or "body", problem)
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            problem = forbidden_character(key)
            if problem:
                raise BodyRefused(422, path or "body", f"a key {problem}")
            _check_strings(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_strings(item, f"{path}[{index}]")


def check_json(raw: bytes) -> None:
    """Refuse duplicate keys, NaN/Infinity, huge integers and forbidden characters; malformed
    JSON is left to the app's own parser, which names the position."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyRefused(
            422, "body", f"the body is not UTF-8 (byte {exc.start + 1}); JSON must be UTF-8"
        ) from exc
    try:
        parsed = json.loads(
            raw,
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constant,
            parse_int=_bounded_int,
        )
    except (ValueError, RecursionError):
        return
    _check_strings(parsed, "")


def media_type(value: str | None) -> str | None:
    """The media type of a Content-Type header, lower-cased, without parameters (RFC 9110:
    type and subtype are case-insensitive).

    >>> media_type("Application/JSON; charset=UTF-8")
    'application/json'
    """
    if value is None:
        return None
    return value.split(";", 1)[0].strip().lower() or None


def is_json(media: str | None) -> bool:
    return media is not None and (media == "application/json" or media.endswith("+json"))


FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def check_query(raw: bytes) -> None:
    """Every query parameter must be UTF-8 without control characters or bidi overrides."""
    if not raw:
        return
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise BodyRefused(422, "query", "the query string is not valid UTF-8") from exc
    for name, value in pairs:
        for text in (name, value):
            problem = forbidden_character(text)
            if problem:
                field = name if forbidden_character(name) is None else "query"
                raise BodyRefused(422, field, problem)


class BodyGuard:
    """Refuses, before any handler runs: bodies over ``max_bytes`` (413); a body sent without
    a Content-Type, or to the API with one that is not JSON (415); JSON that parsers would
    accept silently, and control characters in the body or the query string (422)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            check_query(scope.get("query_string", b""))
        except BodyRefused as refused:
            await self._refuse(scope, send, refused)
            return
        if scope["method"] in {"GET", "HEAD", "OPTIONS"}:
            await self.app(scope, receive, send)
            return
        try:
            body = await self._read(scope, receive)
            self._check_body(scope, body)
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

    def _check_body(self, scope: Scope, body: bytes) -> None:
        media = media_type(_header(scope, b"content-type"))
        if is_json(media):
            check_json(body)
            return
        if not body.strip():
            return
        if media is None:
            raise BodyRefused(
                415,
                "Content-Type",
                "the request has a body but no Content-Type; send 'Content-Type: application/json'",
            )
        if str(scope.get("path", "")).startswith("/v1/") or media not in FORM_TYPES:
            raise BodyRefused(
                415,
                "Content-Type",
                f"'{media}' is not accepted here; send 'Content-Type: application/json'",
            )

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
        phrase = HTTPStatus(refused.status).phrase
        slug = {413: "body-too-large", 415: "unsupported-media-type"}.get(
            refused.status, "invalid-input"
        )
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
