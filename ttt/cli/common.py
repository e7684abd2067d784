"""Shared CLI pieces: the `import` group, the console, progress bars."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

console = Console(stderr=True)
import_app = typer.Typer(help="Import geodata and observations from files", no_args_is_help=True)


def progress() -> Progress:
    """A rich progress bar for long work (written to stderr so stdout stays parseable)."""
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=False,
    )
