"""Reporting rhythm and silence, pure: from the days a point reported (a counted herd or a zero
report), how often it reports, how complete a period is, and whether it has gone silent.

A point's rhythm is set by a data manager (``report_days_per_week``) or learned from its own
reports this season: days reported / days since its first report x 7, once it has reported
on at least ``MIN_DAYS_TO_LEARN`` days. Silence: more days since the last report than twice
the usual interval between reports (at least ``MIN_GAP_DAYS``, so a weekend is not a gap).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

MIN_DAYS_TO_LEARN = 7
MIN_GAP_DAYS = 3


@dataclass(frozen=True)
class Rhythm:
    days_per_week: float | None  # None: not set and not enough reports to learn it
    source: str  # set | learned | unknown


def rhythm(set_days_per_week: int | None, known_days: list[date], season_first: date, today: date) -> Rhythm:
    """The expected reporting days per week of one point, as of ``today`` (days before it count)."""
    if set_days_per_week is not None:
        return Rhythm(float(set_days_per_week), "set")
    days = [d for d in known_days if season_first <= d < today]
    if len(days) < MIN_DAYS_TO_LEARN:
        return Rhythm(None, "unknown")
    span = (today - min(days)).days
    return Rhythm(round(min(7.0, 7.0 * len(days) / max(span, 1)), 2), "learned")


def allowed_gap_days(days_per_week: float) -> int:
    """Days without any report after which a point with this rhythm counts as silent."""
    return max(MIN_GAP_DAYS, math.ceil(2 * 7 / days_per_week))


@dataclass(frozen=True)
class Silence:
    silent: bool
    last_day: date | None
    days_without: int | None
    allowed: int | None


def silence(r: Rhythm, known_days: list[date], today: date) -> Silence:
    """Whether the point has missed its expected reports as of ``today`` (today not yet over)."""
    if not r.days_per_week:
        return Silence(False, max(known_days, default=None), None, None)
    past = [d for d in known_days if d < today]
    if not past:
        return Silence(False, None, None, None)
    last = max(past)
    without = (today - last).days - 1  # whole days since the last report, today excluded
    allowed = allowed_gap_days(r.days_per_week)
    return Silence(without >= allowed, last, without, allowed)


def completeness(r: Rhythm, days_reported: int, first: date, last: date) -> float | None:
    """Days reported / days expected over [first, last] (1.0 = as often as usual; may exceed 1)."""
    if not r.days_per_week:
        return None
    expected = ((last - first).days + 1) * r.days_per_week / 7.0
    return round(days_reported / expected, 3) if expected > 0 else None
