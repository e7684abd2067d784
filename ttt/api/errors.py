"""One error body for everything: {"error": code, "detail": ..., "request_id": ...}."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from ttt.errors import TTTError

log = logging.getLogger("ttt.api")

STATUS_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "validation_error", 429: "rate_limited",
    500: "internal_error", 503: "service_unavailable",
}


def request_id(request: Request) -> str:
    return getattr(request.state, "request_id", "") or request.headers.get("x-request-id", "")


def error_response(request: Request, status: int, code: str, detail, headers: dict | None = None) -> JSONResponse:
    hdrs = dict(headers or {})
    if status == 401:
        hdrs.setdefault("WWW-Authenticate", 'Bearer realm="ttt"')
    return JSONResponse(
        {"error": code, "detail": detail, "request_id": request_id(request)}, status_code=status, headers=hdrs
    )


def _loc(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    return ".".join(parts) or "body"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(TTTError)
    async def _ttt(request: Request, exc: TTTError):
        headers = getattr(exc, "headers", None)
        return error_response(request, exc.status, exc.code, exc.detail, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        problems = [
            {"field": _loc(e.get("loc", ())), "location": list(e.get("loc", ())), "message": e.get("msg", "")}
            for e in exc.errors()
        ]
        return error_response(request, 422, "validation_error", problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        code = STATUS_CODES.get(exc.status_code, "error")
        return error_response(request, exc.status_code, code, exc.detail, getattr(exc, "headers", None))

    @app.exception_handler(OperationalError)
    async def _db_down(request: Request, exc: OperationalError):
        timed_out = type(getattr(exc, "orig", None)).__name__ == "QueryCanceled"  # statement_timeout
        log.warning("database %s (request %s): %s", "too slow" if timed_out else "unavailable",
                    request_id(request), exc.__class__.__name__)
        detail = ("the database took too long to answer; retry later" if timed_out
                  else "the database is unavailable; retry later")
        return error_response(request, 503, "service_unavailable", detail, {"Retry-After": "5"})

    @app.exception_handler(PoolTimeout)
    async def _overloaded(request: Request, exc: PoolTimeout):
        # every pooled connection is busy: an overload, not a bug; clients retry after a pause
        log.warning("no free database connection within the pool timeout (request %s)", request_id(request))
        return error_response(request, 503, "service_unavailable", "the service is busy; retry in a few seconds",
                              {"Retry-After": "2"})

    @app.exception_handler(DataError)
    async def _bad_value(request: Request, exc: DataError):
        # a value PostgreSQL cannot take (a number out of range, a NUL character): the
        # caller's input, not our fault; the statement and its values are not echoed
        log.info("value refused by the database (request %s): %s", request_id(request),
                 type(getattr(exc, "orig", exc)).__name__)
        return error_response(request, 400, "bad_request",
                              "a value in the request is out of range or holds a character that cannot be stored "
                              "(such as NUL)")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unhandled error (request %s)", request_id(request))
        return error_response(request, 500, "internal_error",
                              "an internal error occurred; quote the request id to support")
