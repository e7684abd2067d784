"""`ttt network ...`: check the corridor network for dangling ends and near misses."""

from __future__ import annotations

import json

import typer

from ttt.cli.common import console

network_app = typer.Typer(help="Routable corridor network: checks for mappers", no_args_is_help=True)


@network_app.command("check")
def check(as_json: bool = typer.Option(False, "--json", help="print the report as JSON")) -> None:
    """Report corridor ends joined to nothing and gaps between corridors (joined across the
    snapping tolerance, or only near and left apart). Exit 1 when a near miss is left apart."""
    from corridors.network import service
    from ttt.db import session_scope

    with session_scope() as s:
        report = service.check(s)
    missed = [g for g in report["gaps"] if not g["joined"]]
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        console.print(f"{report['nodes']} nodes, {report['edges']} edges (snapping tolerance {report['snap_m']:.0f} m)")
        console.print(f"{len(report['dangling'])} dangling end(s) (corridor ends joined to nothing):")
        for d in report["dangling"]:
            console.print(f"  {d['corridor']}: end at {d['lon']}, {d['lat']}")
        for g in report["gaps"]:
            a, b = g["corridors"]
            state = "joined across" if g["joined"] else "[yellow]NOT joined[/yellow], gap of"
            console.print(f"  {a} / {b} near {g['lon']}, {g['lat']}: {state} {g['distance_m']} m")
    if missed:
        raise typer.Exit(1)
