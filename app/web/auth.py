"""Who is using the pages: the signed-in person from the session cookie, role checks, and
the CSRF check every form submission passes.

PageError
├── SignInRequired   no live session: the browser is sent to the sign-in page
├── PageForbidden    the role may not see this page (403)
└── CsrfRefused      a form without this session's token (403)
"""

from __future__ import annotations

import hmac
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from sqlmodel import Session

from app.db import request_session
from app.web import sessions
from app.web.i18n import chosen_language, language
from app.web.render import Page


class PageError(Exception):
    """Base of the errors the pages answer with a page of their own."""


class SignInRequired(PageError):
    """Raised when a page needs a signed-in person and the cookie names no live session."""

    def __init__(self, next_path: str, *, ended: bool) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.ended = ended


class PageForbidden(PageError):
    """Raised when the signed-in person's role may not see the page."""


class CsrfRefused(PageError):
    """Raised when a form arrives without the token of the session (or of the sign-in form)."""


def page_context(
    request: Request, session: Annotated[Session, Depends(request_session, scope="function")]
) -> Page:
    """The page's language and, if the cookie names a live session, who is signed in."""
    user = sessions.current(session, request.cookies.get(sessions.SESSION_COOKIE))
    if user is not None:
        request.state.principal = user.principal
        request.state.web_user = user
    return Page(request=request, lang=language(chosen_language(request)), user=user)


AnyPage = Annotated[Page, Depends(page_context)]


def local_path(target: str | None, *, default: str = "/") -> str:
    """``target`` if it is a path on this service, else ``default`` (no open redirects).

    >>> local_path("/aandeel?jaar=2027"), local_path("//evil.example/"), local_path("https://x")
    ('/aandeel?jaar=2027', '/', '/')
    >>> local_path("/\t/evil.example")
    '/'

    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return default
    return target


def _signed_in(page: AnyPage) -> Page:
    if page.user is None:
        request = page.request
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        had_cookie = sessions.SESSION_COOKIE in request.cookies
        raise SignInRequired(local_path(path), ended=had_cookie)
    return page


SignedInPage = Annotated[Page, Depends(_signed_in)]


def _editor(page: SignedInPage) -> Page:
    if not page.is_editor:
        raise PageForbidden(
            page.lang.gettext("Only negotiators and administrators may use this page.")
        )
    return page


EditorPage = Annotated[Page, Depends(_editor)]


def sign_in_url(next_path: str, *, ended: bool = False) -> str:
    """The sign-in page, returning to ``next_path``; ``ended`` says a session just ended.

    >>> sign_in_url("/aandeel?jaar=2027", ended=True)
    '/aanmelden?next=%2Faandeel%3Fjaar%3D2027&ended=1'
    """
    query = [f"next={quote(next_path, safe='')}"] if next_path != "/" else []
    if ended:
        query.append("ended=1")
    return "/aanmelden" + ("?" + "&".join(query) if query else "")


def check_csrf(expected: str | None, submitted: str | None) -> None:
    """Refuse a form whose token is missing or differs (compared in constant time)."""
    if not expected or not submitted or not hmac.compare_digest(expected, submitted):
        raise CsrfRefused
