"""The publication confirmation's answer, shared by a report (``/rapporten/{id}/publiceren``)
and a plan (``/plannen/{id}/publiceren``): publish with the revision the person confirmed and
their acknowledgement, or show the confirmation again with why it was refused.

A stale revision (someone published in the meantime) is 412 and points at the summary of what
changes, which is shown anew; a missing acknowledgement of unadopted weights is 409 and points
at the box; any other refusal is 409 with the service's own words.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import RedirectResponse, Response

from app.errors import Conflict, PreconditionFailed
from app.web.forms import read_form
from app.web.render import Page, render


async def publish_confirmed(
    page: Page,
    *,
    publish: Callable[[str, bool], object],
    confirmation: Callable[[], dict[str, Any]],
    template: str,
    stale: Callable[[dict[str, Any]], str],
    needs_box: Callable[[dict[str, Any]], bool],
    published: str,
) -> Response:
    """Publish as confirmed (``publish(if_match, acknowledged)``) and go to ``published``, or
    render ``template`` with ``confirmation()`` and the refusal, naming its field."""
    assert page.user is not None
    _ = page.lang.gettext
    form = await read_form(page.request, csrf_token=page.user.csrf_token)
    acknowledged = form.checked("acknowledge")
    try:
        publish(f'W/"{form.get("revision")}"', acknowledged)
    except (Conflict, PreconditionFailed) as refused:
        context = confirmation()
        context["acknowledged"] = acknowledged
        if isinstance(refused, PreconditionFailed):
            context["errors"] = {"revision": stale(context)}
            context["field_ids"] = {"revision": "publish-summary"}
            return render(page, template, context, status_code=412)
        if context["unadopted"] and not acknowledged and needs_box(context):
            context["errors"] = {
                "acknowledge": _(
                    "Tick the box to confirm that you publish although the weights are not "
                    "adopted, or adopt the weights first."
                )
            }
        else:
            context["errors"] = {"publish": refused.detail}
            context["field_ids"] = {"publish": "publish-summary"}
        return render(page, template, context, status_code=409)
    return RedirectResponse(published, status_code=303)
