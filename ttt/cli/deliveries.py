"""`ttt deliveries`: check a channel's settings with a test message, run the dispatcher or the
escalation once, and see the outbox at a glance."""

from __future__ import annotations

from datetime import UTC, datetime

import typer
from rich.table import Table

from ttt.cli.common import console

deliveries_app = typer.Typer(help="Alert delivery: test a channel, dispatch now, outbox status",
                             no_args_is_help=True)


@deliveries_app.command("test")
def test_channel(
    address: str = typer.Argument(..., help="email address, phone number (+223...) or webhook URL"),
    channel: str = typer.Option("email", help="email | sms | webhook | log"),
    lang: str = typer.Option("fr", help="a language we have a catalogue for (fr, en, ar...)"),
    secret: str | None = typer.Option(None, help="webhook signing secret (whsec_...)"),
) -> None:
    """Send a test message through the configured channel and say exactly what happened."""
    from alerts.delivery.channels import Envelope
    from alerts.delivery.samples import channel_check_message
    from alerts.delivery.settings import build_registry, get_delivery_settings
    from ttt.config import get_settings

    registry = build_registry(get_settings(), get_delivery_settings())
    try:
        ch = registry.get(channel)
    except KeyError as exc:
        console.print(f"[red]{exc.args[0]}[/]")
        raise typer.Exit(2) from None
    outcome = ch.send(Envelope(delivery_id=f"test-{int(datetime.now(UTC).timestamp())}", address=address,
                               language=lang, messages=(channel_check_message(),), secret=secret))
    colour = "green" if outcome.ok else "red"
    console.print(f"[{colour}]{outcome.status}[/] status={outcome.status_code} "
                  f"{outcome.error or ''} {outcome.response_excerpt or ''}".rstrip())
    raise typer.Exit(0 if outcome.ok else 1)


@deliveries_app.command("dispatch")
def dispatch_now() -> None:
    """Send every due delivery now (what the scheduler does every few seconds)."""
    from alerts.delivery.jobs import build_dispatcher

    report = build_dispatcher().run_once()
    console.print(f"sent {report.sent}, to retry {report.retrying}, failed {report.failed}, "
                  f"superseded {report.superseded}")


@deliveries_app.command("escalate")
def escalate_now() -> None:
    """Escalate severe alerts nobody acknowledged in time to the next tier."""
    from alerts.delivery.jobs import escalate_job

    ids = escalate_job()
    console.print(f"escalated {len(ids)} alert(s){': ' + ', '.join(map(str, ids)) if ids else ''}")


@deliveries_app.command("status")
def status() -> None:
    """Deliveries by status (pending, sent, failed, superseded)."""
    from alerts.delivery import repository as repo
    from ttt.db import session_scope

    with session_scope() as session:
        counts = repo.count_by_status(session)
    table = Table("status", "deliveries")
    for name in ("pending", "sent", "failed", "superseded"):
        table.add_row(name, str(counts.get(name, 0)))
    console.print(table)
