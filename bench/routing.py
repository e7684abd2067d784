"""Routing around hazards: how large a corridor network still routes in under a second.

Synthetic networks of growing size: ``n`` wiggly west->east and ``n`` north->south corridors
across the Sahel (500 m vertex spacing like digitised corridors), crossing each other, cut
into 5 km edges as the service does, with flow points every ~50 km and a bushfire on the
way. For each size: the time to build the graph (once per geodata change) and the median and
worst time of ``find_routes`` (k=3 around the fire, with the day's costs, in PostgreSQL via
pgr_withPointsKSP) between random flow points, printed with its ratio to one second.

    python -m bench.routing [--quick] [--routes 10]

``make bench`` runs it too (``bench.run``, last: it replaces the bench network), with its
rows in the README table.

Uses its own database (``TTT_BENCH_DB``, default ``ttt_bench_routing``): dropped, created
and migrated first.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from geoalchemy2.shape import from_shape
from shapely.geometry import LineString, box
from sqlalchemy import text

from bench.report import Result

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


@dataclass(frozen=True)
class Size:
    """One network size: its corridors and edges, the graph build, the route times."""

    corridors: int
    edges: int
    build_s: float
    route_median_s: float
    route_worst_s: float


def measure(sizes: tuple[int, ...], routes: int, seed: int = 11) -> list[Size]:
    """Each size in turn, in the database the settings point at (corridors, flow points and
    hazards are replaced)."""
    from corridors.network import service
    from ttt.db import session_scope

    rng = np.random.default_rng(seed)
    at = datetime(2026, 2, 1, tzinfo=UTC)
    out = []
    for n in sizes:
        with session_scope() as s:
            fps = load(s, corridors(n, rng))
        with session_scope() as s:
            t = time.perf_counter()
            view = service.network(s)
            build_s = time.perf_counter() - t
        times = []
        for _ in range(routes):
            a, b = rng.choice(len(fps), 2, replace=False)
            with session_scope() as s:
                t = time.perf_counter()
                try:
                    service.find_routes(s, fps[a], fps[b], k=3, at=at)
                except Exception as exc:  # noqa: BLE001 - a place inside the fire has no route: still timed
                    if getattr(exc, "status", None) not in (404, 422):
                        raise
                times.append(time.perf_counter() - t)
        out.append(Size(2 * n, len(view.edges), build_s, statistics.median(times), max(times)))
    return out


def results(sizes: list[Size], routes: int) -> list[Result]:
    """The bench table's rows: the largest network whose median route takes under a second,
    the median route time per size (target: a second), the rebuild of the largest."""
    rows = []
    under = [z for z in sizes if z.route_median_s < 1.0]
    largest = max(under, key=lambda z: z.edges) if under else None
    rows.append(Result(
        "Routing", "largest network routing in under a second (median route, k=3)",
        float(largest.edges) if largest else None, "edges",
        reference=f"{largest.corridors} corridors of 700-1,300 km" if largest else "no size under a second",
        note=f"sizes measured: {', '.join(f'{z.corridors} corridors' for z in sizes)}"
             + ("; the largest of them is under a second: a floor, larger networks may be too"
                if largest is not None and largest is sizes[-1] else "")))
    for z in sizes:
        rows.append(Result(
            "Routing", f"route round a fire (k=3, day's costs), median of {routes}, {z.corridors} corridors "
                       f"({z.edges:,} edges)", z.route_median_s, "s", 1.0,
            reference=f"worst {z.route_worst_s:.2f} s", ratio=f"{z.route_median_s:.2f} of 1 s"))
    if sizes:
        z = max(sizes, key=lambda z: z.edges)
        rows.append(Result(
            "Routing", f"network rebuild after a geodata change, {z.corridors} corridors ({z.edges:,} edges)",
            z.build_s, "s", reference="paid once, by the first request after the change",
            note="rebuild per size: " + ", ".join(f"{x.corridors} corridors {x.build_s:.1f} s" for x in sizes)))
    return rows


def run(quick: bool, routes: int = 10) -> list[Result]:
    """For ``bench.run``: runs last, as it replaces the corridors of the bench database."""
    return results(measure(QUICK_SIZES if quick else FULL_SIZES, routes), routes)


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
    print(f"{'corridors':>9} {'edges':>7} {'build s':>8} {'route median s':>15} {'worst s':>8} {'median / 1 s':>13}")
    sizes = measure(QUICK_SIZES if args.quick else FULL_SIZES, args.routes)
    for z in sizes:
        print(f"{z.corridors:>9} {z.edges:>7,} {z.build_s:>8.2f} {z.route_median_s:>15.3f} {z.route_worst_s:>8.3f} "
              f"{z.route_median_s:>13.2f}")
    under = [z for z in sizes if z.route_median_s < 1.0]
    if under:
        z = max(under, key=lambda z: z.edges)
        print(f"largest network routing in under a second (median, k=3): {z.corridors} corridors, {z.edges:,} edges")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
