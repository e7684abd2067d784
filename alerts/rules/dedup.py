"""Merging findings into alerts: one alert per situation, not one per run (pure).

For each finding, in window order:
1. an alert already holding its dedup key: if live (open or acknowledged), update it;
   if resolved, do nothing when the finding brings no new observation (a replay), else
   open a new alert (the situation came back after someone closed it);
2. else a live alert of the same rule and place whose window ended less than the rule's
   ``suppress_hours`` before this finding's window starts: update it (consecutive days of
   the same anomaly are one alert with more occurrences);
3. else create an alert.
An update with nothing new (same observations, no higher severity) is no update at all, so
replaying the same data never changes anything. Severity only goes up. Occurrences count
the triggers that brought something new.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from alerts.rules.model import Finding, severity_rank

LIVE = ("open", "acknowledged")


@dataclass
class AlertState:
    """What the merge needs to know about an alert (created or stored)."""

    id: Any
    rule: str
    place: str
    status: str
    severity: str
    window_start: datetime
    window_end: datetime
    occurrences: int = 1
    dedup_key: str = ""
    keys: set[str] = field(default_factory=set)
    observation_ids: set[str] = field(default_factory=set)
    finding: Finding | None = None  # the latest finding applied (None: untouched)


@dataclass(frozen=True)
class Change:
    """What to do to the store: ``created``, ``updated`` or ``escalated`` (severity rose)."""

    event: str
    alert: AlertState
    finding: Finding


def state_from_finding(f: Finding) -> AlertState:
    return AlertState(
        id=None, rule=f.rule, place=f.place, status="open", severity=f.severity,
        window_start=f.window_start, window_end=f.window_end, occurrences=1, dedup_key=f.dedup_key,
        keys={f.dedup_key}, observation_ids=set(f.observation_ids), finding=f,
    )


@dataclass(frozen=True)
class MergeResult:
    changes: list[Change]
    alerts: list[AlertState]  # every alert after the merge (given ones copied, new ones added)


def merge(findings: Iterable[Finding], alerts: Iterable[AlertState]) -> MergeResult:
    """The changes that bring ``alerts`` up to date with ``findings`` (inputs untouched).

    Each changed alert appears once, with its last event (``escalated`` wins over
    ``updated``; a ``created`` alert stays ``created``).
    """
    states = [replace(a, keys=set(a.keys) | {a.dedup_key}, observation_ids=set(a.observation_ids)) for a in alerts]
    by_key: dict[str, list[AlertState]] = {}
    for s in states:
        for k in s.keys:
            by_key.setdefault(k, []).append(s)
    changes: dict[int, Change] = {}

    def record(event: str, state: AlertState, f: Finding) -> None:
        prev = changes.get(id(state))
        if prev is not None and prev.event == "created":
            event = "created"
        elif prev is not None and prev.event == "escalated":
            event = "escalated"
        changes[id(state)] = Change(event, state, f)

    for f in sorted(findings, key=lambda f: (f.window_start, f.dedup_key)):
        exact = by_key.get(f.dedup_key, [])
        live = [s for s in exact if s.status in LIVE]
        target: AlertState | None = live[-1] if live else None
        if target is None and exact and f.observation_ids <= set().union(*(s.observation_ids for s in exact)):
            continue  # a replay of what a resolved alert already covered
        if target is None and not exact:
            target = _suppressing(states, f)
        if target is None:
            new = state_from_finding(f)
            states.append(new)
            by_key.setdefault(f.dedup_key, []).append(new)
            record("created", new, f)
            continue
        event = _update(target, f)
        if event is not None:
            by_key.setdefault(f.dedup_key, [])
            if target not in by_key[f.dedup_key]:
                by_key[f.dedup_key].append(target)
            record(event, target, f)
    return MergeResult(list(changes.values()), states)


def _suppressing(states: list[AlertState], f: Finding) -> AlertState | None:
    if f.suppress_hours <= 0:
        return None
    gap = timedelta(hours=f.suppress_hours)
    near = [
        s for s in states
        if s.status in LIVE and s.rule == f.rule and s.place == f.place
        and s.window_end >= f.window_start - gap and s.window_start <= f.window_end + gap
    ]
    return max(near, key=lambda s: s.window_end) if near else None


def _update(s: AlertState, f: Finding) -> str | None:
    new_ids = f.observation_ids - s.observation_ids
    higher = severity_rank(f.severity) > severity_rank(s.severity)
    new_key = f.dedup_key not in s.keys
    if not new_ids and not higher and not new_key:
        return None
    if new_ids or new_key:
        s.occurrences += 1
    if higher:
        s.severity = f.severity
    s.window_start = min(s.window_start, f.window_start)
    s.window_end = max(s.window_end, f.window_end)
    s.keys.add(f.dedup_key)
    s.observation_ids |= f.observation_ids
    s.finding = f
    return "escalated" if higher else "updated"
