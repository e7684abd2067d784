"""`ttt feeds ...`: list the hazard feeds and pull them now."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from ttt.cli.common import console, progress

feeds_app = typer.Typer(help="Hazard feeds (FIRMS, GDACS, CAP, ACLED): list, pull", no_args_is_help=True)


@feeds_app.command("list")
def list_cmd() -> None:
    """Every feed with how its last pull went."""
    from corridors.feeds import repository as repo
    from corridors.feeds.service import feed_out
    from ttt.db import session_scope

    with session_scope() as s:
        rows = feed_out(s, repo.list_feeds(s)[0])
    table = Table(title="hazard feeds")
    for col in ("id", "name", "kind", "every", "enabled", "last success", "last error", "hazards (active)"):
        table.add_column(col)
    for f in rows:
        st = f.status
        table.add_row(str(f.id), f.name, f.kind, f"{f.every_minutes} min", "yes" if f.enabled else "no",
                      st.last_success_at.isoformat(timespec="minutes") if st.last_success_at else "never",
                      st.last_error or "", f"{st.hazards} ({st.active_hazards})")
    console.print(table)


@feeds_app.command("pull")
def pull_cmd(
    feed_id: Annotated[int | None, typer.Argument(help="one feed (default: every enabled feed)")] = None,
    alerts: Annotated[bool, typer.Option("--alerts/--no-alerts",
                                         help="run the hazard rules right after, so alerts follow at once")] = True,
) -> None:
    """Pull now: say what each feed created, updated, ended and refused."""
    from corridors.feeds import repository as repo
    from corridors.feeds.service import pull_due
    from ttt.db import session_scope

    with session_scope() as s:
        total = 1 if feed_id is not None else len(repo.enabled_feed_ids(s))
    failed = 0
    with progress() as bar:
        task = bar.add_task("pulling hazard feeds", total=total)

        def done(fid: int, report) -> None:
            nonlocal failed
            bar.advance(task)
            if report.outcome == "failed":
                failed += 1
                console.print(f"feed {fid}: [red]failed[/red]: {report.error}")
                return
            console.print(f"feed {fid}: {report.outcome}: {len(report.created)} created, {len(report.updated)} "
                          f"updated, {len(report.ended)} ended, {report.unchanged} unchanged, {report.skipped} "
                          f"skipped, {len(report.refused)} refused")
            for r in report.refused[:10]:
                console.print(f"    refused {r['record']}: {r['reason']}")

        pull_due(session_scope, only=feed_id, every_enabled=True, on_feed=done)
    if alerts:
        from alerts.runner.engine import run_time_checks

        with session_scope() as s:
            result = run_time_checks(s)
        console.print(f"hazard alerts: {len(result.created)} created, {len(result.updated)} updated or cleared")
    if failed:
        raise typer.Exit(1)
