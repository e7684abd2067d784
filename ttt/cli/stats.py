"""`ttt stats ...`: check or rebuild the daily rollups, export a series without the API."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from ttt.cli.common import console

stats_app = typer.Typer(help="Corridor statistics: rollup check/rebuild, exports", no_args_is_help=True)


@stats_app.command("check")
def check() -> None:
    """Compare the daily rollups with aggregating raw observations; exit 1 on any difference."""
    from corridors.stats import repository
    from ttt.db import session_scope

    with session_scope() as s:
        drift = repository.rollup_drift(s)
    if not drift:
        console.print("[green]rollups are in step with observations[/green]")
        return
    console.print(f"[red]{len(drift)} rollup rows differ from the raw observations[/red] (run `ttt stats rebuild`):")
    for row in drift[:20]:
        console.print(f"  {row[0]} in {row[1]}: {row[2]} flow_point_id={row[3]} corridor_id={row[4]} movement={row[5]}")
    raise typer.Exit(1)


@stats_app.command("rebuild")
def rebuild() -> None:
    """Recompute every rollup from raw observations (blocks ingestion while it runs)."""
    from corridors.stats import repository
    from ttt.db import session_scope

    with console.status("rebuilding daily rollups..."), session_scope() as s:
        n = repository.rebuild_rollups(s)
    console.print(f"[green]{n} rollup rows rebuilt[/green]")


@stats_app.command("export")
def export(
    kind: Annotated[str, typer.Argument(help="corridor, flow-point or area")],
    code: Annotated[str, typer.Argument(help="corridor or flow point code, or a P-code prefix")],
    out: Annotated[Path, typer.Option("--out", "-o", help="file to write; its suffix picks csv, png or svg")],
    first: Annotated[str | None, typer.Option("--from", help="first day YYYY-MM-DD (default: season start)")] = None,
    last: Annotated[str | None, typer.Option("--to", help="last day YYYY-MM-DD (default: today)")] = None,
    interval: Annotated[str, typer.Option(help="day, week, month or season")] = "month",
    compare: Annotated[bool, typer.Option("--compare/--no-compare", help="add the previous season")] = False,
) -> None:
    """Write a series as CSV with HXL tags, or as a PNG/SVG chart, as an analyst would download it."""
    from corridors.stats import service
    from ttt.db import session_scope
    from ttt.errors import TTTError
    from ttt.users import Principal

    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("csv", "png", "svg"):
        console.print(f"[red]--out {out}: the file name must end in .csv, .png or .svg[/red]")
        raise typer.Exit(2)
    handlers = {"corridor": service.corridor_stats, "flow-point": service.flow_point_stats, "area": service.area_stats}
    if kind not in handlers:
        console.print(f"[red]{kind!r}: expected corridor, flow-point or area[/red]")
        raise typer.Exit(2)
    try:
        q = service.StatsQuery.build(date.fromisoformat(first) if first else None, date.fromisoformat(last) if last else None,
                                     interval, None, None, "previous" if compare else None)
        with session_scope() as s:
            result = handlers[kind](s, Principal(0, "cli", "admin", ()), code, q)
            rendered = service.render_series(result, fmt)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    except TTTError as exc:
        console.print(f"[red]{exc.code}: {exc.detail}[/red]")
        raise typer.Exit(2) from exc
    out.write_bytes(rendered.body)
    console.print(f"wrote {out} ({len(rendered.body):,} bytes)")
