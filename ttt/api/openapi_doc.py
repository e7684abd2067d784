"""Make the OpenAPI document tell the truth about errors.

FastAPI documents every 422 with its own ``{"detail": [{"loc", "msg", "type"}]}`` shape, but
ttt answers ``{"error", "detail", "request_id"}`` (ttt.api.errors). Clients generated from the
document, and the schemathesis run in tests/security, would otherwise be told a lie. This
replaces the two built-in schemas with ours and documents the 401/403/429 every /api/v1
operation can answer.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

ERROR_BODY = {
    "title": "ErrorBody",
    "type": "object",
    "required": ["error", "detail", "request_id"],
    "properties": {
        "error": {"type": "string", "description": "snake_case code, e.g. forbidden, rate_limited"},
        "detail": {"description": "a message, or a list of problems"},
        "request_id": {"type": "string", "description": "quote it to support; also in X-Request-ID"},
    },
}
VALIDATION_PROBLEM = {
    "title": "ValidationError",
    "type": "object",
    "required": ["field", "message"],
    "properties": {
        "field": {"type": ["string", "null"], "description": "dotted location, e.g. query.limit, observations.3.counts"},
        "location": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
        "message": {"type": "string"},
    },
}
HTTP_VALIDATION_ERROR = {
    "title": "HTTPValidationError",
    "type": "object",
    "required": ["error", "detail", "request_id"],
    "properties": {
        "error": {"type": "string", "const": "validation_error"},
        "detail": {"type": "array", "items": {"$ref": "#/components/schemas/ValidationError"}},
        "request_id": {"type": "string"},
    },
}
BEARER = {"type": "http", "scheme": "bearer",
          "description": "An API token from `ttt users add` (or a console session in the browser)"}
COMMON = {
    "401": "Missing, unknown, expired or revoked token",
    "403": "The role or P-code scope does not allow this",
    "429": "Too many requests; see the Retry-After header",
}


def fix_error_schemas(doc: dict[str, Any]) -> dict[str, Any]:
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorBody"] = ERROR_BODY
    schemas["ValidationError"] = VALIDATION_PROBLEM
    schemas["HTTPValidationError"] = HTTP_VALIDATION_ERROR
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    # the docs page's Authorize button takes a token and sends it on every "Try it out"
    doc["components"].setdefault("securitySchemes", {})["bearerAuth"] = BEARER
    for path, ops in doc.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for op in ops.values():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            op.setdefault("security", [{"bearerAuth": []}])
            for code, text in COMMON.items():
                op["responses"].setdefault(code, {"description": text, "content": ref})
    return doc


def document_errors(app: FastAPI) -> None:
    """Wrap ``app.openapi`` so the cached document carries the real error shapes."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = fix_error_schemas(original())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
