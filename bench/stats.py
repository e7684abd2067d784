"""Statistics: p50/p95 of a corridor's monthly series (``GET /api/v1/stats/corridors/{code}``)
and of the corridor ranking (``GET /api/v1/stats/corridors``) over one season, with the
table holding ``stats_small`` then ``stats_large`` observations, against the same aggregation
computed from the raw rows by DuckDB in-process and by a plain PostgreSQL GROUP BY.

DuckDB gets exactly the rows of the ``observations`` table (exported with COPY, loaded once,
not timed). The API path is timed end to end over HTTP (auth, rollup query, aggregation,
JSON); the two references time only their query.
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb
import httpx

from bench.context import Context
from bench.database import connect
from bench.report import Result, percentiles
from ttt.facts import COUNT_COLUMNS, SPECIES, TLU_FACTORS

SECTION = "Statistics"
SEASON = (date(2025, 10, 1), date(2026, 9, 30))
COUNTS = COUNT_COLUMNS
TLU = " + ".join(f"{factor} * {s}" for s, factor in TLU_FACTORS.items())
ANIMALS = " + ".join(SPECIES)
_SUMS = ", ".join([*(f"sum({c}) AS {c}" for c in COUNTS), "count(*) AS observations", f"sum({TLU}) AS tlu"])
# The same figures the API gives: per month and movement, sums per species and herders, TLU.
SERIES_SQL = (f"SELECT date_trunc('month', observed_at) AS month, movement, {_SUMS} FROM observations "
              "WHERE corridor_id = $cid AND observed_at >= $first AND observed_at < $end "
              "GROUP BY 1, 2 ORDER BY 1, 2")
RANKING_SQL = (f"SELECT corridor_id, sum({ANIMALS}) AS animals, {_SUMS} FROM observations "
               "WHERE corridor_id IS NOT NULL AND observed_at >= $first AND observed_at < $end "
               "GROUP BY 1 ORDER BY animals DESC")


def _pg(sql: str) -> str:
    return sql.replace("$cid", "%(cid)s").replace("$first", "%(first)s").replace("$end", "%(end)s")


def _duck(sql: str) -> str:
    """DuckDB holds the UTC instants as TIMESTAMP (its TIMESTAMPTZ needs pytz in Python)."""
    return sql.replace("$first", "CAST($first AS TIMESTAMP)").replace("$end", "CAST($end AS TIMESTAMP)")


def _duckdb_copy(url: str, workdir: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB table holding the same rows as ``observations`` (not timed)."""
    csv = workdir / "observations.csv"
    cols = ", ".join(["observed_at AT TIME ZONE 'UTC'", "corridor_id", "flow_point_id", "movement", *COUNTS])
    with connect(url) as conn, csv.open("wb") as f, conn.cursor() as cur, \
            cur.copy(f"COPY (SELECT {cols} FROM observations) TO STDOUT WITH (FORMAT csv)") as cp:
        for chunk in cp:
            f.write(chunk)
    con = duckdb.connect()
    con.execute(f"CREATE TABLE observations AS SELECT * FROM read_csv('{csv}', header = false, "
                "columns = {'observed_at': 'TIMESTAMP', 'corridor_id': 'INTEGER', 'flow_point_id': 'INTEGER', "
                "'movement': 'VARCHAR', " + ", ".join(f"'{c}': 'INTEGER'" for c in COUNTS) + "})")
    csv.unlink()
    return con


def _timed(fn, calls: list) -> list[float]:
    out = []
    for args in calls:
        t = time.perf_counter()
        fn(*args)
        out.append(time.perf_counter() - t)
    return out


def run(ctx: Context, total: int) -> list[Result]:
    first, last = SEASON
    n, refs = ctx.sizes.stats_requests, ctx.sizes.stats_reference_runs
    rng = random.Random(ctx.seed)
    codes = [rng.randrange(len(ctx.net.corridor_codes)) for _ in range(n)]
    headers = {"Authorization": f"Bearer {ctx.tokens['analyst']}"}
    params = {"from": first.isoformat(), "to": last.isoformat()}
    series_calls = [(ctx.net.corridor_codes[c],) for c in codes]
    ranking_calls = [()] * n

    with httpx.Client(base_url=ctx.api.url, headers=headers, timeout=120) as client:
        def series(code: str) -> None:
            r = client.get(f"/api/v1/stats/corridors/{code}", params={**params, "interval": "month"})
            if r.status_code != 200:
                raise RuntimeError(f"series answered {r.status_code}: {r.text[:300]}")

        def ranking() -> None:
            r = client.get("/api/v1/stats/corridors", params={**params, "by": "animals", "limit": 500})
            if r.status_code != 200:
                raise RuntimeError(f"ranking answered {r.status_code}: {r.text[:300]}")

        _timed(series, series_calls[:3])  # warm-up: imports, pools, plans
        _timed(ranking, [()] * 3)
        api_series = _timed(series, series_calls)
        api_ranking = _timed(ranking, ranking_calls)
    ctx.api.sample_peak()

    bounds = {"first": f"{first.isoformat()}T00:00:00+00:00", "end": f"{_next(last)}T00:00:00+00:00"}
    with connect(ctx.url) as conn:
        def pg_series(code: str) -> None:
            conn.execute(_pg(SERIES_SQL), {**bounds, "cid": ctx.corridor_ids[ctx.net.corridor_codes.index(code)]}).fetchall()

        def pg_ranking() -> None:
            conn.execute(_pg(RANKING_SQL), bounds).fetchall()

        _timed(pg_series, series_calls[:3])
        pg_s = _timed(pg_series, series_calls[:refs])
        pg_r = _timed(pg_ranking, ranking_calls[:refs])

    naive = {k: v.removesuffix("+00:00") for k, v in bounds.items()}
    with tempfile.TemporaryDirectory(prefix="ttt-bench-") as tmp:
        duck = _duckdb_copy(ctx.url, Path(tmp))
        try:
            def dk_series(code: str) -> None:
                duck.execute(_duck(SERIES_SQL), {**naive, "cid": ctx.corridor_ids[ctx.net.corridor_codes.index(code)]}).fetchall()

            def dk_ranking() -> None:
                duck.execute(_duck(RANKING_SQL), naive).fetchall()

            _timed(dk_series, series_calls[:3])
            dk_s = _timed(dk_series, series_calls[:refs])
            dk_r = _timed(dk_ranking, ranking_calls[:refs])
        finally:
            duck.close()

    results = []
    for what, api, pg, dk in (("corridor monthly series", api_series, pg_s, dk_s),
                              ("corridor ranking", api_ranking, pg_r, dk_r)):
        a50, a95 = percentiles(api)
        p50, p95 = percentiles(pg)
        d50, d95 = percentiles(dk)
        results.append(Result(
            SECTION, f"{what}, p95 at {total / 1e6:g}M obs ({n} requests, one season)", a95, "ms", 50.0, False,
            f"DuckDB p95 {d95:.1f} ms; PG GROUP BY p95 {p95:.1f} ms",
            f"{a95 / d95:.1f}× DuckDB, {a95 / p95:.2f}× GROUP BY",
            note=f"p50: API {a50:.1f} ms, DuckDB {d50:.1f} ms, PostgreSQL GROUP BY on raw rows {p50:.1f} ms "
                 f"(references: {refs} runs each)"))
    return results


def _next(d: date) -> str:
    return date.fromordinal(d.toordinal() + 1).isoformat()
