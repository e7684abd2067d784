"""Reads on a streaming replica: a throw-away primary cluster (``tests.faults.harness``) with a
season of counts, a throw-away hot standby made from it (``pg_basebackup -R``), and the same
statistics reads (a corridor's monthly series) timed while a client keeps uploading
observations, once with the API reading on the standby (``TTT_DATABASE_READ_URL``) and once
primary-only. Both clusters run on this machine, so the figure shows what moving the reads
off the primary's connections costs or saves here, not a second machine's worth of CPU.
"""

from __future__ import annotations

import random
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import httpx

from bench import database, generate
from bench.processes import Api, service_env
from bench.report import Result, percentiles

SECTION = "Read replica"
DB = "ttt_bench_replica"
SEASON = date(2025, 10, 1)
PARAMS = {"from": "2025-10-01", "to": "2026-09-30", "interval": "month"}


def _writer(api: Api, token: str, records: list[dict], stop: threading.Event, sent: list[int]) -> None:
    """Uploads batches of 200 observations until told to stop (each record once)."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=api.url, headers=headers, timeout=120) as client:
        for i in range(0, len(records), 200):
            if stop.is_set():
                return
            r = client.post("/api/v1/observations", json={"observations": records[i:i + 200]})
            if r.status_code != 200:
                raise RuntimeError(f"upload answered {r.status_code}: {r.text[:300]}")
            sent[0] += r.json()["accepted"]


def _reads(api: Api, reader: str, uploader: str, codes: list[str], records: list[dict]) -> tuple[float, float, int]:
    """(p50, p95 ms of the reads, observations uploaded meanwhile)."""
    headers = {"Authorization": f"Bearer {reader}"}
    stop, sent = threading.Event(), [0]
    writer = threading.Thread(target=_writer, args=(api, uploader, records, stop, sent), daemon=True)
    samples = []
    with httpx.Client(base_url=api.url, headers=headers, timeout=120) as client:
        for code in codes[:3]:  # warm-up: imports, pools, plans
            client.get(f"/api/v1/stats/corridors/{code}", params=PARAMS).raise_for_status()
        writer.start()
        try:
            for code in codes:
                t = time.perf_counter()
                client.get(f"/api/v1/stats/corridors/{code}", params=PARAMS).raise_for_status()
                samples.append(time.perf_counter() - t)
        finally:
            stop.set()
            writer.join(120)
    p50, p95 = percentiles(samples)
    return p50, p95, sent[0]


def _wait_for_standby(api: Api, timeout: float = 60.0) -> None:
    deadline, state = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        state = httpx.get(api.url + "/health", timeout=5).json().get("replica", {}).get("state")
        if state == "ok":
            return
        time.sleep(0.5)
    raise RuntimeError(f"the API does not read on the standby (replica state {state!r})")


def run(quick: bool, seed: int = 20251001) -> list[Result]:
    """For ``bench.run``: runs on clusters of its own (the bench database is left alone)."""
    from tests.faults.harness import PgCluster, why_no_cluster

    reason = why_no_cluster()
    if reason:
        raise RuntimeError(f"no throw-away PostgreSQL cluster possible here: {reason}")
    rows, n_reads, n_fp = (60_000, 40, 50) if quick else (1_000_000, 100, 500)
    logdir = Path(tempfile.mkdtemp(prefix="ttt-bench-replica-"))
    primary, standby = PgCluster(), None
    try:
        primary.start()
        url = primary.url(DB)
        database.point_settings_at(url)
        database.recreate(url)
        net = generate.network(seed, n_fp)
        fp_ids, corridor_ids = database.load_network(url, net)
        enum_id, enum_token = database.create_user("enumerator", "bench-replica-enumerator")
        _, analyst = database.create_user("analyst", "bench-replica-analyst")
        database.bulk_load(url, net, [generate.season_observations(net, seed, SEASON, rows)], fp_ids, corridor_ids,
                           enum_id)
        standby = PgCluster(standby_of=primary)
        standby.start()
        rng = random.Random(seed)
        codes = [net.corridor_codes[rng.randrange(len(net.corridor_codes))] for _ in range(n_reads)]
        uploads = generate.records(net, generate.season_observations(net, seed + 1, SEASON, 20_000 if quick else 100_000))
        figures = {}
        for name, extra in (("primary", {}), ("replica", {"TTT_DATABASE_READ_URL": standby.url(DB)})):
            half = uploads[:len(uploads) // 2] if name == "primary" else uploads[len(uploads) // 2:]
            with Api(service_env(extra), logdir / f"api-{name}.log") as api:
                if extra:  # the standby must be serving reads, or the figure would be the primary's again
                    _wait_for_standby(api)
                figures[name] = _reads(api, analyst, enum_token, codes, half)
    finally:
        if standby is not None:
            standby.destroy()
        primary.destroy()
    (p50, p95, _), (r50, r95, sent) = figures["primary"], figures["replica"]
    return [Result(
        SECTION, f"corridor monthly series during uploads, p95 of {n_reads} (reads on the standby)", r95, "ms",
        None, False, f"primary-only: p95 {p95:.1f} ms, p50 {p50:.1f} ms", f"{r95 / p95:.2f} of primary-only",
        note=f"{rows:,} observations, {n_fp} flow points; p50 on the standby {r50:.1f} ms; {sent:,} observations "
             f"uploaded during the standby's reads; both clusters on this machine")]
