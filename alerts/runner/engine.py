"""Running the rules against the database: the incremental runner, the time-based checks,
"evaluate now" and backtests.

Incremental: claim a batch of queued observations (``FOR UPDATE SKIP LOCKED``, so several
runners share the queue), evaluate them (``alerts.runner.incremental``: recent rows for every rule,
whole history only where a rule comparing with earlier seasons may fire), write alerts, and
delete the claimed queue rows, all in one transaction per batch: each observation is
evaluated exactly once, and a crash loses only the batch in hand (its queue rows are still
there). ``evaluate_now`` commits batch by batch, so the alerts of the first batch are visible
and delivered while later ones run, and a restarted scheduler resumes where it stopped. The
alert lock (``repository.lock_alerts``) is taken only when a batch writes its findings, just
before its commit: milliseconds, never the evaluation, so event reports never wait on a
drain. Time-based checks catch what no new observation announces (a hazard starting on a
corridor that carried herds) from where the last check stopped.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from alerts.alerts import repository as repo
from alerts.alerts import service
from alerts.alerts.feed_events import raise_feed_events
from alerts.alerts.hazard_follow import follow_hazards
from alerts.alerts.models import RuleRun
from alerts.rules.config import DEFAULT_RULES_FILE, RuleSet, load_rules, parse_rules
from alerts.rules.dedup import merge
from alerts.rules.engine import evaluate
from alerts.rules.model import Finding
from alerts.runner import time_checks
from alerts.runner.chunks import CHUNK_ROWS
from alerts.runner.flagged import mark_flagged
from alerts.runner.incremental import queued_findings
from alerts.runner.rejudge import rejudge_withdrawn
from ttt.config import get_settings
from ttt.versioned import versioned

QUEUE_BATCH = 20_000  # the most a single run_queue call claims when asked for no limit
TIME_CHECK_FIRST_LOOKBACK = timedelta(days=1)

_cache: dict = {}  # rules file -> (mtime, rule set)


def active_rules() -> RuleSet:
    """The rule set from ``TTT_RULES_FILE`` (or the shipped default), reloaded when the file changes."""
    path = get_settings().rules_file or str(DEFAULT_RULES_FILE)
    try:
        mtime = os.stat(path).st_mtime
    except OSError:
        mtime = -1.0
    return versioned(_cache, path, mtime, lambda: load_rules(path))


@dataclass
class RunResult:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    observations: int = 0

    def add(self, other: RunResult) -> None:
        self.created += [i for i in other.created if i not in self.created]
        self.updated += [i for i in other.updated if i not in self.updated and i not in self.created]
        self.observations += other.observations


def _pcodes(session: Session, network: repo.Network):
    def pcodes_for(f: Finding) -> list[str]:
        out = set(repo.adm2_of(session, f.evidence.observations))
        if f.flow_point and network.fp_pcode.get(f.flow_point):
            out.add(network.fp_pcode[f.flow_point])
        elif f.corridor and not f.flow_point:
            out.update(network.corridor_pcodes.get(f.corridor, []))
        if f.place.startswith("country:"):
            out.add(f.place.removeprefix("country:"))
        return sorted(out)

    return pcodes_for


def _record(session: Session, findings: list[Finding], network: repo.Network, now: datetime,
            run: RuleRun, rules: RuleSet) -> RunResult:
    mark_flagged(session, findings)
    created, updated = service.record_findings(session, findings, _pcodes(session, network), now=now,
                                               lifecycle=rules.lifecycle)
    run.created, run.updated = len(created), len(updated)
    run.finished_at = datetime.now(UTC)
    return RunResult([a.id for a in created], [a.id for a in updated], run.observations)


def run_queue(session: Session, rules: RuleSet | None = None, now: datetime | None = None,
              limit: int = QUEUE_BATCH, chunk_rows: int = CHUNK_ROWS) -> RunResult:
    """Evaluate one batch of queued observations; nothing to do returns an empty result.

    Places needing their history are evaluated in chunks of about ``chunk_rows`` rows (see
    :mod:`alerts.runner.chunks`), so memory stays bounded however many places an upload touched.
    """
    rules = rules or active_rules()
    now = now or datetime.now(UTC)
    claimed = repo.claim_queue(session, limit)
    if not claimed:
        return RunResult()
    obs_ids = [o for _, o in claimed]
    network = repo.load_network(session)
    findings, since = queued_findings(session, network, rules, obs_ids, now, chunk_rows)
    run = repo.add_run(session, RuleRun(kind="queue", rules_version=rules.version, since=since, until=now,
                                        observations=len(claimed), started_at=now))
    result = _record(session, findings, network, now, run, rules)
    repo.delete_queue(session, [q for q, _ in claimed])
    return result


def run_time_checks(session: Session, rules: RuleSet | None = None, now: datetime | None = None) -> RunResult:
    """Hazard rules from the end of the last time-based check (or a day back) to now, for the
    hazards written or starting since then and the herds they concern, and the calendar rules
    for the recent herds of places whose calendar was written since then (``alerts.runner.time_checks``)."""
    rules = rules or active_rules()
    now = now or datetime.now(UTC)
    hazard_rules = [r for r in rules.rules if r.type == "hazard"]
    since = repo.last_run_until(session, "time") or now - TIME_CHECK_FIRST_LOOKBACK
    run = repo.add_run(session, RuleRun(kind="time", rules_version=rules.version, since=since, until=now,
                                        observations=0, started_at=now))
    feed_events = raise_feed_events(session, now)  # conflict events a feed brought, to be verified
    network = repo.load_network(session)
    findings = _calendar_findings(session, network, rules, since, now, run)
    if not hazard_rules:
        result = _record(session, findings, network, now, run, rules)
        result.created += feed_events
        return result
    lookback = max(r.params["lookback_days"] for r in hazard_rules)
    load_from = since - timedelta(days=lookback)
    needed = time_checks.needs(session, network, hazard_rules, since, now, load_from)
    if needed is not None:  # else no hazard new, changed or starting: nothing to load
        observations = repo.load_observations(session, network, until=now, since=load_from,
                                              corridor_ids=needed.corridor_ids, ids=needed.observation_ids)
        run.observations += len(observations)
        findings += evaluate(repo.snapshot(needed.network, observations), rules, now=now, since=since,
                             only=lambda r: r.type == "hazard")
    result = _record(session, findings, network, now, run, rules)
    followed = follow_hazards(session, network, rules, now)  # changed hazards update, ended ones clear
    result.updated += [i for i in followed.updated + followed.cleared if i not in result.updated]
    result.created += feed_events
    return result


def _calendar_findings(session: Session, network: repo.Network, rules: RuleSet, since: datetime, now: datetime,
                       run: RuleRun) -> list[Finding]:
    """The calendar rules over the recent herds of places whose calendar was written since the
    last check: herds judged under the old windows are judged by the new ones."""
    needed = time_checks.calendar_needs(session, network, rules, since, now)
    if needed is None or not (needed.corridor_ids or needed.flow_point_ids):
        return []
    observations = repo.load_observations(session, network, until=now, since=needed.load_from,
                                          corridor_ids=needed.corridor_ids, flow_point_ids=needed.flow_point_ids)
    run.observations += len(observations)
    return evaluate(repo.snapshot(network, observations), rules, now=now, since=needed.load_from,
                    only=time_checks.reads_calendar)


def evaluate_now(session: Session, rules: RuleSet | None = None, now: datetime | None = None,
                 max_batches: int = 50, batch: int | None = None) -> RunResult:
    """Drain the queue (up to ``max_batches`` batches of ``batch`` observations, default
    ``TTT_RULES_BATCH``), run the time-based checks, then close alerts whose condition ended
    and remind about confirmed ones nobody resolved, **committing after each batch and after
    the checks**: whatever was committed stays done if the process dies, and the alerts of
    each batch reach the outbox (and the dispatcher) at once."""
    rules = rules or active_rules()
    limit = batch or get_settings().rules_batch
    total = RunResult()
    for _ in range(max_batches):
        r = run_queue(session, rules, now, limit=limit)
        session.commit()
        if not r.observations:
            break
        total.add(r)
    # counts rejected or replaced since they raised an alert: those alerts are judged again
    again = rejudge_withdrawn(session, repo.load_network(session), rules, now)
    total.updated += [i for i in again.updated + again.closed if i not in total.updated]
    total.add(run_time_checks(session, rules, now))
    session.commit()
    from alerts.alerts.lifecycle import tick  # auto-close (all clear) and reminders

    tick(session, now, rules.lifecycle)
    session.commit()
    return total


# --- backtest -----------------------------------------------------------------------------


def _day_start(d: date | datetime) -> datetime:
    if isinstance(d, datetime):
        return d if d.tzinfo else d.replace(tzinfo=UTC)
    return datetime.combine(d, time.min, tzinfo=UTC)


def backtest(session: Session, start: date | datetime, end: date | datetime, rules: RuleSet | dict | None = None,
             progress=None) -> dict[str, Any]:
    """What the rules would have raised over [start, end]: nothing is written.

    Loads all history up to ``end`` (baselines need earlier seasons), evaluates findings in
    the period, and merges them as the live engine would (dedup and suppression), so the
    count is the number of alerts staff would have received.
    """
    if isinstance(rules, dict):
        rules = parse_rules(rules, source="request")
    rules = rules or active_rules()
    since = _day_start(start)
    until = _day_start(end) + (timedelta(days=1) - timedelta(seconds=1) if not isinstance(end, datetime) else timedelta(0))
    if until < since:
        from ttt.errors import ValidationFailed

        raise ValidationFailed([{"field": "to", "message": "must not be before 'from'"}])
    step = (lambda msg: progress(msg)) if progress else (lambda msg: None)
    step("loading the network")
    network = repo.load_network(session)
    step("loading observations")
    observations = repo.load_observations(session, network, until=until)
    step(f"evaluating {len(rules.rules)} rules over {len(observations)} observations")
    findings = evaluate(repo.snapshot(network, observations, repo.zero_days(session, network, None, until)),
                        rules, now=until, since=since)
    step("grouping findings into alerts")
    alerts = merge(findings, [], rules.lifecycle).alerts
    by_type: dict[str, int] = {}
    by_place: dict[str, int] = {}
    by_rule: dict[str, int] = {}
    for a in alerts:
        by_type[a.finding.type] = by_type.get(a.finding.type, 0) + 1
        by_place[a.place] = by_place.get(a.place, 0) + 1
        by_rule[a.rule] = by_rule.get(a.rule, 0) + 1
    return {
        "from": since.isoformat(), "to": until.isoformat(), "rules_version": rules.version,
        "observations": len(observations), "findings": len(findings),
        "alerts": service.states_json(alerts), "by_type": by_type, "by_rule": by_rule, "by_place": by_place,
    }
