"""The `ttt` command: serve, scheduler, db, users, import, rules, demo."""

from __future__ import annotations

import typer

from ttt.cli.common import import_app
from ttt.cli.core import db_app, demo, scheduler, serve, users_app

app = typer.Typer(help="ttt - Transhumance Tracking Tool early-warning service", no_args_is_help=True)
app.command()(serve)
app.command()(scheduler)
app.command()(demo)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(import_app, name="import")


def _register_optional() -> None:
    """Sub-commands of the domain packages (one line each)."""
    from ttt.cli import import_geo, import_obs, rules  # noqa: F401  (register on import)

    app.add_typer(rules.rules_app, name="rules")
    from ttt.cli.stats import stats_app

    app.add_typer(stats_app, name="stats")
    from ttt.cli.deliveries import deliveries_app

    app.add_typer(deliveries_app, name="deliveries")
    from ttt.cli.network import network_app

    app.add_typer(network_app, name="network")

    from ttt.cli.feeds import feeds_app

    app.add_typer(feeds_app, name="feeds")


def main() -> None:
    _register_optional()
    app()
