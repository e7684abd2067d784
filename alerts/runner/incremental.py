"""What an upload raises: the findings of queued observations, in two phases.

1. **Recent rows.** Every rule whose judgement rests on the days around the batch (calendar
   timing, off-corridor, out-of-season, closed places, hazards) is evaluated over the
   touched places' rows since a few days before the batch: that is all they ever read.
2. **History where it can matter.** Rules comparing with earlier seasons (mass baselines,
   national quotas, history onset/end, never-seen values) can only fire where the recent
   rows already show something: a window over the floor, a herd beyond the onset or end
   the earlier seasons allow, a value not seen there before. ``alerts.rules.screen`` finds
   those places from recent rows and daily counts; only they are evaluated again over
   their whole history (``history_seasons`` back), chunk by chunk (``alerts.runner.chunks``).

So an ordinary upload reads days of rows rather than seasons, and the findings are those of
evaluating everything over the whole history (``screen=False``), which the tests check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy.orm import Session

from alerts.alerts import repository as repo
from alerts.rules import screen, timegrid
from alerts.rules.config import Rule, RuleSet
from alerts.rules.context import Context
from alerts.rules.engine import EVALUATORS, evaluate
from alerts.rules.mass import baseline_spans, candidate_windows
from alerts.rules.model import Finding, to_dt64
from alerts.runner.chunks import CHUNK_ROWS, plan_chunks


def needs_history(rule: Rule) -> bool:
    """Whether the rule compares with more than the days around the batch."""
    p = rule.params
    return (rule.type == "mass" or (rule.type in ("early", "late") and p["against"] == "history")
            or (rule.type == "unexpected" and p["check"].startswith("novel_")))


def recent_days(rules: RuleSet) -> float:
    """How far before the batch the recent rules look: the longest window or hazard lookback,
    plus a day so every window reaching the batch is whole."""
    days = [1.0]
    for r in rules.rules:
        if "window_hours" in r.params:
            days.append(r.params["window_hours"] / 24.0)
        if r.type == "hazard":
            days.append(r.params["lookback_days"])
    return max(days) + 1.0


def quota_countries(rules: RuleSet) -> set[str] | None:
    """Countries whose national quota rules need every corridor of the country loaded:
    None for none, ``{"*"}`` when such a rule applies everywhere."""
    out: set[str] = set()
    for r in rules.rules:
        if r.type == "mass" and r.params["level"] == "country":
            if r.scope.kind == "everywhere":
                return {"*"}
            if r.scope.kind == "country" and r.scope.value:
                out.add(r.scope.value.upper())
    return out or None


def quota_corridors(network: repo.Network, corridor_ids: list[int], countries_with_quota: set[str]) -> list[int]:
    """Every corridor of the quota countries the given corridors are in (a national quota
    sums the whole country); countries without a quota rule pull in nothing."""
    index = network.corridor_index
    touched = {c.upper() for cid in corridor_ids if cid in index for c in network.corridors[index[cid]].countries}
    countries = touched if "*" in countries_with_quota else touched & countries_with_quota
    return sorted(cid for cid, i in index.items() if {c.upper() for c in network.corridors[i].countries} & countries)


def history_start(earliest: datetime, rules: RuleSet) -> datetime:
    """Start of the oldest whole season an incremental run needs: ``history_seasons`` seasons
    before the one holding ``earliest`` (whole seasons, so onsets and ends stay true)."""
    month, day = rules.season_start
    year = earliest.year if (earliest.month, earliest.day) >= (month, day) else earliest.year - 1
    return datetime(year - rules.history_seasons, month, day, tzinfo=UTC)


def queued_findings(session: Session, network: repo.Network, rules: RuleSet, obs_ids: list[str],
                    now: datetime, chunk_rows: int = CHUNK_ROWS, screen_history: bool = True
                    ) -> tuple[list[Finding], datetime]:
    """Findings the given (queued) observations raise, and the ``since`` they were evaluated
    from; nothing is written. ``screen_history=False`` evaluates every rule over the whole
    history of every touched place (the reference the two phases must equal)."""
    corridor_ids, fp_ids, earliest, off_network = repo.places_of(session, obs_ids)
    since = (earliest or now) - timedelta(seconds=1)
    history_from = history_start(earliest or now, rules)
    quotas = quota_countries(rules)
    quota_places = quota_corridors(network, corridor_ids, quotas) if quotas else []
    if not screen_history:
        findings = _exact(session, network, rules, now, since, history_from, sorted(set(corridor_ids) | set(quota_places)),
                          fp_ids, off_network, chunk_rows, only=None, quotas=quotas)
        return _sorted(findings), since

    cut = since - timedelta(days=recent_days(rules))
    now_s, since_s = int(to_dt64(now).astype(np.int64)), int(to_dt64(since).astype(np.int64))
    findings: list[Finding] = []
    needs = _Needs()
    for chunk, recent in _chunked(session, network, now, cut, corridor_ids, fp_ids, off_network, chunk_rows):
        ctx = Context(repo.snapshot(network, recent), rules, now_s, since_s)
        findings += [f for r in rules.rules if not needs_history(r) for f in EVALUATORS[r.type](ctx, r) if chunk.owns(f)]
        _where_history_matters(session, network, rules, ctx, history_from, now, needs)
    if needs.points or needs.corridors:
        findings += _exact(session, network, rules, now, since, history_from, sorted(needs.corridors),
                           sorted(needs.points), [], chunk_rows, only=_history_but_quota)
    if quota_places:  # a national quota sums this season so far over every corridor of the country
        season = int(timegrid.season_year(np.array([to_dt64(since)]), rules.season_start)[0])
        findings += _exact(session, network, rules, now, since, _season_start(season, rules), quota_places, [], [],
                           chunk_rows, only=_quota, quotas=quotas)
    mass_points, mass_corridors = needs.mass_points - needs.points, needs.mass_corridors - needs.corridors
    if mass_points or mass_corridors:  # only their baseline windows are read: load just those
        spans = [(_utc(a), _utc(b)) for a, b in _merged(needs.spans)]
        findings += _exact(session, network, rules, now, since, history_from, sorted(mass_corridors),
                           sorted(mass_points), [], chunk_rows, only=_window_mass, spans=spans)
    return _sorted(findings), since


@dataclass
class _Needs:
    """Where the history rules may fire: places needing their whole history, and places
    only a mass rule needs, with the time spans its baselines read."""

    points: set[int] = field(default_factory=set)
    corridors: set[int] = field(default_factory=set)
    mass_points: set[int] = field(default_factory=set)
    mass_corridors: set[int] = field(default_factory=set)
    spans: list[tuple[int, int]] = field(default_factory=list)


def _window_mass(rule: Rule) -> bool:
    return rule.type == "mass" and rule.params["quota"] is None


def _quota(rule: Rule) -> bool:
    return rule.type == "mass" and rule.params["quota"] is not None


def _history_but_quota(rule: Rule) -> bool:
    return needs_history(rule) and not _quota(rule)


def _where_history_matters(session: Session, network: repo.Network, rules: RuleSet, ctx: Context,
                           history_from: datetime, now: datetime, needs: _Needs) -> None:
    """Add to ``needs`` the places where a history rule may fire, from the recent rows."""
    fp_db = {i: db for db, i in network.fp_index.items()}
    co_db = {i: db for db, i in network.corridor_index.items()}
    first_season = int(timegrid.season_year(np.array([to_dt64(history_from)]), rules.season_start)[0])
    for r in rules.rules:
        if _window_mass(r):
            places, starts = candidate_windows(ctx, r)
            if r.params["level"] == "flow_point":
                needs.mass_points |= {fp_db[int(i)] for i in places}
            else:
                needs.mass_corridors |= {co_db[int(i)] for i in places}
            needs.spans += baseline_spans(r, starts, rules.season_start, first_season)
    timing = [r for r in rules.rules if needs_history(r) and r.type in ("early", "late")]
    novel = [r for r in rules.rules if needs_history(r) and r.type == "unexpected"]
    active = np.unique(ctx.obs.flow_point[ctx.in_range & (ctx.obs.flow_point >= 0)])
    if not (timing or novel) or active.size == 0:
        return
    days = repo.point_days(session, network, [fp_db[int(i)] for i in active], history_from, now + timedelta(days=1))
    by_point = days.by_point(rules.season_start)
    for r in timing:
        needs.points |= {fp_db[i] for i in screen.history_timing_points(ctx, r, by_point)}
    history = screen.earlier_herds(ctx, by_point)
    for r in novel:
        if r.params["check"] == "novel_species":
            needs.points |= {fp_db[i] for i in screen.novel_species_points(ctx, r, by_point, history)}
            continue
        found = screen.novel_value_pairs(ctx, r, history)
        starts = {season: _season_start(season, rules) for _, _, season in found}
        pairs = [(fp_db[fp], value, starts[season]) for fp, value, season in found if fp_db[fp] not in needs.points]
        column = "origin" if r.params["check"] == "novel_origin" else "destination"
        needs.points |= {fp for fp, _ in repo.unseen_values(session, column, pairs, history_from)}


def _season_start(season: int, rules: RuleSet) -> datetime:
    return _utc(int(timegrid.season_start_s(season, rules.season_start)))


def _utc(epoch_s: int) -> datetime:
    return datetime.fromtimestamp(epoch_s, tz=UTC)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _exact(session: Session, network: repo.Network, rules: RuleSet, now: datetime, since: datetime,
           history_from: datetime, corridor_ids: list[int], fp_ids: list[int], off_network: list[str],
           chunk_rows: int, only, spans: list[tuple[datetime, datetime]] | None = None,
           quotas: set[str] | None = None) -> list[Finding]:
    """The findings at these places over their whole history (or the ``spans`` of it the
    rules in ``only`` read), chunk by chunk; ``quotas``: countries kept whole in one chunk."""
    findings: list[Finding] = []
    zero_days = repo.zero_days(session, network, history_from, now)  # known-zero days for mass baselines
    for chunk, observations in _chunked(session, network, now, history_from, corridor_ids, fp_ids,
                                        off_network, chunk_rows, spans, quotas):
        found = evaluate(repo.snapshot(network, observations, zero_days), rules, now=now, since=since, only=only)
        findings += [f for f in found if chunk.owns(f)]
    return findings


def place_findings(session: Session, network: repo.Network, rules: RuleSet, now: datetime, since: datetime,
                   history_from: datetime, corridor_ids: list[int], fp_ids: list[int], only,
                   chunk_rows: int = CHUNK_ROWS) -> list[Finding]:
    """The findings of the rules in ``only`` at these places, on the data as it is now (a
    national quota rule sums its whole country): for judging an alert again."""
    quotas = quota_countries(rules)
    if quotas and any(_quota(r) and only(r) for r in rules.rules):
        corridor_ids = sorted(set(corridor_ids) | set(quota_corridors(network, corridor_ids, quotas)))
    return _sorted(_exact(session, network, rules, now, since, history_from, corridor_ids, fp_ids, [], chunk_rows,
                          only=only, quotas=quotas))


def _chunked(session: Session, network: repo.Network, now: datetime, load_from: datetime,
             corridor_ids: list[int], fp_ids: list[int], off_network: list[str], chunk_rows: int,
             spans: list[tuple[datetime, datetime]] | None = None, quotas: set[str] | None = None):
    """Each chunk of these places (``alerts.runner.chunks``) with its rows from ``load_from`` to
    ``now``, one chunk in memory at a time; observations off the network go with the first."""
    estimate = repo.rows_by_place(session, load_from, corridor_ids, fp_ids)
    chunks = plan_chunks(network, corridor_ids, fp_ids, estimate, quotas, budget=chunk_rows)
    for k, chunk in enumerate(chunks):
        ids = off_network if k == 0 else None
        if chunk.corridor_ids or chunk.flow_point_ids or ids:
            yield chunk, repo.load_observations(session, network, until=now, corridor_ids=chunk.corridor_ids,
                                                flow_point_ids=chunk.flow_point_ids, ids=ids, since=load_from,
                                                spans=spans)


def _sorted(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.window_start, f.dedup_key))
