"""Alerts whose counts were withdrawn go back through the rules.

A count a reviewer rejects, or an enumerator replaces with a corrected one (an edit), leaves
the current set of observations; an alert raised on it must not go on claiming it. Each run
of the engine finds the live alerts holding such a count and evaluates their rules again
over their places, on the data as it is now:

- the trigger still holds (the other herds are enough): the alert keeps the evidence of the
  findings as they are now, its severity follows them, and the withdrawn counts are gone
  from it;
- it no longer holds: the alert is closed with an all clear that says why, told to those
  who were told the alert.

Either way the withdrawn counts are named in the alert's history, so a reader sees what
changed and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from alerts.alerts import repository as repo
from alerts.alerts.lifecycle import SYSTEM, add_history, bump, notify
from alerts.alerts.models import Alert
from alerts.alerts.service import _widen
from alerts.rules.config import RuleSet
from alerts.rules.model import Finding, severity_rank
from alerts.runner.chunks import CHUNK_ROWS
from alerts.runner.flagged import mark_flagged
from alerts.runner.incremental import history_start, place_findings

REASONS = {"rejected": ("rejected in review", "rejeté(s) à la revue"),
           "replaced": ("corrected by the enumerator", "corrigé(s) par l'enquêteur")}


@dataclass
class Rejudged:
    updated: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)


def _key_parts(key: str) -> tuple[str, str]:
    """(rule, place) of a dedup key ``rule|place|window`` (a place may itself hold '|')."""
    rule, _, rest = key.partition("|")
    return rule, rest.rpartition("|")[0]


def _holding(alert: Alert, findings: list[Finding]) -> list[Finding]:
    """Findings now that stand for this alert: one of its keys, or its rules at its places,
    over a window overlapping its own."""
    keys = set(alert.dedup_keys or [alert.dedup_key])
    rule_places = {_key_parts(k) for k in keys} | {(alert.rule_id, alert.place)}
    start, end = alert.window_start or alert.created_at, alert.window_end or alert.created_at
    return [f for f in findings
            if (f.dedup_key in keys or (f.rule, f.place) in rule_places) and f.window_end >= start and f.window_start <= end]


def _why(gone: dict[str, str]) -> tuple[str, str]:
    en = "; ".join(f"{sum(1 for r in gone.values() if r == k)} count(s) {REASONS[k][0]}"
                   for k in REASONS if k in gone.values())
    fr = "; ".join(f"{sum(1 for r in gone.values() if r == k)} comptage(s) {REASONS[k][1]}"
                   for k in REASONS if k in gone.values())
    return en, fr


def _without(evidence: dict, gone: dict[str, str]) -> dict:
    """The alert's evidence with the withdrawn counts named apart, no longer among its herds."""
    ev = dict(evidence or {})
    ev["observations"] = [o for o in ev.get("observations") or [] if str(o) not in gone]
    details = dict(ev.get("details") or {})
    if details.get("flagged_observations"):
        details["flagged_observations"] = [f for f in details["flagged_observations"] if str(f.get("id")) not in gone]
    earlier = {w["id"]: w for w in details.get("withdrawn_observations") or []}
    details["withdrawn_observations"] = list({**earlier, **{i: {"id": i, "reason": r} for i, r in gone.items()}}.values())
    ev["details"] = details
    return ev


def _update(session: Session, alert: Alert, holding: list[Finding], gone: dict[str, str], now: datetime) -> None:
    lead = max(holding, key=lambda f: (f.rule == alert.rule_id, severity_rank(f.severity), len(f.observation_ids)))
    mark_flagged(session, [lead])
    alert.severity = max((f.severity for f in holding), key=severity_rank)
    alert.window_start = min(f.window_start for f in holding)
    alert.window_end = max(f.window_end for f in holding)
    kept = {str(i) for i in alert.observation_ids or []} - set(gone)
    alert.observation_ids = sorted(kept | {i for f in holding for i in f.observation_ids})
    alert.evidence = _without(lead.evidence.as_dict(), gone)
    if lead.rule == alert.rule_id:
        alert.headline = lead.headline.get("en", alert.headline)
        alert.headline_fr = lead.headline.get("fr", alert.headline_fr)
    _widen(session, alert)  # herds and animals over every count it still holds
    bump(alert, now)
    en, _ = _why(gone)
    add_history(alert, "updated", SYSTEM, now, f"judged again without the withdrawn counts ({en}): it still holds")
    session.flush()
    notify(session, alert, "updated")


def _close(session: Session, alert: Alert, gone: dict[str, str], now: datetime) -> None:
    en, fr = _why(gone)
    alert.observation_ids = sorted({str(i) for i in alert.observation_ids or []} - set(gone))
    alert.evidence = _without(alert.evidence, gone)
    alert.status, alert.resolved_at, alert.resolved_by = "resolved", now, SYSTEM
    alert.resolve_note = (f"All clear: without the withdrawn counts ({en}) the alert no longer holds. / "
                          f"Fin d'alerte : sans les comptages retirés ({fr}), l'alerte ne tient plus.")
    bump(alert, now)
    add_history(alert, "closed", SYSTEM, now, alert.resolve_note)
    session.flush()
    notify(session, alert, "closed")


def rejudge_withdrawn(session: Session, network: repo.Network, rules: RuleSet, now: datetime | None = None,
                      chunk_rows: int = CHUNK_ROWS) -> Rejudged:
    """Judge again every live alert holding a withdrawn count (see the module docstring)."""
    now = now or datetime.now(UTC)
    out = Rejudged()
    repo.lock_alerts(session)
    for alert, gone in repo.alerts_on_withdrawn_counts(session):
        ids = [str(i) for i in alert.observation_ids or []]
        corridor_ids, fp_ids = repo.places_of_any(session, ids)
        rule_ids = {_key_parts(k)[0] for k in alert.dedup_keys or [alert.dedup_key]} | {alert.rule_id}
        start = alert.window_start or alert.created_at
        findings = place_findings(session, network, rules, now, start - timedelta(seconds=1),
                                  history_start(start, rules), corridor_ids, fp_ids,
                                  only=lambda r, ids=frozenset(rule_ids): r.id in ids, chunk_rows=chunk_rows)
        holding = _holding(alert, findings)
        if holding:
            _update(session, alert, holding, gone, now)
            out.updated.append(alert.id)
        else:
            _close(session, alert, gone, now)
            out.closed.append(alert.id)
    return out
