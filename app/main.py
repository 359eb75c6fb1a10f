"""The FastAPI application. Built by :func:`create_app`; nothing connects at import time."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from app import __version__, problems, published, spec, web
from app.auth import Unauthenticated
from app.concurrency import RateLimiter
from app.logs import configure_logging
from app.middleware import BodyGuard, RequestContext, SecurityHeaders
from app.routers import (
    allocations,
    audit,
    figures,
    health,
    ministries,
    plans,
    scenarios,
    weight_sets,
)
from app.settings import get_settings

DESCRIPTION = """
Splits the yearly cost of **Offlimits** (the Dutch centre against online child abuse) across
ministries by mandate weights: a base amount plus a per-contact variable component, as the
113 suicide-prevention line is funded. Amounts are decimal strings in euros with two decimals.

Every route but `/health` and `/v1/audit/keys` needs an API key: `Authorization: Bearer cs_…`.
Errors are `application/problem+json` (RFC 9457) and name the offending field.
"""


def operation_id(route: APIRoute) -> str:
    """Stable operation ids: the handler's name, e.g. ``list_ministries``."""
    return route.name


def _refined_openapi(app: FastAPI) -> None:
    """Serve the generated spec refined by :mod:`app.spec`."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = spec.refine(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app() -> FastAPI:
    settings = get_settings()
    configure_logging(settings.log_level)
    app = FastAPI(
        title="costshare",
        version=__version__,
        description=DESCRIPTION,
        generate_unique_id_function=operation_id,
        # The documentation pages are the service's own (app.web.routes_docs), served from
        # vendored assets so that they work on a network without internet.
        docs_url=None,
        redoc_url=None,
        openapi_tags=[
            {"name": "ministries", "description": "Who can carry a share."},
            {"name": "weight sets", "description": "Mandate weights, versioned and audited."},
            {"name": "scenarios", "description": "Stored allocation problems, versioned."},
            {"name": "allocations", "description": "Immutable, chained allocation reports."},
            {"name": "plans", "description": "Multi-year plans, allocated and published at once."},
            {"name": "figures", "description": "Shares, comparisons and the budget table."},
            {
                "name": "audit",
                "description": "The signed log: public keys, signed heads, inclusion and "
                "consistency proofs, and verification.",
            },
            {"name": "health", "description": "Is the service up."},
        ],
    )
    app.state.prepared = published.Prepared.empty()
    app.state.solve_rate = RateLimiter(
        per_minute=settings.solve_rate_per_minute, burst=settings.solve_burst
    )
    problems.install(app)
    _refined_openapi(app)

    @app.exception_handler(Unauthenticated)
    async def _unauthenticated(request: Request, _exc: Unauthenticated) -> JSONResponse:
        return problems.problem_response(
            request,
            status=401,
            detail="a valid API key is required: send 'Authorization: Bearer cs_…'",
            slug="unauthenticated",
            headers={"WWW-Authenticate": "Bearer"},
        )

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "Idempotency-Key"],
            expose_headers=["ETag", "Location", "X-Request-ID"],
        )
    app.add_middleware(BodyGuard, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestContext)
    app.include_router(health.router)
    app.include_router(ministries.router)
    app.include_router(weight_sets.router)
    app.include_router(scenarios.router)
    app.include_router(allocations.router)
    app.include_router(plans.router)
    app.include_router(figures.router)
    app.include_router(audit.router)
    web.install(app)
    return app
