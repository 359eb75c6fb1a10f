"""Pages for people: sign-in, the negotiators' comparisons, the finance departments' share,
the auditors' reports, the words explained, and the API documentation, all served by this
service in Dutch (English on request) with nothing loaded from elsewhere.

Routers here only read the request, call the services of ``app.services`` (the same use cases
and role checks as the API) and render a template; a browser's errors are pages
(:mod:`app.web.errors`), an API client's stay problem+json.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parents[1] / "static"


def install(app: FastAPI) -> None:
    """Add the pages, the static files and the page error answers to the API's app."""
    from app.web import (
        errors,
        routes_account,
        routes_compare,
        routes_docs,
        routes_pages,
        routes_plans,
        routes_reports,
        routes_share,
    )

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (
        routes_pages,
        routes_account,
        routes_docs,
        routes_share,
        routes_reports,
        routes_compare,
        routes_plans,
    ):
        app.include_router(module.router)
    errors.install(app)
