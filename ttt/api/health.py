"""GET /health: public liveness and database check (503 while the database is down)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field
from sqlalchemy import text

from ttt.db import get_engine
from ttt.http.schemas import Open

router = APIRouter(tags=["health"])


class HealthOut(Open):
    status: str = Field(description="ok, or degraded while the database is unavailable (503)")
    database: str
    postgis: str | None


@router.get("/health", response_model=HealthOut, responses={503: {"model": HealthOut}}, summary="Service and database health (public)")
def health() -> JSONResponse:
    try:
        with get_engine().connect() as conn:
            version = conn.execute(text("SELECT postgis_lib_version()")).scalar_one()
    except Exception:  # any failure to reach the DB is "unavailable", never a crash
        return JSONResponse({"status": "degraded", "database": "unavailable", "postgis": None}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok", "postgis": version})
