"""``python -m bench.run [--quick]``: every measurement in one run, one table, README updated.

Order matters and is chosen so each step reuses the data of the one before: ingestion on an
empty table; then one season (``stats_small`` rows) loaded with COPY for statistics and the
rules; then earlier seasons added up to ``stats_large`` rows for statistics again; alert
latency, against the full history; routing last, as it replaces the network; the read
replica after it, on throw-away clusters of its own. A measurement
that fails is reported as such (with its error) and the others still run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from rich.console import Console

from bench import database, generate
from bench.context import FULL, QUICK, Context
from bench.processes import Api, service_env
from bench.report import Result, machine, print_table, write_readme

console = Console(width=max(160, Console().width))
ALL_SECTIONS = "ingest,stats,rules,ogc,alerts,routing,replica"
HISTORY_SEASONS = [date(2021, 10, 1), date(2022, 10, 1), date(2023, 10, 1), date(2024, 10, 1)]
CURRENT_SEASON = date(2025, 10, 1)


def _step(results: list[Result], section: str, fn, *args) -> None:
    console.rule(f"[bold]{section}")
    t = time.perf_counter()
    try:
        out = fn(*args)
        results.extend(out)
        for r in out:
            console.print(f"  {r.what}: [bold]{r.figure_text()}[/] {r.reference}")
    except Exception as exc:  # one broken measurement must not hide the others
        console.print(f"[red]{section} failed:[/] {exc}")
        console.print(traceback.format_exc(), markup=False, highlight=False)
        results.append(Result(section, "measurement failed", None, "", note=f"{type(exc).__name__}: {exc}"[:300]))
    console.print(f"  [dim]{section}: {time.perf_counter() - t:.1f} s[/]")


def _load(ctx: Context, seasons: list[date], total: int) -> None:
    per = total // len(seasons)
    sizes = [per] * (len(seasons) - 1) + [total - per * (len(seasons) - 1)]
    batches = [generate.season_observations(ctx.net, ctx.seed, start, n) for start, n in zip(seasons, sizes, strict=True)]
    rows, secs = database.bulk_load(ctx.url, ctx.net, batches, ctx.fp_ids, ctx.corridor_ids, ctx.user_ids["enumerator"])
    names = ", ".join(f"{s.year}-{(s.year + 1) % 100:02d}" for s in seasons)
    console.print(f"  [dim]loaded {rows:,} rows (season {names}) in {secs:.1f} s[/]")


@contextmanager
def _spy(ctx: Context, name: str, enabled: bool):
    """py-spy on the API process during one step, summary printed and saved (``--profile``)."""
    if not enabled:
        yield
        return
    from bench.profiling import PySpy, summarise

    out = ctx.logdir / f"profile-{name}.collapsed"
    with PySpy(ctx.api.pid, out):
        yield
    if out.exists():
        text = summarise(out)
        (ctx.logdir / f"profile-{name}.txt").write_text(text)
        console.print(f"[bold]API profile during {name}[/] (py-spy):")
        console.print(text, markup=False, highlight=False)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, under two minutes")
    ap.add_argument("--seed", type=int, default=20251001)
    ap.add_argument("--only", default=ALL_SECTIONS, help="comma-separated sections to run")
    ap.add_argument("--no-readme", action="store_true", help="print only; leave README.md alone")
    ap.add_argument("--profile", action="store_true",
                    help="sample the API with py-spy during ingestion and statistics, the rules with "
                         "pyinstrument; summaries printed and saved next to the logs")
    args = ap.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    only = set(args.only.split(","))
    started = time.perf_counter()

    url = database.bench_url()
    database.point_settings_at(url)
    console.print(f"[bold]ttt bench[/] ({sizes.name}) on {url.rsplit('@', 1)[-1]}")
    console.print(f"  [dim]database dropped, created and migrated in {database.recreate(url):.1f} s[/]")
    net = generate.network(args.seed, sizes.flow_points)
    fp_ids, corridor_ids = database.load_network(url, net)
    user_ids, tokens = {}, {}
    for role in ("enumerator", "analyst", "admin"):
        user_ids[role], tokens[role] = database.create_user(role, f"bench-{role}")
    logdir = Path(tempfile.mkdtemp(prefix="ttt-bench-logs-"))
    api = Api(service_env(), logdir / "api.log")
    results: list[Result] = []
    with api:
        ctx = Context(url, args.seed, sizes, net, fp_ids, corridor_ids, api, tokens, user_ids, logdir)
        if args.profile:
            from pyinstrument import Profiler
            ctx.extra["profile"] = Profiler(interval=0.002)
        if "ingest" in only:
            from bench import ingest
            with _spy(ctx, "ingest", args.profile):
                _step(results, "Ingestion", ingest.run, ctx)
        database.empty_data(url)
        if only & {"stats", "rules", "ogc", "alerts"}:
            _load(ctx, [CURRENT_SEASON], sizes.stats_small)
        if "stats" in only:
            from bench import stats
            with _spy(ctx, "stats-small", args.profile):
                _step(results, "Statistics", stats.run, ctx, sizes.stats_small)
        if "rules" in only:
            from bench import rules
            _step(results, "Rules", rules.run, ctx)
        if only & {"stats", "ogc", "alerts"}:
            _load(ctx, HISTORY_SEASONS, sizes.stats_large - sizes.stats_small)
        if "stats" in only:
            from bench import stats
            with _spy(ctx, "stats-large", args.profile):
                _step(results, "Statistics", stats.run, ctx, sizes.stats_large)
        if "ogc" in only:
            from bench import ogc
            _step(results, "OGC API", ogc.run, ctx)
        if "alerts" in only:
            from bench import alert_latency
            _step(results, "Alert latency", alert_latency.run, ctx)
        api.sample_peak()
    if "routing" in only:  # last: it replaces the corridors and flow points of the bench database
        from bench import routing
        _step(results, "Routing", routing.run, args.quick)
    if "replica" in only:  # on throw-away clusters of its own: the bench database is left alone
        from bench import replica
        _step(results, "Read replica", replica.run, args.quick, args.seed)
    partial = only != set(ALL_SECTIONS.split(","))
    results.append(Result("Memory", "peak RSS of the API process (ttt serve)", api.peak_mb, "MB", 300.0, False,
                          note="VmHWM from /proc: the high-water mark over the whole run"))
    if ctx.extra.get("scheduler_peak_mb") is not None or "alerts" in only:
        results.append(Result("Memory", "peak RSS of the scheduler process (ttt scheduler)",
                              ctx.extra.get("scheduler_peak_mb"), "MB", 300.0, False,
                              note="during the alert-latency run, over 5 seasons of history"
                              if not args.quick else "during the alert-latency run"))

    if ctx.extra.get("profile_backtest"):
        (logdir / "profile-backtest.txt").write_text(ctx.extra["profile_backtest"])
        console.print("[bold]backtest profile[/] (pyinstrument):", markup=True)
        console.print(ctx.extra["profile_backtest"][:4000], markup=False, highlight=False)
    if ctx.extra.get("profile_scheduler"):
        console.print("[bold]scheduler profile during the alert-latency run[/] (py-spy):")
        console.print(ctx.extra["profile_scheduler"], markup=False, highlight=False)
    pg, postgis = database.server_versions(url)
    machine_text = machine(pg, postgis)
    parts = []
    if only - {"routing", "replica"}:
        parts.append(f"{sizes.flow_points} flow points, ingestion {sizes.ingest_total:,} obs, statistics at "
                     f"{sizes.stats_small:,} and {sizes.stats_large:,} obs, {sizes.alerts} alerts, seed {args.seed}")
    if "routing" in only:
        from bench.routing import FULL_SIZES, QUICK_SIZES
        grids = "/".join(str(2 * n) for n in (QUICK_SIZES if args.quick else FULL_SIZES))
        parts.append(f"routing grids of {grids} corridors, 10 routes each")
    if "replica" in only:
        parts.append(f"read replica: {'60,000' if args.quick else '1,000,000'} obs on a throw-away primary and standby")
    size_text = ", ".join(parts)
    title = f"ttt bench ({sizes.name}) - {machine_text}"
    console.print()
    print_table(results, title, console)
    console.print(f"[dim]logs: {logdir}; total {time.perf_counter() - started:.0f} s[/]")
    if not args.no_readme:
        if partial:  # only the sections run replace theirs in the README table; the others keep their run
            ran = [r for r in results if r.section != "Memory"]
            mode = f"python -m bench.run{' --quick' if args.quick else ''} --only {args.only}"
            write_readme(ran, mode, machine_text, size_text, sections={r.section for r in ran})
        else:
            write_readme(results, "make bench" + (" QUICK=1" if args.quick else ""), machine_text, size_text)
        console.print("README.md benchmark table updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
