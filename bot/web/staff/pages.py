"""What every staff page uses: who is signed in, rendering a page with its headers, and
showing an action's refusal as a problem on the page."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.actions.errors import ActionError
from bot.web.http import services_of
from flows.model import StaffUser
from storage import web_sessions

SESSION = web.RequestKey("staff_session", web_sessions.WebSession)
TOKEN = web.RequestKey("staff_token", str)


def user(request: web.Request) -> StaffUser:
    return request[SESSION].user


def page(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    found = request.get(SESSION)
    context |= {
        "service": services_of(request).settings.service_name,
        "user": found.user if found else None,
        "csrf": found.csrf if found else "",
    }
    response = aiohttp_jinja2.render_template(template, request, context, status=status)
    # Our own styles only: no scripts, frames or forms posting elsewhere.
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    )
    response.headers["Cache-Control"] = "no-store"  # pages hold personal data
    return response


def problem(exc: ActionError, labels: dict[str, str] | None = None) -> str:
    """An action's message as a page shows it: a field the page labels otherwise gets its
    label ("cohort.need: ..." becomes "Need: ..."); any other field name is left off."""
    field = exc.field
    if field is None:
        return exc.message
    rest = exc.message[len(field) + 2 :]
    label = (labels or {}).get(field)
    if label is not None:
        return f"{label}: {rest}"
    return rest[:1].upper() + rest[1:]
