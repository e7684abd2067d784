"""The FastAPI application: middleware, error handlers and every router."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from ttt.api.errors import install_error_handlers
from ttt.api.middleware import RequestContextMiddleware
from ttt.config import get_settings
from ttt.logging import configure_logging
from ttt.runtime import tune_gc


def _routers() -> list:
    """Every router of the service. Add one line per domain router."""
    from alerts.alerts.router import router as alerts_router
    from alerts.delivery.router import router as delivery_router
    from corridors.feeds.router import router as feeds_router
    from corridors.geodata.router import router as geodata_router
    from corridors.ingest.router import router as openrosa_router
    from corridors.network.router import router as network_router
    from corridors.observations.router import router as observations_router
    from corridors.stats.router import router as stats_router
    from ttt.api import audit, health, users
    from ttt.api.ogc import router as ogc_router

    return [
        health.router,
        users.router,
        geodata_router,
        feeds_router,
        ogc_router,
        audit.router,
        stats_router,
        observations_router,
        openrosa_router,
        delivery_router,  # /api/v1/alerts/feed.atom and /{id}.cap must come before /alerts/{id}
        alerts_router,
        network_router,
    ]


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Once the server process has imported everything, the collector is tuned for it
    (``ttt.runtime.tune_gc``: ~13 % of an ingest was full collections walking startup objects)."""
    tune_gc()
    yield


def create_app() -> FastAPI:
    settings = get_settings()
    configure_logging(settings)
    app = FastAPI(
        lifespan=_lifespan,
        title="ttt - Transhumance Tracking Tool early warning",
        version="0.1.0",
        description="Flow-point counts -> corridor placement -> rules -> alerts -> delivery. "
        "Every /api/v1 endpoint needs `Authorization: Bearer <token>` (see `ttt users add`).",
        docs_url=None, redoc_url=None,  # served offline by ttt.web.docs
    )
    install_error_handlers(app)
    for router in _routers():
        app.include_router(router)
    from ttt.web.router import install as install_console

    install_console(app)  # pages, /docs, /redoc and /static
    # last added = outermost: audit sees everything, request ids before the rate limiter
    from ttt.api.audit import AuditMiddleware
    from ttt.api.authfirst import AuthFirstMiddleware
    from ttt.api.ratelimit import RateLimitMiddleware

    app.add_middleware(AuthFirstMiddleware)  # innermost: credentials checked before any body is read
    app.add_middleware(RateLimitMiddleware, per_min=settings.rate_limit_per_min, burst=settings.rate_limit_burst,
                       anonymous_per_min=settings.rate_limit_anonymous_per_min)
    app.add_middleware(RequestContextMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(AuditMiddleware)
    from ttt.api.openapi_doc import document_errors

    document_errors(app)  # the OpenAPI document shows the real error body
    return app
