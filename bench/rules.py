"""Rules: a backtest of the whole current season (``alerts.runner.engine.backtest``: load, evaluate
every rule, merge into alerts) and the incremental runner (``alerts.runner.engine.run_queue``) on a
fresh batch of ``incremental_batch`` observations, as the scheduler runs it after an upload.

Both are called in-process with the shipped rule set, like ``ttt rules backtest`` and the
scheduler call them. The incremental batches are ingested through the real ingestion
service first (not timed), one batch per day after the loaded season.
"""

from __future__ import annotations

import gc
import time
from datetime import UTC, date, datetime, timedelta

from bench.context import Context
from bench.generate import records, season_observations
from bench.report import Result, percentiles
from ttt.runtime import tune_gc

SECTION = "Rules"
SEASON = (date(2025, 10, 1), date(2026, 9, 30))


def run(ctx: Context) -> list[Result]:
    from alerts.runner.engine import active_rules, backtest
    from ttt.db import session_scope

    rules = active_rules()
    profile = ctx.extra.get("profile")
    with session_scope() as s:
        if profile:
            profile.start()
        t = time.perf_counter()
        report = backtest(s, SEASON[0], SEASON[1], rules)
        backtest_s = time.perf_counter() - t
        if profile:
            profile.stop()
            ctx.extra["profile_backtest"] = profile.output_text(show_all=False)
            profile.reset()

    # the scheduler process runs the incremental runner with its collector tuned (ttt.runtime);
    # undone afterwards, so the rest of the bench (and its exit) runs as before
    thresholds = gc.get_threshold()
    tune_gc()
    try:
        timings, alerts = _incremental(ctx, rules)
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
    p50, p95 = percentiles(timings)
    n = report["observations"]
    return [
        Result(SECTION, f"backtest of one season ({n:,} obs, {ctx.sizes.flow_points} flow points)",
               backtest_s, "s", 10.0, False, f"{len(rules.rules)} rules",
               note=f"{report['findings']} findings merged into {len(report['alerts'])} alerts"),
        Result(SECTION, f"incremental run on a {ctx.sizes.incremental_batch:,}-observation batch, p95 of {len(timings)}",
               p95, "ms",
               200.0, False, f"p50 {p50:.0f} ms",
               note=f"{alerts} alerts created or updated over {len(timings)} batches"),
    ]


def _incremental(ctx: Context, rules) -> tuple[list[float], int]:
    """Seconds of each ``run_queue`` on a fresh batch, and the alerts it created or updated."""
    from alerts.runner.engine import run_queue
    from corridors.observations import service as ingest
    from ttt.db import session_scope
    from ttt.users import Principal

    enumerator = Principal(ctx.user_ids["enumerator"], "bench-enumerator", "enumerator", ())
    size = ctx.sizes.incremental_batch
    timings, alerts = [], 0
    for k in range(ctx.sizes.incremental_runs):
        day = SEASON[1] + timedelta(days=1 + k)
        batch = season_observations(ctx.net, ctx.seed + 100 + k, SEASON[0], size, day_range=(day, day))
        with session_scope() as s:
            ingest.ingest(s, records(ctx.net, batch), source="api", enumerator=enumerator)
        now = datetime(day.year, day.month, day.day, 23, 59, tzinfo=UTC)
        with session_scope() as s:
            t = time.perf_counter()
            result = run_queue(s, rules, now=now)
            s.commit()
            timings.append(time.perf_counter() - t)
            alerts += len(result.created) + len(result.updated)
            if result.observations != size:
                raise RuntimeError(f"the runner evaluated {result.observations} of {size} queued observations")
    return timings, alerts
