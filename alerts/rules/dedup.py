"""Merging findings into alerts: one alert per situation, not one per run (pure).

For each finding, in window order:
1. a live alert (neither resolved nor dismissed) holding its dedup key: update it;
2. else a live alert holding a key of the same rule and place whose window ended less than
   the rule's ``suppress_hours`` before this finding's window starts: update it
   (consecutive days of the same anomaly are one alert with more occurrences);
3. else, for the types listed in ``lifecycle.incidents``, a live alert of the same type about
   the same herds (shared observations, overlapping windows): the finding joins it as one
   incident, and the alert's evidence carries both measures (``evidence.measures``): a
   flow point's mass movement and the corridor mass it causes are one alert;
4. else a closed (resolved or dismissed) alert with the key, or of the same rule and place
   within ``suppress_hours``: the resolution holds. Nothing happens unless the finding is
   materially worse: a higher severity, or its figure (animals, TLU, reports) at least the
   type's ``reopen_factor`` times the figure when it closed; then a new alert is
   *reopened* from it (``reopened_from``);
5. else create an alert.
An update with nothing new (same observations, no higher severity) is no update at all, so
replaying the same data never changes anything. Severity only goes up. Occurrences count
the triggers that brought something new.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from alerts.rules.lifecycle import Lifecycle
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
    type: str = ""
    verification: str = "new"
    evidence: dict[str, Any] = field(default_factory=dict)  # as it stands after the merge
    first: Finding | None = None  # the finding that opened it (created in this merge)
    reopened_from: Any = None

    @property
    def live(self) -> bool:
        return self.status in LIVE and self.verification != "dismissed"


@dataclass(frozen=True)
class Change:
    """What to do to the store: ``created``, ``reopened``, ``updated`` or ``escalated``
    (severity rose)."""

    event: str
    alert: AlertState
    finding: Finding


def state_from_finding(f: Finding) -> AlertState:
    return AlertState(
        id=None, rule=f.rule, place=f.place, status="open", severity=f.severity,
        window_start=f.window_start, window_end=f.window_end, occurrences=1, dedup_key=f.dedup_key,
        keys={f.dedup_key}, observation_ids=set(f.observation_ids), finding=f, type=f.type,
        evidence=f.evidence.as_dict(), first=f,
    )


@dataclass(frozen=True)
class MergeResult:
    changes: list[Change]
    alerts: list[AlertState]  # every alert after the merge (given ones copied, new ones added)


def merge(findings: Iterable[Finding], alerts: Iterable[AlertState], lifecycle: Lifecycle | None = None) -> MergeResult:
    """The changes that bring ``alerts`` up to date with ``findings`` (inputs untouched).

    Each changed alert appears once, with its last event (``escalated`` wins over
    ``updated``; a ``created`` or ``reopened`` alert stays so).
    """
    lifecycle = lifecycle or Lifecycle()
    states = [replace(a, keys=set(a.keys) | {a.dedup_key}, observation_ids=set(a.observation_ids),
                      evidence=dict(a.evidence)) for a in alerts]
    by_key: dict[str, list[AlertState]] = {}
    for s in states:
        for k in s.keys:
            by_key.setdefault(k, []).append(s)
    changes: dict[int, Change] = {}

    def record(event: str, state: AlertState, f: Finding) -> None:
        prev = changes.get(id(state))
        if prev is not None and prev.event in ("created", "reopened", "escalated"):
            event = prev.event
        changes[id(state)] = Change(event, state, f)

    def add(new: AlertState, event: str, f: Finding) -> None:
        states.append(new)
        by_key.setdefault(f.dedup_key, []).append(new)
        record(event, new, f)

    # in window order; within a window, findings at a flow point first, so an incident keeps
    # the most precise place (the point) and the corridor's measure joins it
    for f in sorted(findings, key=lambda f: (f.window_start, f.flow_point is None, f.dedup_key)):
        exact = by_key.get(f.dedup_key, [])
        live = [s for s in exact if s.live]
        target: AlertState | None = live[-1] if live else None
        if target is None:
            target = _suppressing(states, f)
        if target is None and f.type in lifecycle.incidents:
            target = _incident(states, f)
        if target is None:
            closed = [s for s in exact if not s.live] or _held_by(states, f)
            if closed:
                if f.observation_ids <= set().union(*(s.observation_ids for s in closed)):
                    continue  # a replay of what a closed alert already covered
                last = closed[-1]
                if not worse(f, last, lifecycle.of(f.type).reopen_factor):
                    continue  # the resolution holds: more of the same is not news
                new = state_from_finding(f)
                new.reopened_from = last.id
                add(new, "reopened", f)
                continue
            add(state_from_finding(f), "created", f)
            continue
        event = _update(target, f)
        if event is not None:
            by_key.setdefault(f.dedup_key, [])
            if target not in by_key[f.dedup_key]:
                by_key[f.dedup_key].append(target)
            record(event, target, f)
    return MergeResult(list(changes.values()), states)


def _rule_places(s: AlertState) -> set[tuple[str, str]]:
    out = {(s.rule, s.place)}
    for k in s.keys:  # rule|place|window: rule ids and window labels hold no "|", places may
        rule, _, rest = k.partition("|")
        if "|" in rest:
            out.add((rule, rest.rsplit("|", 1)[0]))
    return out


def _near(s: AlertState, f: Finding, hours: float) -> bool:
    gap = timedelta(hours=hours)
    return s.window_end >= f.window_start - gap and s.window_start <= f.window_end + gap


def _suppressing(states: list[AlertState], f: Finding) -> AlertState | None:
    if f.suppress_hours <= 0:
        return None
    near = [s for s in states if s.live and (f.rule, f.place) in _rule_places(s) and _near(s, f, f.suppress_hours)]
    return max(near, key=lambda s: s.window_end) if near else None


def _incident(states: list[AlertState], f: Finding) -> AlertState | None:
    ids = f.observation_ids
    same = [(len(s.observation_ids & ids), s) for s in states
            if s.live and s.type == f.type and _near(s, f, 0) and s.observation_ids & ids]
    return max(same, key=lambda p: (p[0], p[1].window_end))[1] if same else None


def _held_by(states: list[AlertState], f: Finding) -> list[AlertState]:
    return [s for s in states if not s.live and (f.rule, f.place) in _rule_places(s)
            and _near(s, f, f.suppress_hours)]


def figure(evidence: dict[str, Any] | None, rule: str | None = None) -> float | None:
    """The one number a situation is judged by: the rule's measure (animals, TLU) or, for
    records, animals, else reports, else herds."""
    evidence = evidence or {}
    measures = evidence.get("measures") or {}
    observed = (measures.get(rule) or {}).get("observed") if rule in measures else evidence.get("observed")
    if isinstance(observed, dict):
        for key in ("animals", "reports", "herds"):
            if isinstance(observed.get(key), (int, float)):
                return float(observed[key])
        return None
    return float(observed) if isinstance(observed, (int, float)) and not isinstance(observed, bool) else None


def worse(f: Finding, closed: AlertState, factor: float) -> bool:
    """Is this finding materially worse than the situation when the alert closed?"""
    if severity_rank(f.severity) > severity_rank(closed.severity):
        return True
    before, now = figure(closed.evidence, f.rule), figure(f.evidence.as_dict())
    return before is not None and now is not None and before > 0 and now >= factor * before


def _measure(evidence: dict[str, Any], place: str | None = None) -> dict[str, Any]:
    """One rule's measure, as ``evidence.measures`` carries it."""
    details = evidence.get("details") or {}
    out = {k: evidence.get(k) for k in ("observed", "threshold", "baseline")}
    out.update({k: details[k] for k in ("measure", "window_hours", "ratio") if k in details})
    if place:
        out["place"] = place
    return out


def merged_evidence(s: AlertState, f: Finding) -> dict[str, Any]:
    """The alert's evidence after ``f``: the finding's own when it is of the alert's rule;
    for a finding of another rule joining the incident, the alert's evidence with every
    rule's latest measure under ``measures`` (and all their observations)."""
    new = f.evidence.as_dict()
    measures = dict(s.evidence.get("measures") or {})
    if f.rule == s.rule and not measures:
        return new
    if not measures:
        measures[s.rule] = _measure(s.evidence, s.place)
    measures[f.rule] = _measure(new, f.place)
    base = dict(new) if f.rule == s.rule else dict(s.evidence)
    base["measures"] = measures
    base["observations"] = sorted(set(s.evidence.get("observations") or []) | set(new["observations"]))
    return base


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
    s.evidence = merged_evidence(s, f)
    s.finding = f
    return "escalated" if higher else "updated"
