"""`ttt import observations FILE`: load flow counts from CSV (plain or HXL) or JSON.

Streams the file in batches (default 1,000 rows), each batch one set-based insert committed on
its own, so an import that stops half-way can simply be run again: rows already stored come
back as duplicates, never twice. Bad rows are reported with their spreadsheet row number,
field and what was expected (``--report`` writes them to a CSV); good rows are always kept.
Exit code 1 when any row was refused, so scripts notice.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import typer
from rich.table import Table

from ttt.cli.common import console, import_app, progress
from ttt.spreadsheet import safe_cell

MESSAGES = {
    "en": {"done": "{a} accepted, {d} already there, {r} refused", "ignored": "columns ignored: {c}",
           "report": "refused rows written to {p}"},
    "fr": {"done": "{a} acceptées, {d} déjà présentes, {r} refusées", "ignored": "colonnes ignorées : {c}",
           "report": "lignes refusées écrites dans {p}"},
}


@import_app.command("observations")
def import_observations(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV (plain or HXL-tagged) or JSON"),
    user: str | None = typer.Option(None, "--user", help="attribute the counts to this user (enumerator)"),
    batch_size: int = typer.Option(1000, "--batch-size", min=1, max=5000),
    report: Path | None = typer.Option(None, "--report", help="write refused rows (row, id, field, message) here"),
    lang: str = typer.Option("en", "--lang", help="en or fr"),
) -> None:
    """Flow-monitoring counts; the same validation and dedup as the API (source = csv)."""
    from corridors.ingest.csvfile import CsvFormatError
    from corridors.ingest.service import CsvReport, import_csv
    from corridors.observations.service import chunks, ingest
    from ttt.db import session_factory
    from ttt.errors import TTTError
    from ttt.users import Principal, get_user

    msgs = MESSAGES.get(lang, MESSAGES["en"])
    session = session_factory()()
    try:
        principal = None
        if user:
            try:
                u = get_user(session, user)
            except TTTError as exc:
                console.print(f"[red]{exc.detail}[/red]")
                raise typer.Exit(2) from None
            principal = Principal(u.id, u.name, u.role, tuple(u.scopes or ()))
        with path.open("rb") as fh:
            total_lines = max(0, sum(1 for _ in fh) - 1)
        with progress() as bar:
            task = bar.add_task(path.name, total=total_lines)
            if path.suffix.lower() == ".json":
                data = json.loads(path.read_text(encoding="utf-8"))
                records = data.get("observations", []) if isinstance(data, dict) else data
                bar.update(task, total=len(records))
                rep = CsvReport()
                start = 0
                for batch in chunks(records, batch_size):
                    outcome = ingest(session, batch, source="csv", enumerator=principal)
                    rep.add(outcome, list(range(start + 1, start + 1 + len(batch))))
                    session.commit()
                    start += len(batch)
                    bar.advance(task, len(batch))
            else:
                with path.open(encoding="utf-8-sig", newline="") as fh:
                    try:
                        rep = import_csv(session, fh, principal, batch_size=batch_size, commit_each=True,
                                         on_batch=lambda n: bar.advance(task, n))
                    except CsvFormatError as exc:
                        console.print(f"[red]{path}: {exc}[/red]")
                        raise typer.Exit(2) from None
            bar.update(task, completed=bar.tasks[0].total)
    finally:
        session.close()

    console.print(msgs["done"].format(a=rep.accepted, d=rep.duplicate, r=rep.rejected))
    if rep.ignored_columns:
        console.print(msgs["ignored"].format(c=", ".join(rep.ignored_columns)))
    refused = [r for r in rep.rows if r["status"] == "rejected"]
    if refused:
        table = Table("row", "id", "field", "message")
        for r in refused[:20]:
            for e in r.get("errors", []):
                table.add_row(str(r["row"]), str(r["id"] or ""), e["field"], e["message"])
        console.print(table)
        if len(refused) > 20:
            console.print(f"... {len(refused) - 20} more")
    if report is not None:
        with report.open("w", newline="", encoding="utf-8") as out:
            w = csv.writer(out)
            w.writerow(["row", "id", "status", "code", "field", "message"])
            for r in refused:
                for e in r.get("errors", []):
                    w.writerow([safe_cell(c) for c in (r["row"], r["id"] or "", r["status"], r.get("code") or "",
                                                       e["field"], e["message"])])
        console.print(msgs["report"].format(p=report))
    if refused:
        raise typer.Exit(1)
