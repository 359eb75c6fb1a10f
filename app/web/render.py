"""Rendering pages: one Jinja2 environment (autoescaped), the person's language and the
helpers every template uses (amounts, percentages, the form token)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import HTMLResponse

from app.auth import EDITORS, Role
from app.web import explain
from app.web.i18n import LANGUAGE_NAMES, LANGUAGES, Language
from app.web.sessions import SignedIn
from app.web.templating import environment


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    return Jinja2Templates(env=environment())


@dataclass(frozen=True, slots=True)
class Page:
    """Everything a page needs to know about the request: language, who is signed in."""

    request: Request
    lang: Language
    user: SignedIn | None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def role(self) -> Role | None:
        return self.user.principal.role if self.user else None

    @property
    def is_editor(self) -> bool:
        return self.role in EDITORS


def navigation(page: Page) -> list[tuple[str, str]]:
    """The menu for the signed-in person's role: (path, label)."""
    _ = page.lang.gettext
    if page.user is None:
        return [("/", _("Start")), ("/uitleg", _("How it works"))]
    items = [("/", _("Start"))]
    if page.is_editor:
        items.append(("/vergelijken", _("Compare rules")))
    items.append(("/aandeel", _("Our share") if page.role is Role.FINANCE else _("Shares")))
    items.append(("/rapporten", _("Reports")))
    items.append(("/plannen", _("Plans")))
    if page.role is not Role.FINANCE:
        items.append(("/controle", _("Audit")))
    items.append(("/uitleg", _("How it works")))
    return items


def render(
    page: Page, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    """The page ``template`` in the person's language."""
    _ = page.lang.gettext
    values = {
        "page": page,
        "lang": page.lang,
        "_": _,
        "ngettext": page.lang.ngettext,
        "user": page.user,
        "csrf_token": page.user.csrf_token if page.user else page.extra.get("csrf_token", ""),
        "navigation": navigation(page),
        "current_path": page.request.url.path,
        "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        "role_names": role_names(_),
        "check_labels": explain.check_labels(_),
        **(context or {}),
    }
    return templates().TemplateResponse(page.request, template, values, status_code=status_code)


def role_names(_: Any) -> dict[str, str]:
    return {
        Role.ADMIN.value: _("administrator"),
        Role.NEGOTIATOR.value: _("negotiator"),
        Role.FINANCE.value: _("finance department"),
        Role.READER.value: _("reader"),
    }
