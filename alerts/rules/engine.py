"""The pure engine: a snapshot and a rule set in, findings out.

``evaluate(snapshot, rules, now, since)`` runs every rule over the data known at ``now``
and returns findings whose window reaches into (since, now]. It is the same function for
the live runner (since = last run) and for a backtest (since = start of the replayed
period, now = its end): a backtest raises what the live engine would have raised, because
no rule looks past a window's own end for its baseline.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import numpy as np

from alerts.rules.config import Rule, RuleSet
from alerts.rules.context import Context
from alerts.rules.hazard import evaluate_hazard
from alerts.rules.mass import evaluate_mass
from alerts.rules.model import Finding, Snapshot, to_dt64
from alerts.rules.timing import evaluate_timing
from alerts.rules.unexpected import evaluate_unexpected

EVALUATORS: dict[str, Callable[[Context, Rule], list[Finding]]] = {
    "mass": evaluate_mass,
    "early": evaluate_timing,
    "late": evaluate_timing,
    "unexpected": evaluate_unexpected,
    "hazard": evaluate_hazard,
}


def evaluate(
    snapshot: Snapshot,
    rules: RuleSet,
    now: datetime | date,
    since: datetime | date | None = None,
    only: Callable[[Rule], bool] | None = None,
) -> list[Finding]:
    """Findings of every rule (or those ``only`` keeps), sorted by window start then key."""
    now_s = int(to_dt64(now).astype(np.int64))
    since_s = int(to_dt64(since).astype(np.int64)) if since is not None else -(2**62)
    ctx = Context(snapshot, rules, now_s, since_s)
    findings: list[Finding] = []
    for rule in rules.rules:
        if only is not None and not only(rule):
            continue
        findings.extend(EVALUATORS[rule.type](ctx, rule))
    findings.sort(key=lambda f: (f.window_start, f.dedup_key))
    return findings
