"""Alert latency with default settings: one herd far above any baseline is submitted over
HTTP at a different flow point every few seconds; the ``ttt scheduler`` process (its own
process, default evaluate and dispatch intervals) turns it into an alert row and emails it
to a local aiosmtpd server. Measured per submission: submission -> alert row
(``alerts.created_at``) and submission -> email received, p50/p95.

Submission times are spread at seeded random offsets over ``alert_spread_s`` so they fall
at every phase of the scheduler's timers, as real uploads do.

Run twice: as shipped (LISTEN/NOTIFY wake-ups, polling as the safety net), then the polling
baseline, the same scheduler with the notify triggers of migration 0015 disabled.
"""

from __future__ import annotations

import email
import email.policy
import json
import random
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from aiosmtpd.controller import Controller

from bench.context import Context
from bench.database import connect
from bench.generate import COMPASS
from bench.processes import Scheduler, free_port, service_env
from bench.report import Result, percentiles

SECTION = "Alert latency"
HERD = 20_000  # cattle: far above the 2,000 floor and any baseline of the generated history


class Inbox:
    """An SMTP sink that remembers when each message arrived and which alerts it carries."""

    def __init__(self) -> None:
        self.received: list[tuple[float, list[int]]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        at = time.time()
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        ids = [int(x) for x in str(msg.get("X-TTT-Alert-Ids", "")).split(",") if x.strip().isdigit()]
        with self.lock:
            self.received.append((at, ids))
        return "250 OK"


def _submission(ctx: Context, fp: int, rng: random.Random) -> dict:
    net = ctx.net
    north, south = net.corridor_end_pcodes()
    c = int(net.fp_corridor[fp])
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "flow_point": net.fp_codes[fp],
        "observed_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(timespec="seconds"),
        "location": {"lon": float(net.fp_lon[fp]), "lat": float(net.fp_lat[fp])},
        "direction": COMPASS[int((net.fp_bearing[fp] % 360 + 11.25) // 22.5) % 16],
        "counts": {"cattle": HERD}, "herders": {"men": 12, "boys": 6},
        "origin": north[c], "destination": south[c], "flow_type": "transit", "reason": "pasture",
    }


def _watch_rows(url: str, sent: dict[str, float], created: dict[str, float], stop: threading.Event) -> None:
    """Note when each submission's alert row becomes visible to readers (its commit), from the
    first upload on; ``created_at`` would say when the evaluation run started instead."""
    with connect(url) as conn:
        while not stop.is_set():
            codes = list(sent)
            if codes:
                seen_at = time.time()
                for (fp,) in conn.execute("SELECT DISTINCT flow_point_code FROM alerts WHERE type = 'mass' "
                                          "AND flow_point_code = ANY(%s)", (codes,)):
                    created.setdefault(fp, seen_at)
            stop.wait(0.25)


NOTIFY_TRIGGERS = (("rule_queue", "ttt_notify_rule_queue"), ("deliveries", "ttt_notify_deliveries"))


def _wakeups(url: str, on: bool) -> None:
    with connect(url) as conn:
        for table, trigger in NOTIFY_TRIGGERS:
            conn.execute(f"ALTER TABLE {table} {'ENABLE' if on else 'DISABLE'} TRIGGER {trigger}")


def run(ctx: Context) -> list[Result]:
    rng = random.Random(ctx.seed)
    woken = _measure(ctx, rng)
    _wakeups(ctx.url, False)
    try:
        polled = _measure(ctx, rng, profile=False)
    finally:
        _wakeups(ctx.url, True)
    (m50, m95, r50, r95, sent, missing), (b50, b95, _, _, _, _) = woken, polled
    return [Result(
        SECTION, f"submission -> email received, p95 of {sent} alerts", m95 / 1000, "s", 3.0, False,
        f"polling only (notify triggers off): p95 {b95 / 1000:.1f} s; alert row visible p95 {r95 / 1000:.1f} s",
        f"{m95 / b95:.2f} of polling" if b95 else "",
        note=(f"default intervals (evaluate 15 s, dispatch 5 s) with LISTEN/NOTIFY wake-ups: p50 {m50 / 1000:.1f} s "
              f"to email, {r50 / 1000:.1f} s to row; polling only p50 {b50 / 1000:.1f} s"
              + (f"; {missing} of {sent} submissions got no email within {ctx.sizes.alert_wait_s:.0f} s "
                 "(counted as the time waited)" if missing else "")))]


def _measure(ctx: Context, rng: random.Random, profile: bool = True) -> tuple:
    """(p50, p95 to email, p50, p95 to row, submissions, never emailed) of one run, in ms."""
    n, spread = ctx.sizes.alerts, ctx.sizes.alert_spread_s
    with connect(ctx.url) as conn:
        conn.execute("TRUNCATE delivery_attempts, deliveries, alerts, rule_queue RESTART IDENTITY CASCADE")
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    admin = {"Authorization": f"Bearer {ctx.tokens['admin']}"}
    enumerator = {"Authorization": f"Bearer {ctx.tokens['enumerator']}"}
    scheduler = Scheduler(service_env({"TTT_SMTP_HOST": "127.0.0.1", "TTT_SMTP_PORT": str(smtp.port)}),
                          ctx.logdir / "scheduler.log")
    step = max(1, ctx.net.n_flow_points // n)
    points = [(k * step + rng.randrange(step)) % ctx.net.n_flow_points for k in range(n)]
    offsets = sorted(rng.uniform(0, spread) for _ in range(n))
    sent: dict[str, float] = {}
    emailed: dict[str, float] = {}
    created: dict[str, float] = {}
    stop = threading.Event()
    spy = None
    try:
        with httpx.Client(base_url=ctx.api.url, timeout=60) as client:
            r = client.post("/api/v1/subscriptions", headers=admin, json={
                "name": "bench inbox", "channel": "email", "address": "bench@example.org", "language": "en",
                "alert_types": ["mass"], "mode": "immediate"})
            if r.status_code != 201:
                raise RuntimeError(f"creating the subscription answered {r.status_code}: {r.text[:300]}")
            scheduler.start()
            if ctx.extra.get("profile") and profile:
                from bench.profiling import PySpy

                spy = PySpy(scheduler.pid, ctx.logdir / "profile-scheduler.collapsed").__enter__()
            time.sleep(4)  # the scheduler takes its leader lock at start; uploads begin after
            watcher = threading.Thread(target=_watch_rows, args=(ctx.url, sent, created, stop), daemon=True)
            watcher.start()
            t0 = time.time()
            for off, fp in zip(offsets, points, strict=True):
                time.sleep(max(0.0, t0 + off - time.time()))
                body = json.dumps({"observations": [_submission(ctx, fp, rng)]})
                at = time.time()
                r = client.post("/api/v1/observations", headers={**enumerator, "Content-Type": "application/json"},
                                content=body)
                if r.status_code != 200 or r.json()["accepted"] != 1:
                    raise RuntimeError(f"submission answered {r.status_code}: {r.text[:300]}")
                sent[ctx.net.fp_codes[fp]] = at
        deadline = time.time() + ctx.sizes.alert_wait_s
        while time.time() < deadline and len(emailed) < len(sent):
            time.sleep(0.25)
            scheduler.sample_peak()
            if not scheduler.alive():
                raise RuntimeError(f"the scheduler exited:\n{scheduler.tail()}")
            with inbox.lock:
                mails = list(inbox.received)
            ids = sorted({i for _, got in mails for i in got})
            if not ids:
                continue
            with connect(ctx.url) as conn:
                rows = conn.execute("SELECT id, flow_point_code FROM alerts WHERE id = ANY(%s) AND type = 'mass'",
                                    (ids,)).fetchall()
            fp_of = {r[0]: r[1] for r in rows}
            for at, got in mails:
                for i in got:
                    fp = fp_of.get(i)
                    if fp in sent and fp not in emailed:
                        emailed[fp] = at
    finally:
        stop.set()
        if spy is not None:
            spy.__exit__(None, None, None)
            from bench.profiling import summarise

            out = ctx.logdir / "profile-scheduler.collapsed"
            if out.exists():
                ctx.extra["profile_scheduler"] = summarise(out)
                (ctx.logdir / "profile-scheduler.txt").write_text(ctx.extra["profile_scheduler"])
        scheduler.stop()
        smtp.stop()
    ctx.extra["scheduler_peak_mb"] = max(ctx.extra.get("scheduler_peak_mb") or 0.0, scheduler.peak_mb or 0.0) or None
    if not emailed:
        raise RuntimeError(f"no alert email arrived within {ctx.sizes.alert_wait_s:.0f} s of the last submission; "
                           f"scheduler log:\n"
                           f"{scheduler.tail()}")
    ended = time.time()
    # a submission never emailed counts with the time waited so far (a lower bound)
    to_mail = [emailed.get(fp, ended) - sent[fp] for fp in sent]
    to_row = [created[fp] - sent[fp] for fp in created]
    m50, m95 = percentiles(to_mail)
    r50, r95 = percentiles(to_row) if to_row else (float("nan"), float("nan"))
    return m50, m95, r50, r95, len(sent), len(sent) - len(emailed)
