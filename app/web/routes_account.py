"""Signing in with an API key, signing out, and choosing the language."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from app.auth import Unauthenticated
from app.routers.common import DbSession
from app.settings import get_settings
from app.web import sessions
from app.web.auth import AnyPage, SignedInPage, local_path
from app.web.cookies import clear_cookie, set_cookie
from app.web.forms import read_form
from app.web.i18n import LANGUAGE_COOKIE, LANGUAGES
from app.web.render import Page, render

router = APIRouter(include_in_schema=False)
SIGN_IN_FORM_SECONDS = 3600
LANGUAGE_SECONDS = 365 * 24 * 3600


def _sign_in_page(
    page: Page, *, next_path: str, error: str | None = None, ended: bool = False, status: int = 200
) -> Response:
    token = page.request.cookies.get(sessions.SIGN_IN_COOKIE) or secrets.token_urlsafe(32)
    page.extra["csrf_token"] = token
    response = render(
        page,
        "pages/sign_in.html",
        {
            "title": page.lang.gettext("Sign in"),
            "next_path": next_path,
            "errors": {"api_key": error} if error else {},
            "field_ids": {"api_key": "api_key"},
            "ended": ended,
            "session_hours": f"{get_settings().session_hours:g}",
        },
        status_code=status,
    )
    set_cookie(page.request, response, sessions.SIGN_IN_COOKIE, token, max_age=SIGN_IN_FORM_SECONDS)
    return response


@router.get("/aanmelden")
def sign_in_form(
    page: AnyPage,
    next: Annotated[str | None, Query(max_length=2000)] = None,
    ended: Annotated[str | None, Query(max_length=1)] = None,
) -> Response:
    """The sign-in page. Someone already signed in goes straight on."""
    target = local_path(next)
    if page.user is not None:
        return RedirectResponse(target, status_code=303)
    return _sign_in_page(page, next_path=target, ended=ended == "1")


@router.post("/aanmelden")
async def sign_in(page: AnyPage, session: DbSession) -> Response:
    """Check the key; open a session and set its cookie; go where the person was going."""
    form = await read_form(
        page.request, csrf_token=page.request.cookies.get(sessions.SIGN_IN_COOKIE)
    )
    target = local_path(form.get("next"))
    _ = page.lang.gettext
    key = form.get("api_key")
    if not key:
        return _sign_in_page(page, next_path=target, error=_("Enter your API key"), status=422)
    try:
        opened = sessions.sign_in(session, key, hours=get_settings().session_hours)
    except Unauthenticated:
        return _sign_in_page(
            page,
            next_path=target,
            error=_(
                "This key is not known, or it has been revoked. Check that you copied the "
                "whole key, starting with cs_."
            ),
            status=401,
        )
    response = RedirectResponse(target, status_code=303)
    set_cookie(
        page.request, response, sessions.SESSION_COOKIE, opened.token, max_age=opened.max_age
    )
    clear_cookie(page.request, response, sessions.SIGN_IN_COOKIE)
    return response


@router.post("/afmelden")
async def sign_out(page: SignedInPage, session: DbSession) -> Response:
    assert page.user is not None
    await read_form(page.request, csrf_token=page.user.csrf_token)
    sessions.sign_out(session, page.user)
    response = RedirectResponse("/aanmelden?signed_out=1", status_code=303)
    clear_cookie(page.request, response, sessions.SESSION_COOKIE)
    return response


@router.get("/taal")
def choose_language(
    request: Request,
    lang: Annotated[str, Query(max_length=5)],
    next: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    """Remember the language in a cookie (a preference, not a change on the server)."""
    response = RedirectResponse(local_path(next), status_code=303)
    if lang in LANGUAGES:
        set_cookie(request, response, LANGUAGE_COOKIE, lang, max_age=LANGUAGE_SECONDS)
    return response
