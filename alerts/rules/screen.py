"""Which flow points could a history rule fire at? Answered from recent rows and daily
counts, without a flow point's whole history (pure).

An incremental run evaluates the batch against recent rows first; a rule that compares
with earlier seasons (history onset/end, never-seen values) can only fire where an
in-range herd is beyond what the earlier seasons allow, and only those points need their
whole history loaded. These screens are *conservative*: they may name a point where the
rule then does not fire, never miss one where it would.

``PointDays`` are daily herd counts per flow point and direction (the statistics' daily
rollups): a herd's time of season is known to the day, so the onset and end quantiles are
bounded to within a day, which is all the screen needs.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import numpy as np

from alerts.rules import timegrid
from alerts.rules.config import Rule
from alerts.rules.context import Context
from alerts.rules.model import DESCENT, RETURN, SPECIES

YEAR_DAYS = 365.25  # as timing.history_status wraps a season


@dataclass(frozen=True)
class PointDays:
    """Daily counts at flow points: one row per (day, point, direction[, corridor]).

    ``day`` in days since the epoch, ``flow_point`` the snapshot index, ``movement`` the
    code of ``model.MOVEMENT_CODES``, ``herds`` the herds counted, ``species`` a bit mask of
    the species counted that day (bit i for ``model.SPECIES[i]``)."""

    day: np.ndarray
    flow_point: np.ndarray
    movement: np.ndarray
    herds: np.ndarray
    species: np.ndarray

    def by_point(self, season_start: tuple[int, int]) -> _ByPoint:
        return _ByPoint(self, season_start)


class _ByPoint:
    """PointDays sorted by (point, direction) with each row's season and day of season, so
    one point's (or one point and direction's) rows are a slice."""

    def __init__(self, days: PointDays, season_start: tuple[int, int]) -> None:
        order = np.lexsort((days.movement, days.flow_point))
        self.fp = days.flow_point[order]
        self.mv = days.movement[order]
        self.herds = days.herds[order]
        self.species = days.species[order]
        day = days.day[order]
        self.season = timegrid.season_year((day * timegrid.DAY_S).astype("datetime64[s]"), season_start)
        self.day_of_season = day - timegrid.season_start_s(self.season, season_start) // timegrid.DAY_S

        self._points = _slices(self.fp.astype(np.int64))
        self._directions = _slices(self.fp.astype(np.int64) * 3 + self.mv)

    def point(self, fp: int) -> slice:
        return self._points.get(fp, slice(0, 0))

    def point_direction(self, fp: int, mv: int) -> slice:
        return self._directions.get(fp * 3 + mv, slice(0, 0))


def _slices(sorted_keys: np.ndarray) -> dict[int, slice]:
    """Where each value of a sorted array starts and ends."""
    values, starts, counts = np.unique(sorted_keys, return_index=True, return_counts=True)
    return {int(v): slice(int(a), int(a + n)) for v, a, n in zip(values, starts, counts, strict=True)}


def _rank_day(days_sorted: np.ndarray, cum: np.ndarray, rank: int) -> int:
    """The day of the herd at 0-based ``rank`` in time order (``cum``: running herd counts)."""
    return int(days_sorted[np.searchsorted(cum, rank, side="right")])


def _quantile_bounds(days_sorted: np.ndarray, cum: np.ndarray, q: float) -> tuple[float, float]:
    """Bounds of ``timing._quantile`` (linear) over herds known only to the day."""
    n = int(cum[-1])
    pos = q * (n - 1)
    lo = int(np.floor(pos))
    hi = min(lo + 1, n - 1)
    return float(_rank_day(days_sorted, cum, lo)), float(_rank_day(days_sorted, cum, hi) + 1)


def history_timing_points(ctx: Context, rule: Rule, days: _ByPoint) -> set[int]:
    """Flow points where an early/late rule ``against: history`` may fire in (since, now]."""
    p = rule.params
    obs = ctx.obs
    rows = np.flatnonzero(ctx.in_range & (obs.flow_point >= 0) & np.isin(obs.movement, (DESCENT, RETURN)))
    if rows.size == 0:
        return set()
    tol = p["tolerance_days"]
    out: set[int] = set()
    keys = np.stack([obs.flow_point[rows], obs.movement[rows], ctx.season[rows]]).astype(np.int64)
    uniq, inverse = np.unique(keys, axis=1, return_inverse=True)
    for j, (fp, mv, season) in enumerate(uniq.T):
        if int(fp) in out:
            continue
        at = days.point_direction(int(fp), int(mv))
        d_season, d_off, d_herds = days.season[at], days.day_of_season[at], days.herds[at]
        earlier = (d_season < season) & (d_herds > 0)
        herds, off = d_herds[earlier], d_off[earlier]
        per_season = np.bincount(d_season[earlier] - d_season[earlier].min(), weights=herds) if herds.size else herds
        per_season = per_season[per_season > 0]
        if herds.sum() < p["min_observations"] or per_season.size < p["min_seasons"]:
            continue  # no history to judge by: the rule cannot fire here
        order = np.argsort(off, kind="stable")
        day_sorted, cum = off[order], np.cumsum(herds[order])
        on_lo, on_hi = _quantile_bounds(day_sorted, cum, p["onset_quantile"])
        end_lo, end_hi = _quantile_bounds(day_sorted, cum, p["end_quantile"])
        early = rule.type == "early"
        tail = p["onset_quantile"] if early else 1.0 - p["end_quantile"]
        needed = max(float(p["min_herds"]), tail * float(statistics.median(per_season.tolist())))
        # herds of this season that may be beyond (each known to the day): too few, no alert
        this = d_season == season
        beyond_days = _maybe_beyond(d_off[this].astype(float), early, tol, on_hi, end_lo, end_hi, day_known=True)
        if d_herds[this][beyond_days].sum() < needed:
            continue
        cur = ctx.season_offset[rows[inverse.ravel() == j]]
        if _maybe_beyond(cur, early, tol, on_hi, end_lo, end_hi, day_known=False).any():
            out.add(int(fp))
    return out


def _maybe_beyond(cur: np.ndarray, early: bool, tol: float, on_hi: float, end_lo: float, end_hi: float,
                  day_known: bool) -> np.ndarray:
    """Whether herds at time of season ``cur`` (or anywhere in day ``cur`` when
    ``day_known``) may be beyond the onset (early) or end (late, also across the season's
    wrap) by more than ``tol`` days, given the bounds of onset and end."""
    hi = cur + 1.0 if day_known else cur
    if early:
        return on_hi - cur > tol
    wrap = (cur < on_hi) & (2 * cur < on_hi + end_hi - YEAR_DAYS) & (hi + YEAR_DAYS - end_lo > tol)
    return (hi - end_lo > tol) | wrap


def earlier_herds(ctx: Context, days: _ByPoint) -> dict[tuple[int, int], int]:
    """Herds counted at each flow point before each season of the in-range rows (any
    direction), as the novelty rules count a point's history."""
    obs = ctx.obs
    rows = np.flatnonzero(ctx.in_range & (obs.flow_point >= 0))
    out = {}
    for fp, season in {(int(f), int(s)) for f, s in zip(obs.flow_point[rows], ctx.season[rows], strict=True)}:
        at = days.point(fp)
        out[(fp, season)] = int(days.herds[at][days.season[at] < season].sum())
    return out


