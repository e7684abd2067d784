"""OGC API paging over the whole observations table (every season loaded): the first and the
last page of ``/ogc/collections/observations/items`` at ``limit=1000`` (the last reached by
its cursor, as a client following ``next`` links gets there; and by ``offset``, the old
way), and the read rate of a client walking the ``next`` links, beside PostgreSQL
``COPY ... TO`` of the same rows (the same columns, in the same id order).
"""

from __future__ import annotations

import time

import httpx

from bench.context import Context
from bench.database import connect
from bench.report import Result, percentiles
from corridors.geodata.ogc_core import encode_cursor

SECTION = "OGC API"
ITEMS = "/ogc/collections/observations/items"
PAGE = 5000
RUNS = 5
COPY_SQL = (
    "COPY (SELECT o.id, ST_AsGeoJSON(o.geom, 7), o.observed_at, f.code, c.code, o.movement, o.flow_type, o.cattle, "
    "o.sheep, o.goats, o.camels, o.donkeys, o.horses, o.other, o.off_corridor, o.adm2_pcode, o.source, o.km_along "
    "FROM observations o LEFT JOIN flow_points f ON f.id = o.flow_point_id LEFT JOIN corridors c ON c.id = o.corridor_id "
    "ORDER BY o.id LIMIT {n}) TO STDOUT"
)


def _timed(client: httpx.Client, url: str) -> tuple[float, dict]:
    t = time.perf_counter()
    r = client.get(url)
    r.raise_for_status()
    return time.perf_counter() - t, r.json()


def run(ctx: Context) -> list[Result]:
    with connect(ctx.url) as conn:
        total = conn.execute("SELECT count(*) FROM observations").fetchone()[0]
        last_after = conn.execute("SELECT id FROM observations ORDER BY id OFFSET %s LIMIT 1",
                                  (max(0, total - PAGE - 1),)).fetchone()[0]
    walk = min(total, 20 * PAGE if ctx.sizes.name == "quick" else 200 * PAGE)
    headers = {"Authorization": f"Bearer {ctx.tokens['analyst']}"}
    with httpx.Client(base_url=ctx.api.url, headers=headers, timeout=600) as client:
        _timed(client, f"{ITEMS}?limit={PAGE}")  # warm up
        first = [_timed(client, f"{ITEMS}?limit={PAGE}")[0] for _ in range(RUNS)]
        last = [_timed(client, f"{ITEMS}?limit={PAGE}&cursor={encode_cursor(last_after)}")[0] for _ in range(RUNS)]
        by_offset = [_timed(client, f"{ITEMS}?limit={PAGE}&offset={total - PAGE}")[0] for _ in range(2)]
        got, url, t = 0, f"{ITEMS}?limit={PAGE}", time.perf_counter()
        while url and got < walk:
            _, doc = _timed(client, url)
            got += doc["numberReturned"]
            url = next((link["href"] for link in doc["links"] if link["rel"] == "next"), None)
        api_rate = got / (time.perf_counter() - t)
    with connect(ctx.url) as conn, conn.cursor() as cur:
        t = time.perf_counter()
        rows = 0
        with cur.copy(COPY_SQL.format(n=got)) as copy:
            for _ in copy.rows():
                rows += 1
        copy_rate = rows / (time.perf_counter() - t)
    f50, _ = percentiles(first)
    l50, _ = percentiles(last)
    o50, _ = percentiles(by_offset)
    return [
        Result(SECTION, f"last page / first page of {total:,} observations, limit {PAGE} (cursor)", l50 / f50, "x",
               1.5, False, f"OFFSET paging: last page p50 {o50:.0f} ms ({o50 / f50:.1f}x the first)",
               f"{l50 / o50:.2f} of OFFSET's last page",
               note=f"by cursor: first page p50 {f50:.0f} ms, last page p50 {l50:.0f} ms"),
        Result(SECTION, f"read rate following next links ({got:,} features, limit {PAGE})", api_rate, "features/s",
               20_000, True, f"COPY ... TO of the same rows: {copy_rate:,.0f} rows/s",
               f"{api_rate / copy_rate:.2f} of COPY"),
    ]
