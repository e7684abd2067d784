"""Response figures (pure): how alerts were answered, per period.

An alert counts in the period of the day it was raised (UTC). For each period and in total:
- ``alerts``; ``by_status`` (open, acknowledged, resolved by a person, closed by the service
  once the situation ended); ``by_verification`` (new, verifying, confirmed, dismissed);
  ``reopened`` (alerts reopened from an earlier one);
- hours from raising to acknowledgement, to a verdict (confirmed or dismissed) and to a
  resolution by a person: ``median`` and ``p90`` (linear interpolation between the two
  nearest values, as numpy and spreadsheets' PERCENTILE.INC do) and ``n``, the alerts measured;
- ``outcomes``: resolutions by mode; ``casualties``: killed, injured, displaced, animals
  lost, hectares of crops damaged, summed over the outcomes that give them;
- ``never_acknowledged``: the share of alerts not dismissed that nobody acknowledged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from corridors.stats.hxl_csv import Column, write_table
from corridors.stats.periods import period_starts

STATUSES = ("open", "acknowledged", "resolved", "closed")
VERIFICATIONS = ("new", "verifying", "confirmed", "dismissed")  # alerts.alerts.models uses these
MODES = ("mediation", "rerouting", "dispute_committee", "security_forces", "herders_moved_on",
         "no_action_needed", "false_alarm", "other")  # how an alert was resolved (outcome.mode)
CASUALTIES = ("killed", "injured", "displaced", "animals_lost", "crop_damage_ha")
TIMES = ("acknowledge", "verify", "resolve")
SERVICE = "ttt"  # resolved_by of an alert the service closed itself ("ttt (hazard ended)" too)


@dataclass(frozen=True)
class AlertTimes:
    """What the figures need of one alert."""

    created_at: dt.datetime
    status: str
    verification: str
    acknowledged_at: dt.datetime | None = None
    verified_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    resolved_by: str | None = None
    outcome: dict[str, Any] | None = None
    reopened: bool = False

    @property
    def state(self) -> str:
        by = self.resolved_by or ""
        if self.status == "resolved" and (by == SERVICE or by.startswith(SERVICE + " (")):
            return "closed"
        return self.status

    def hours_to(self, what: str) -> float | None:
        at = {"acknowledge": self.acknowledged_at, "resolve": self.resolved_at if self.state == "resolved" else None,
              "verify": self.verified_at if self.verification in ("confirmed", "dismissed") else None}[what]
        return None if at is None else max(0.0, (at - self.created_at).total_seconds() / 3600.0)


def _quantiles(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"median": None, "p90": None, "n": 0}
    a = np.array(values, dtype=float)
    return {"median": round(float(np.percentile(a, 50)), 2), "p90": round(float(np.percentile(a, 90)), 2),
            "n": len(values)}


def figures(alerts: Sequence[AlertTimes]) -> dict[str, Any]:
    by_status = dict.fromkeys(STATUSES, 0)
    by_verification = dict.fromkeys(VERIFICATIONS, 0)
    outcomes = dict.fromkeys(MODES, 0)
    casualties: dict[str, float] = dict.fromkeys(CASUALTIES, 0)
    for a in alerts:
        by_status[a.state] = by_status.get(a.state, 0) + 1
        by_verification[a.verification] = by_verification.get(a.verification, 0) + 1
        o = a.outcome or {}
        if o.get("mode") in outcomes:
            outcomes[o["mode"]] += 1
        for k in CASUALTIES:
            if isinstance(o.get(k), (int, float)) and not isinstance(o.get(k), bool):
                casualties[k] += o[k]
    counted = [a for a in alerts if a.verification != "dismissed"]
    never = sum(1 for a in counted if a.acknowledged_at is None)
    return {
        "alerts": len(alerts),
        "by_status": by_status,
        "by_verification": by_verification,
        "reopened": sum(1 for a in alerts if a.reopened),
        "hours_to": {w: _quantiles([h for a in alerts if (h := a.hours_to(w)) is not None]) for w in TIMES},
        "outcomes": outcomes,
        "casualties": {k: (round(v, 2) if k == "crop_damage_ha" else int(v)) for k, v in casualties.items()},
        "never_acknowledged": round(never / len(counted), 4) if counted else None,
    }


def response_figures(alerts: Sequence[AlertTimes], first: dt.date, last: dt.date, interval: str) -> dict[str, Any]:
    """Figures per period (every period of [first, last], empty ones too) and in total."""
    starts = period_starts(first, last, interval)
    buckets: list[list[AlertTimes]] = [[] for _ in starts]
    for a in alerts:
        day = a.created_at.astimezone(dt.UTC).date()
        i = max(j for j, s in enumerate(starts) if s <= day) if day >= starts[0] else None
        if i is not None and first <= day <= last:
            buckets[i].append(a)
    return {
        "from": first.isoformat(), "to": last.isoformat(), "interval": interval,
        "periods": [{"period_start": s.isoformat(), **figures(b)} for s, b in zip(starts, buckets, strict=True)],
        "total": figures([a for b in buckets for a in b]),
    }


COLUMNS = [
    Column("Period start", "#date+start"),
    Column("Alerts", "#x_alerts+num"),
    *(Column(f"Alerts {s}", f"#x_alerts+num+{s}") for s in STATUSES),
    *(Column(f"Verification: {v}", f"#x_alerts+num+verification+{v}") for v in VERIFICATIONS),
    Column("Alerts reopened", "#x_alerts+num+reopened"),
    *(Column(f"Hours to {w}: {q}", f"#x_hours+{w}+{q}") for w in TIMES for q in ("median", "p90")),
    *(Column(f"Outcome: {m.replace('_', ' ')}", f"#x_alerts+num+outcome+{m}") for m in MODES),
    Column("People killed", "#affected+killed+num"),
    Column("People injured", "#affected+injured+num"),
    Column("People displaced", "#affected+displaced+num"),
    Column("Animals lost", "#x_animals+lost+num"),
    Column("Crops damaged (ha)", "#x_crops+damaged+ha"),
    Column("Share never acknowledged", "#x_alerts+pct+never_acknowledged"),
]


def _row(label: str, f: dict[str, Any]) -> list[Any]:
    return [
        label, f["alerts"], *(f["by_status"][s] for s in STATUSES),
        *(f["by_verification"][v] for v in VERIFICATIONS), f["reopened"],
        *(f["hours_to"][w][q] for w in TIMES for q in ("median", "p90")),
        *(f["outcomes"][m] for m in MODES),
        *(f["casualties"][k] for k in CASUALTIES), f["never_acknowledged"],
    ]


def response_csv(result: dict[str, Any]) -> str:
    """One row per period and a last row for the whole range (period start "total")."""
    rows = [_row(p["period_start"], p) for p in result["periods"]] + [_row("total", result["total"])]
    return write_table(COLUMNS, rows)