def novel_species_points(ctx: Context, rule: Rule, days: _ByPoint, history: dict[tuple[int, int], int]) -> set[int]:
    """Flow points where a species counted in (since, now] was never counted in earlier seasons."""
    obs = ctx.obs
    rows = np.flatnonzero(ctx.in_range & (obs.flow_point >= 0) & ctx.scope_mask(rule))
    out: set[int] = set()
    keys = np.stack([obs.flow_point[rows], ctx.season[rows]]).astype(np.int64)
    uniq, inverse = np.unique(keys, axis=1, return_inverse=True)
    bits = np.array([1 << SPECIES.index(s) if s in SPECIES else 0 for s in obs.species], dtype=np.int64)
    present = np.zeros(uniq.shape[1], dtype=np.int64)
    np.bitwise_or.at(present, inverse.ravel(), ((obs.animals[rows] > 0) * bits).sum(axis=1))
    for j, (fp, season) in enumerate(uniq.T):
        if history.get((int(fp), int(season)), 0) < rule.params["min_history"]:
            continue
        at = days.point(int(fp))
        seen = np.bitwise_or.reduce(days.species[at][days.season[at] < season])
        if present[j] & ~seen:
            out.add(int(fp))
    return out


def novel_value_pairs(ctx: Context, rule: Rule, history: dict[tuple[int, int], int]) -> set[tuple[int, str, int]]:
    """(flow point, origin or destination, season) of in-range herds at points with enough
    history: the values to look up in earlier seasons (``novel_origin``/``novel_destination``)."""
    obs = ctx.obs
    col = obs.origin if rule.params["check"] == "novel_origin" else obs.destination
    rows = np.flatnonzero(ctx.in_range & (obs.flow_point >= 0) & (col >= 0) & ctx.scope_mask(rule))
    out = set()
    for fp, v, season in {(int(f), int(v), int(s)) for f, v, s in zip(obs.flow_point[rows], col[rows], ctx.season[rows],
                                                                      strict=True)}:
        if history.get((fp, season), 0) >= rule.params["min_history"]:
            out.add((fp, obs.places[v], season))
    return out
