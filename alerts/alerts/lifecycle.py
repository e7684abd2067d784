"""After the alert: verification, outcomes, the audit trail, who is told what, and the
time-based ends (auto-close with an all clear, reminders). Every function takes the caller's
Session and commits nothing; each state change is one new alert version, one history entry
and (when someone should hear it) one set of deliveries, in the same transaction.

Delivery policy per alert type (``lifecycle`` in the rules file): ``immediate`` alerts are
told at once and may be dismissed later (a cancellation then goes to everyone told);
``after_confirmation`` alerts are *held*: recorded and visible to staff, told to nobody
until an analyst or admin confirms them. An alert about events older than
``late_after_hours`` when raised goes to the daily digest, marked late.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from alerts.alerts import repository as repo
from alerts.alerts.models import Alert
from alerts.alerts.response import MODES
from alerts.privacy import actor, role_label
from alerts.rules.lifecycle import Lifecycle
from ttt.errors import Conflict

SYSTEM = "ttt"  # the service itself, in history entries
NOTIFY_EVENTS = ("created", "reopened", "escalated", "confirmed", "dismissed", "reminder", "resolved", "closed")
OUTCOME_MODES = MODES
VERDICTS = ("verifying", "confirmed", "dismissed")


def rules_lifecycle() -> Lifecycle:
    from alerts.runner.engine import active_rules

    return active_rules().lifecycle


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat()


def add_history(alert: Alert, change: str, by: str | None, at: datetime, note: str | None = None,
                label: str | None = None, **extra: Any) -> None:
    """Append one ``{at, by, change, note}`` entry (a new list: JSONB columns change by value).
    ``label`` is who acted as non-admins see them (an organisation or a role)."""
    entry = {"at": _iso(at), "by": by or SYSTEM, "by_label": label or (SYSTEM if by in (None, SYSTEM) else None),
             "change": change, "note": note, **extra}
    alert.history = [*(alert.history or []), entry]


def bump(alert: Alert, at: datetime) -> None:
    alert.version = (alert.version or 1) + 1
    alert.updated_at = at


def notify(session: Session, alert: Alert, event: str) -> None:
    """Hand an alert change to the delivery outbox (when delivery is installed), unless the
    alert is held for confirmation."""
    if event not in NOTIFY_EVENTS or alert.held:
        return
    from alerts.delivery import outbox  # here, not at the top: the outbox imports this package's models

    outbox.enqueue(session, alert, event)


def on_raised(alert: Alert, event: str, now: datetime, lifecycle: Lifecycle, by: str | None,
              label: str | None = None) -> None:
    """A new (or reopened) alert: held or not, late or not, and its first history entry."""
    policy = lifecycle.of(alert.type)
    alert.held = policy.delivery == "after_confirmation" and alert.verification != "confirmed"
    newest = alert.window_end or alert.window_start
    late = lifecycle.late_after_hours
    alert.late = bool(late is not None and newest is not None and newest < now - timedelta(hours=late))
    note = None
    if event == "reopened":
        note = f"materially worse than alert {alert.reopened_from} when it was closed"
    add_history(alert, event, by, now, note, label)
    if alert.late:
        add_history(alert, "late", SYSTEM, now, f"about events older than {late:g} h: daily digest only")
    if alert.held:
        add_history(alert, "held", SYSTEM, now, "told to recipients once confirmed")


# --- verification ----------------------------------------------------------------------


def verify(session: Session, alert: Alert, user_name: str, verdict: str, note: str | None,
           now: datetime | None = None, label: str | None = None) -> Alert:
    """new -> verifying -> confirmed | dismissed (new -> confirmed | dismissed directly too).
    A verdict once given is final; anything else is a 409 that says why."""
    now = now or datetime.now(UTC)
    if verdict not in VERDICTS:
        raise Conflict(f"verdict must be one of {', '.join(VERDICTS)}, got {verdict!r}")
    current = alert.verification or "new"
    if current in ("confirmed", "dismissed"):
        raise Conflict(f"alert {alert.id} was already {current} by {_verdict_label(alert)} at "
                       f"{_iso(alert.verified_at)}; a verdict is final")
    if verdict == "verifying" and current == "verifying":
        raise Conflict(f"alert {alert.id} is already being verified")
    alert.verification = verdict
    if verdict != "verifying":
        alert.verified_at, alert.verified_by, alert.verify_note = now, user_name, note
    bump(alert, now)
    add_history(alert, verdict, user_name, now, note, label)
    session.flush()
    if verdict == "confirmed" and alert.held:
        alert.held = False  # first time anyone is told: as a confirmed alert
        notify(session, alert, "confirmed")
    elif verdict == "confirmed":
        notify(session, alert, "confirmed")
    elif verdict == "dismissed":
        notify(session, alert, "dismissed")  # a cancellation to everyone who was told (none if held)
    tell_reporters(session, alert, verdict)
    return alert


# --- corroboration -------------------------------------------------------------------------


def reported_by(alert: Alert, reporter: str, report_id: str, now: datetime, *, after_close: bool = False,
                label: str | None = None) -> None:
    """Count independent reporters: a second report by the same person corroborates nothing."""
    reporters = list(alert.reporters or [])
    if after_close:
        add_history(alert, "report", reporter, now, f"report {report_id} after the alert was closed; it stays closed",
                    label)
    if reporter in reporters:
        return
    reporters.append(reporter)
    alert.reporters = reporters
    if len(reporters) > 1:
        alert.corroborations = len(reporters) - 1
        add_history(alert, "corroborated", reporter, now, f"independent report {report_id}", label)


# --- resolution --------------------------------------------------------------------------


def resolve(session: Session, alert: Alert, user_name: str, outcome: dict[str, Any] | None,
            now: datetime | None = None, label: str | None = None) -> Alert:
    now = now or datetime.now(UTC)
    if alert.verification == "dismissed":
        raise Conflict(f"alert {alert.id} was dismissed as a false alarm by {_verdict_label(alert)}; "
                       "a dismissed alert cannot be resolved")
    if alert.status == "resolved":
        raise Conflict(f"alert {alert.id} was already resolved by {alert.resolved_by} at {_iso(alert.resolved_at)}")
    outcome = {k: v for k, v in (outcome or {}).items() if v is not None}
    note = outcome.get("note")
    alert.status, alert.resolved_at, alert.resolved_by, alert.resolve_note = "resolved", now, user_name, note
    alert.outcome = outcome or None
    if outcome.get("reprisal_risk") is not None:
        alert.reprisal_risk = outcome["reprisal_risk"]
    bump(alert, now)
    add_history(alert, "resolved", user_name, now, note, label, **({"mode": outcome["mode"]} if outcome.get("mode") else {}))
    session.flush()
    notify(session, alert, "resolved")
    tell_reporters(session, alert, "resolved")
    return alert


def acknowledged(alert: Alert, user_name: str, now: datetime, note: str | None, label: str | None = None) -> None:
    if alert.verification == "dismissed":
        raise Conflict(f"alert {alert.id} was dismissed as a false alarm; there is nothing to acknowledge")
    add_history(alert, "acknowledged", user_name, now, note, label)


# --- time-based: auto-close and reminders ------------------------------------------------


def tick(session: Session, now: datetime | None = None, lifecycle: Lifecycle | None = None) -> dict[str, list[int]]:
    """Close live alerts whose condition ended ``auto_close_hours`` ago (all clear) and remind
    recipients of confirmed alerts nobody resolved. Returns the ids of each."""
    now = now or datetime.now(UTC)
    lifecycle = lifecycle or rules_lifecycle()
    closed, reminded = [], []
    soonest = min((p.auto_close_hours for p in lifecycle.types.values() if p.auto_close_hours is not None), default=0.0)
    for alert in repo.live_alerts_for_tick(session, now - timedelta(hours=soonest)):
        policy = lifecycle.of(alert.type)
        ended = _condition_ended_at(session, alert)
        if ended is not None and alert.created_at is not None:
            ended = max(ended, alert.created_at)  # an alert raised late still gets its hours
        if policy.auto_close_hours is not None and ended is not None and ended + timedelta(hours=policy.auto_close_hours) <= now:
            alert.status, alert.resolved_at, alert.resolved_by = "resolved", now, SYSTEM
            alert.resolve_note = f"closed automatically {policy.auto_close_hours:g} h after the situation ended"
            bump(alert, now)
            add_history(alert, "closed", SYSTEM, now, alert.resolve_note)
            session.flush()
            if not alert.late:  # a history load's alert is over before anyone heard of it: the digest tells it
                notify(session, alert, "closed")
            closed.append(alert.id)
            continue
        every = policy.remind_after_hours
        last = alert.reminded_at or alert.verified_at
        if (alert.verification == "confirmed" and every is not None and last is not None
                and last + timedelta(hours=every) <= now):
            alert.reminded_at = now
            bump(alert, now)
            add_history(alert, "reminder", SYSTEM, now, f"confirmed {_iso(alert.verified_at)} and not resolved")
            session.flush()
            notify(session, alert, "reminder")
            reminded.append(alert.id)
    return {"closed": closed, "reminded": reminded}


def _condition_ended_at(session: Session, alert: Alert) -> datetime | None:
    """When the situation ended: the window's end, or for a hazard the hazard's end (None
    while it goes on)."""
    if alert.type == "hazard":
        baseline = (alert.evidence or {}).get("baseline")
        if isinstance(baseline, dict) and baseline.get("hazard") is not None:
            return repo.hazard_end(session, baseline["hazard"])
    return alert.window_end


# --- feedback to reporters -----------------------------------------------------------------


def tell_reporters(session: Session, alert: Alert, change: str) -> None:
    """The informants behind an event report hear what became of it through their own
    subscription (``reporter``), in its language."""
    if alert.type != "event" or not alert.reporters or change not in ("confirmed", "dismissed", "resolved"):
        return
    from alerts.delivery import outbox

    outbox.enqueue_feedback(session, alert, change, list(alert.reporters))


# --- JSON ------------------------------------------------------------------------------------


def _verdict_label(alert: Alert, role: str | None = None) -> str | None:
    """Who gave the verdict, as ``role`` sees it (people's names for admins only)."""
    label = next((h.get("by_label") for h in reversed(alert.history or [])
                  if h.get("change") == alert.verification), None)
    return actor(role, alert.verified_by, label or "analyst")


def lifecycle_json(alert: Alert, role: str | None = None) -> dict[str, Any]:
    """The lifecycle fields of the alert contract as ``role`` sees them (alerts.privacy)."""
    return {
        "verification": alert.verification or "new",
        "verified": None if alert.verified_at is None else
        {"by": _verdict_label(alert, role), "at": _iso(alert.verified_at), "note": alert.verify_note},
        "corroborations": alert.corroborations or 0,
        "outcome": alert.outcome,
        "history": [{"at": h.get("at"), "by": actor(role, h.get("by"), h.get("by_label") or role_label(None)),
                     "change": h.get("change"), "note": h.get("note"),
                     **{k: v for k, v in h.items() if k not in ("at", "by", "by_label", "change", "note")}}
                    for h in alert.history or []],
        "reopened_from": alert.reopened_from,
        "held": bool(alert.held),
        "late": bool(alert.late),
    }
