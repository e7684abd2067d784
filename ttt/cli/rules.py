"""`ttt rules ...` (filled in by the rules engine work)."""

import typer

rules_app = typer.Typer(help="Rules engine: show, evaluate, backtest", no_args_is_help=True)
