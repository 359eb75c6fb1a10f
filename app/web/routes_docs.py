"""The interactive API documentation, served with everything it needs from this service.

Swagger UI and ReDoc come from the vendored npm packages under ``/static/vendor/``; their start
code is a static script too, so the pages satisfy the same Content-Security-Policy as every
other page (no inline script, nothing from another host).
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from app.middleware import HTML_POLICY
from app.web.auth import AnyPage
from app.web.render import render

router = APIRouter(include_in_schema=False)

REDOC_POLICY = HTML_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
"""ReDoc styles itself with styled-components, which adds <style> elements while it runs and
offers a standalone bundle no way to give them a nonce; without inline styles it stops with
its error #17. So this one page, which shows only the service's own specification, allows
inline *styles*; scripts stay 'self' only, as everywhere."""


@router.get("/docs")
def swagger_ui(page: AnyPage) -> Response:
    return render(page, "pages/docs_swagger.html", {"title": "costshare API – Swagger UI"})


@router.get("/redoc")
def redoc(page: AnyPage) -> Response:
    response = render(page, "pages/docs_redoc.html", {"title": "costshare API – ReDoc"})
    response.headers["Content-Security-Policy"] = REDOC_POLICY
    return response
