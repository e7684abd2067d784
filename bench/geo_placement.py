"""Placement on the corridor network: points per second through ``NetworkIndex.place``
(metric distance, geodesic km along, bearing) next to shapely's bare ``STRtree.query_nearest``
in degrees on the same corridors (the C-speed floor of "which line is closest"), printed as
a ratio. Synthetic network: ``--corridors`` wiggly north->south lines across the Sahel, with
500 m vertex spacing like digitised corridors.

    python -m bench.geo_placement [--corridors 53] [--points 20000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import shapely
from shapely.geometry import LineString

from corridors.geometry import NetworkIndex


def network(n: int, rng: np.random.Generator) -> list[tuple[str, LineString, float]]:
    out = []
    for i in range(n):
        x0 = rng.uniform(-16, 22)
        lat = np.arange(17.0, 9.0, -0.0045)  # ~500 m steps
        lon = x0 + np.cumsum(rng.normal(0, 0.002, lat.size))
        out.append((f"C{i:03d}", LineString(np.column_stack([lon, lat])), 5000.0))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corridors", type=int, default=53)  # Katsina 2023 baseline: 53 corridors
    ap.add_argument("--points", type=int, default=20_000)
    args = ap.parse_args()
    rng = np.random.default_rng(7)
    lines = network(args.corridors, rng)
    t0 = time.perf_counter()
    index = NetworkIndex(lines)
    build_s = time.perf_counter() - t0
    pts = np.column_stack([rng.uniform(-16, 22, args.points), rng.uniform(9, 17, args.points)])

    index.place(*pts[0])  # warm the per-zone projection cache, as a running service has it
    t0 = time.perf_counter()
    on = sum(not index.place(x, y).off_corridor for x, y in pts)
    place_s = time.perf_counter() - t0

    tree = shapely.STRtree([g for _, g, _ in lines])
    geoms = shapely.points(pts)
    t0 = time.perf_counter()
    tree.query_nearest(geoms, all_matches=False)
    floor_s = time.perf_counter() - t0

    print(f"network: {args.corridors} corridors, {sum(len(g.coords) for _, g, _ in lines):,} vertices; "
          f"index built in {build_s * 1000:.0f} ms")
    print(f"NetworkIndex.place: {args.points / place_s:,.0f} points/s ({on:,} on a corridor)")
    print(f"STRtree.query_nearest (degrees, vectorised): {args.points / floor_s:,.0f} points/s")
    print(f"time ratio place / floor: {place_s / floor_s:.2f} (place also gives metres, km along and bearing)")


if __name__ == "__main__":
    main()
