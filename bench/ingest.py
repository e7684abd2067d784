"""Ingestion: observations per second through ``POST /api/v1/observations`` (real HTTP to
uvicorn, validation, placement on the network, insert, rules queue, rollup trigger) against
a raw psycopg ``COPY`` of the same rows into the same table, on the same empty table.

Request bodies are encoded before the clock starts so the client's JSON work is not
counted; several requests are kept in flight, as many field phones syncing at once would.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import httpx

from bench.context import Context
from bench.database import connect, copy_observations, empty_data
from bench.generate import copy_rows, records, season_observations
from bench.report import Result, percentiles

SECTION = "Ingestion"


def _count(url: str) -> int:
    with connect(url) as conn:
        return conn.execute("SELECT count(*) FROM observations").fetchone()[0]


def run(ctx: Context) -> list[Result]:
    n, batch, inflight = ctx.sizes.ingest_total, ctx.sizes.ingest_batch, ctx.sizes.ingest_inflight
    obs = season_observations(ctx.net, ctx.seed, date(2024, 10, 1), n)
    recs = records(ctx.net, obs)
    bodies = [json.dumps({"observations": recs[i:i + batch]}).encode() for i in range(0, n, batch)]
    headers = {"Authorization": f"Bearer {ctx.tokens['enumerator']}", "Content-Type": "application/json"}
    empty_data(ctx.url)

    def post(body: bytes, client: httpx.Client) -> tuple[float, int]:
        t = time.perf_counter()
        r = client.post(ctx.api.url + "/api/v1/observations", content=body, headers=headers)
        took = time.perf_counter() - t
        if r.status_code != 200:
            raise RuntimeError(f"ingest answered {r.status_code}: {r.text[:500]}")
        return took, r.json()["accepted"]

    clients = [httpx.Client(timeout=300) for _ in range(inflight)]
    try:
        # one small warm-up request (imports, network index, pools) on rows not measured
        warm = season_observations(ctx.net, ctx.seed + 1, date(2023, 10, 1), 50)
        clients[0].post(ctx.api.url + "/api/v1/observations", headers=headers,
                        content=json.dumps({"observations": records(ctx.net, warm)}).encode())
        empty_data(ctx.url)
        started = time.perf_counter()
        with ThreadPoolExecutor(inflight) as pool:
            futures = [pool.submit(post, b, clients[k % inflight]) for k, b in enumerate(bodies)]
            outcomes = [f.result() for f in futures]
        api_s = time.perf_counter() - started
    finally:
        for c in clients:
            c.close()
    ctx.api.sample_peak()
    accepted = sum(a for _, a in outcomes)
    stored = _count(ctx.url)
    p50, p95 = percentiles([t for t, _ in outcomes])

    empty_data(ctx.url)
    rows = list(copy_rows(ctx.net, obs, ctx.fp_ids, ctx.corridor_ids, ctx.user_ids["enumerator"],
                          datetime.now(UTC)))
    copied, copy_s = copy_observations(ctx.url, rows, chunk=batch)
    copy_rate = copied / copy_s
    empty_data(ctx.url)

    api_rate = accepted / api_s
    problems = "" if accepted == n == stored else f"; accepted {accepted} and stored {stored} of {n}"
    return [
        Result(SECTION, f"POST /api/v1/observations, {n:,} obs in batches of {batch:,}, {inflight} in flight",
               api_rate, "obs/s", 20_000, True, f"raw COPY: {copy_rate:,.0f} obs/s",
               f"{api_rate / copy_rate:.2f} of COPY (target ≥ 0.3)",
               note=f"per-request latency p50 {p50:.0f} ms, p95 {p95:.0f} ms{problems}"),
        Result(SECTION, "share of COPY speed", api_rate / copy_rate, "", 0.3, True,
               f"COPY of the same {copied:,} rows, {batch:,} per statement"),
    ]
