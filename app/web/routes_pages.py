"""The start page and the page that explains the words with a worked example."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from app.web import words
from app.web.auth import AnyPage
from app.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def start(page: AnyPage) -> Response:
    return render(page, "pages/start.html", {"title": page.lang.gettext("Start")})


@router.get("/uitleg")
async def explanation(page: AnyPage) -> Response:
    example = await words.worked_example()
    return render(
        page, "pages/words.html", {"title": page.lang.gettext("How it works"), "ex": example}
    )
