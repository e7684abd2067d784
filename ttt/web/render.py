"""Jinja2 rendering for console pages: one environment, the language, the CSRF token, headers."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request

from ttt.config import get_settings
from ttt.web import i18n

_env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                   autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)

STAFF = ("admin", "analyst")


def content_security_policy() -> str:
    """Everything from our own server; a basemap host only when a deployment sets one."""
    img = "'self' data: blob:"
    basemap = get_settings().console_basemap_url
    if basemap:
        parts = urlsplit(basemap.replace("{s}.", "*."))  # Leaflet's subdomain placeholder
        img += f" {parts.scheme}://{parts.netloc}"
    return ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            f"img-src {img}; connect-src 'self'; font-src 'self'; worker-src 'self' blob:; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    lang = i18n.choose(request)
    user = getattr(request.state, "principal", None)
    ctx = {
        "request": request, "lang": lang, "dir": "rtl" if lang in i18n.RTL else "ltr",
        "_": i18n.translator(lang), "languages": [(c, i18n.NAMES.get(c, c)) for c in i18n.languages()],
        "user": user, "is_staff": user is not None and user.role in STAFF,
        "csrf": getattr(request.state, "csrf", ""), "basemap": get_settings().console_basemap_url or "",
        **context,
    }
    html = _env.get_template(template).render(**ctx)
    response = HTMLResponse(html, status_code=status)
    response.headers["Content-Security-Policy"] = content_security_policy()
    response.headers["Cache-Control"] = "no-store"
    if request.query_params.get("lang") in i18n.languages():
        response.set_cookie(i18n.COOKIE, lang, max_age=365 * 86400, samesite="lax", httponly=True)
    return response
