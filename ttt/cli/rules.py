"""`ttt rules ...`: show the active rule set, run the engine now, backtest a period."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ttt.cli.common import console, progress

rules_app = typer.Typer(help="Rules engine: show, evaluate, backtest", no_args_is_help=True)


def _load(path: Path | None):
    from alerts.rules.config import load_rules
    from alerts.runner.engine import active_rules
    from ttt.errors import ValidationFailed

    try:
        return load_rules(path) if path else active_rules()
    except ValidationFailed as exc:
        console.print(f"[red]the rule set is not valid[/red] ({path or 'active rules'}):")
        for e in exc.errors:
            console.print(f"  {e['field']}: {e['message']}")
        raise typer.Exit(2) from exc


@rules_app.command("show")
def show(rules: Annotated[Path | None, typer.Option("--rules", help="a rule set file (default: the active one)")] = None):
    """List the rules, their parameters and the rule set version."""
    rs = _load(rules)
    table = Table(title=f"rules {rs.version} ({rs.source})")
    for col in ("id", "type", "scope", "suppress h", "params"):
        table.add_column(col)
    for r in rs.rules:
        params = ", ".join(f"{k}={v}" for k, v in r.params.items() if v is not None)
        table.add_row(r.id, r.type, str(r.scope), f"{r.suppress_hours:g}", params)
    console.print(table)


@rules_app.command("evaluate")
def evaluate_cmd():
    """Run the engine now: drain the observation queue, then the time-based checks."""
    from alerts.runner.engine import evaluate_now
    from ttt.db import session_scope

    with session_scope() as s:
        result = evaluate_now(s)
    typer.echo(json.dumps({"created": result.created, "updated": result.updated,
                           "observations": result.observations}))


@rules_app.command("backtest")
def backtest_cmd(
    from_: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="first day (UTC)")],
    to: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="last day (UTC), inclusive")],
    rules: Annotated[Path | None, typer.Option("--rules", help="a rule set file to try (default: the active one)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print every alert as JSON on stdout")] = False,
):
    """Replay a period through a rule set and report the alerts it would raise (nothing is written)."""
    from alerts.runner.engine import backtest
    from ttt.db import session_scope

    rs = _load(rules)
    steps = ["loading the network", "loading observations", "evaluating", "grouping findings into alerts"]
    with progress() as bar, session_scope() as s:
        task = bar.add_task("backtest", total=len(steps))

        def step(message: str) -> None:
            bar.update(task, description=message, completed=next(
                (i for i, name in enumerate(steps) if message.startswith(name)), 0))

        report = backtest(s, date(from_.year, from_.month, from_.day), date(to.year, to.month, to.day), rs, progress=step)
        bar.update(task, description="done", completed=len(steps))
    if as_json:
        typer.echo(json.dumps(report, default=str))
        return
    console.print(f"rules {report['rules_version']}: {report['observations']} observations, "
                  f"{report['findings']} findings -> {len(report['alerts'])} alerts "
                  f"from {report['from'][:10]} to {report['to'][:10]}")
    for title, key in (("by type", "by_type"), ("by rule", "by_rule"), ("by place", "by_place")):
        table = Table(title=title)
        table.add_column(title.removeprefix("by "))
        table.add_column("alerts", justify="right")
        for name, n in sorted(report[key].items(), key=lambda kv: (-kv[1], kv[0]))[:25]:
            table.add_row(name, str(n))
        console.print(table)
