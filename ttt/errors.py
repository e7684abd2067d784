"""Domain errors: carry a snake_case code and an HTTP status, but no FastAPI.

Services raise these; ttt.api.errors maps them to the one error body
``{"error": code, "detail": ..., "request_id": ...}``.
"""

from __future__ import annotations

from typing import Any


class TTTError(Exception):
    code = "error"
    status = 400

    def __init__(self, detail: Any = None, *, code: str | None = None, status: int | None = None):
        super().__init__(detail if isinstance(detail, str) else self.code)
        self.detail = detail if detail is not None else self.code.replace("_", " ")
        if code:
            self.code = code
        if status:
            self.status = status


class ValidationFailed(TTTError):
    """Input that cannot be accepted. ``detail`` is a list of {"field", "message"}."""

    code = "validation_error"
    status = 422

    def __init__(self, errors: list[dict[str, Any]] | str):
        if isinstance(errors, str):
            errors = [{"field": None, "message": errors}]
        super().__init__(errors)
        self.errors = errors

    def __str__(self) -> str:
        return "; ".join(f"{e.get('field') or '-'}: {e.get('message')}" for e in self.errors)


class NotFound(TTTError):
    code = "not_found"
    status = 404


class Conflict(TTTError):
    code = "conflict"
    status = 409


class Unauthorized(TTTError):
    code = "unauthorized"
    status = 401


class Forbidden(TTTError):
    code = "forbidden"
    status = 403


class PayloadTooLarge(TTTError):
    code = "payload_too_large"
    status = 413


class RateLimited(TTTError):
    code = "rate_limited"
    status = 429


class Unavailable(TTTError):
    code = "service_unavailable"
    status = 503
    headers = {"Retry-After": "5"}  # clients (ODK Collect, KoBo, scripts) retry after this
