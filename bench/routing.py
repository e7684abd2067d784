"""Routing around hazards: how large a corridor network still routes in under a second.

Synthetic networks of growing size: ``n`` wiggly west->east and ``n`` north->south corridors
across the Sahel (500 m vertex spacing like digitised corridors), crossing each other, cut
into 5 km edges as the service does, with flow points every ~50 km and a bushfire on the
way. For each size: the time to build the graph (once per geodata change) and the median and
worst time of ``find_routes`` (k=3 around the fire, with the day's costs, in PostgreSQL via
pgr_withPointsKSP) between random flow points, printed with its ratio to one second.

    python -m bench.routing [--quick] [--routes 10]

Uses its own database (``TTT_BENCH_DB``, default ``ttt_bench_routing``): dropped, created
and migrated first.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import UTC, datetime

import numpy as np
from geoalchemy2.shape import from_shape
from shapely.geometry import LineString, box
from sqlalchemy import text

QUICK_SIZES = (4, 8, 16)
FULL_SIZES = (4, 8, 16, 24, 32, 48)


def corridors(n: int, rng: np.random.Generator) -> list[tuple[str, LineString]]:
    out = []
    for i in range(n):  # west -> east, between 10 and 16 degrees north
        lat0 = 10.0 + 6.0 * (i + 0.5) / n
        lon = np.arange(-6.0, 6.0, 0.0045)
        out.append((f"H{i:03d}", LineString(np.column_stack([lon, lat0 + np.cumsum(rng.normal(0, 0.0015, lon.size))]))))
    for i in range(n):  # north -> south (descent), between 6 W and 6 E
        lon0 = -6.0 + 12.0 * (i + 0.5) / n
        lat = np.arange(16.5, 9.5, -0.0045)
        out.append((f"V{i:03d}", LineString(np.column_stack([lon0 + np.cumsum(rng.normal(0, 0.0015, lat.size)), lat]))))
    return out


def load(session, lines: list[tuple[str, LineString]]) -> list[str]:
    from corridors.geodata.models import Corridor, FlowPoint, Hazard

    session.execute(text("TRUNCATE corridors, flow_points, hazards, network_state CASCADE"))
    codes = []
    for code, line in lines:
        session.add(Corridor(code=code, name=code, geom=from_shape(line, srid=4326), countries=["BF"]))
        for k, frac in enumerate(np.arange(0.05, 1.0, 50_000 / (line.length * 110_000))):
            fp = f"{code}-{k:02d}"
            session.add(FlowPoint(code=fp, name=fp, geom=from_shape(line.interpolate(frac, normalized=True), srid=4326)))
            codes.append(fp)
    session.add(Hazard(kind="bushfire", severity="severe", geom=from_shape(box(-0.3, 12.7, 0.3, 13.3), srid=4326),
                       starts_at=datetime(2026, 1, 1, tzinfo=UTC)))
    session.flush()
    return codes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.routing", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--routes", type=int, default=10)
    args = ap.parse_args(argv)
    os.environ.setdefault("TTT_BENCH_DB", "ttt_bench_routing")
    from bench import database

    url = database.bench_url()
    database.point_settings_at(url)
    database.recreate(url)
    from corridors.network import service
    from ttt.db import session_scope

    rng = np.random.default_rng(11)
    at = datetime(2026, 2, 1, tzinfo=UTC)
    largest_under_1s = None
    print(f"{'corridors':>9} {'edges':>7} {'build s':>8} {'route median s':>15} {'worst s':>8} {'median / 1 s':>13}")
    for n in QUICK_SIZES if args.quick else FULL_SIZES:
        with session_scope() as s:
            fps = load(s, corridors(n, rng))
        with session_scope() as s:
            t = time.perf_counter()
            view = service.network(s)
            build_s = time.perf_counter() - t
        times = []
        for _ in range(args.routes):
            a, b = rng.choice(len(fps), 2, replace=False)
            with session_scope() as s:
                t = time.perf_counter()
                try:
                    service.find_routes(s, fps[a], fps[b], k=3, at=at)
                except Exception as exc:  # noqa: BLE001 - a place inside the fire has no route: still timed
                    if getattr(exc, "status", None) not in (404, 422):
                        raise
                times.append(time.perf_counter() - t)
        med = statistics.median(times)
        if med < 1.0:
            largest_under_1s = (2 * n, len(view.edges))
        print(f"{2 * n:>9} {len(view.edges):>7,} {build_s:>8.2f} {med:>15.3f} {max(times):>8.3f} {med:>13.2f}")
    if largest_under_1s:
        print(f"largest network routing in under a second (median, k=3): {largest_under_1s[0]} corridors, "
              f"{largest_under_1s[1]:,} edges")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
