"""Shared pieces for the ingestion integration tests: a small corridor network and records."""

from __future__ import annotations

import copy
import uuid

import pytest
from sqlalchemy import text

CORRIDOR = "ML-C1"
FMP = "ML05-FMP-03"


@pytest.fixture
def network(engine):
    """One corridor drawn north -> south (the descent direction) and two flow points on it."""
    from corridors.geodata.models import Corridor, FlowPoint
    from corridors.geodata.network import invalidate_network_index
    from ttt.db import session_scope

    invalidate_network_index()  # the cached network index must see this test's corridors
    with session_scope() as s:
        c = Corridor(code=CORRIDOR, name="Mopti - Burkina", geom="SRID=4326;LINESTRING(-4.2 15.0, -4.2 14.0)",
                     tolerance_m=5000.0, countries=["ML"], pcodes=["ML05"])
        s.add(c)
        s.flush()
        s.add(FlowPoint(code=FMP, name="Konna", geom="SRID=4326;POINT(-4.196 14.4843)", corridor_id=c.id,
                        adm0_pcode="ML", adm1_pcode="ML05", adm2_pcode="ML0506"))
        s.add(FlowPoint(code="BF52-FMP-01", name="Djibo", geom="SRID=4326;POINT(-1.63 14.1)",
                        adm0_pcode="BF", adm1_pcode="BF52", adm2_pcode="BF5202"))
    yield
    invalidate_network_index()


CONTRACT = {
    "id": "6f1c2a9e-1b0e-4c1a-9a51-2f0c3d9e7b11", "flow_point": FMP,
    "observed_at": "2026-02-03T07:15:00+00:00", "location": {"lon": -4.196, "lat": 14.4843},
    "direction": "S",
    "counts": {"cattle": 120, "sheep": 40, "goats": 35, "camels": 0, "donkeys": 2, "horses": 0, "other": 0},
    "herders": {"men": 3, "women": 0, "boys": 2, "girls": 0},
    "origin": "ML0506", "destination": "BF5202", "flow_type": "transit", "reason": "pasture",
    "cross_border": True, "has_certificate": False, "already_counted": False, "notes": "",
}


def record(**changes):
    r = copy.deepcopy(CONTRACT)
    r["id"] = str(uuid.uuid4())
    for k, v in changes.items():
        if v is ...:
            r.pop(k, None)
        else:
            r[k] = v
    return r


def count_rows(engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


@pytest.fixture
def live_url(app):
    """The real app served by uvicorn on a free local port, for clients that speak real HTTP."""
    import threading
    import time

    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
