"""GET /health: public liveness and database check (503 while the database is down).

It answers within about a second whatever the state of the request pool: it runs on the
event loop (not in the thread pool that busy requests fill), opens its own short-lived
connection (not one from the SQLAlchemy pool they may have exhausted) with a one-second
budget, and reports how many pooled connections are in use.
"""

from __future__ import annotations

import asyncio

import psycopg
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field

from ttt.db import get_engine, replica_status
from ttt.http.schemas import Open

router = APIRouter(tags=["health"])
BUDGET_S = 1.0


async def _postgis_version(url: str) -> str:
    conn = await psycopg.AsyncConnection.connect(url, connect_timeout=1, autocommit=True)
    try:
        cur = await conn.execute("SELECT postgis_lib_version()")
        return (await cur.fetchone())[0]
    finally:
        await conn.close()


def _pool() -> dict[str, int | str]:
    pool = get_engine().pool
    size = pool.size() + getattr(pool, "_max_overflow", 0)
    in_use = pool.checkedout()
    return {"in_use": in_use, "max": size, "state": "exhausted" if in_use >= size else "ok"}


class HealthOut(Open):
    status: str = Field(description="ok, or degraded while the database is unavailable (503)")
    database: str
    postgis: str | None
    pool: dict = Field(description="pooled connections of this process: in_use, max, state (ok or exhausted)")
    replica: dict = Field(description="the read replica (TTT_DATABASE_READ_URL): state (off, ok, lagging, "
                                      "unavailable: reads then go to the primary) and lag_s")


@router.get("/health", response_model=HealthOut, responses={503: {"model": HealthOut}},
            summary="Service and database health (public)")
async def health() -> JSONResponse:
    pool = _pool()
    url = get_engine().url.set(drivername="postgresql").render_as_string(hide_password=False)
    replica = asyncio.create_task(asyncio.wait_for(asyncio.to_thread(replica_status), BUDGET_S))
    try:
        version = await asyncio.wait_for(_postgis_version(url), BUDGET_S)
    except Exception:  # any failure to reach the DB in time is "unavailable", never a crash
        version = None
    try:
        standby = await replica
    except Exception:  # the replica did not answer within the budget
        standby = {"state": "unavailable", "lag_s": None}
    if version is None:
        return JSONResponse({"status": "degraded", "database": "unavailable", "postgis": None, "pool": pool,
                             "replica": standby}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok", "postgis": version, "pool": pool, "replica": standby})
