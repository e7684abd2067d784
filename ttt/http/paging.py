"""Lists answer ``{"items": [...], "total": N, "next": "<url or null>"}`` with ``limit``/``offset``;
OGC item pages link ``next`` the same way. One rule for the ``next`` link, used by every list."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request


def next_link(request: Request, offset: int, limit: int, total: int) -> str | None:
    """The URL of the page after this one (same query, ``offset`` moved on), or None on the last page."""
    if offset + limit >= total:
        return None
    return str(request.url.include_query_params(offset=offset + limit, limit=limit))


def page(request: Request, items: list[Any], total: int, offset: int, limit: int) -> dict[str, Any]:
    """The list body every JSON list endpoint answers."""
    return {"items": items, "total": total, "next": next_link(request, offset, limit, total)}
