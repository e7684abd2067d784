"""Reporting rhythm and silence of a flow point (pure)."""

from __future__ import annotations

from datetime import date, timedelta

from corridors.quality.rhythm import Rhythm, allowed_gap_days, completeness, rhythm, silence

SEASON = date(2025, 10, 1)


def weekdays(first: date, n_days: int) -> list[date]:
    return [first + timedelta(days=i) for i in range(n_days) if (first + timedelta(days=i)).weekday() < 5]


def test_a_rhythm_is_learned_from_the_points_own_reports_or_set():
    days = weekdays(date(2026, 1, 5), 21)  # three working weeks
    learned = rhythm(None, days, SEASON, date(2026, 1, 26))
    assert learned.source == "learned" and learned.days_per_week == 5.0
    assert rhythm(None, days[:6], SEASON, date(2026, 1, 26)) == Rhythm(None, "unknown")  # too few to learn
    assert rhythm(2, days, SEASON, date(2026, 1, 26)) == Rhythm(2.0, "set")


def test_a_weekend_is_not_silence_a_week_is():
    r = Rhythm(5.0, "learned")
    days = weekdays(date(2026, 1, 5), 12)  # up to Friday 16 January
    assert allowed_gap_days(5.0) == 3 and allowed_gap_days(1.0) == 14
    assert not silence(r, days, date(2026, 1, 19)).silent  # Monday morning: only the weekend missing
    s = silence(r, days, date(2026, 1, 23))
    assert s.silent and s.last_day == date(2026, 1, 16) and s.days_without == 6
    assert not silence(Rhythm(1.0, "set"), days, date(2026, 1, 23)).silent  # weekly points wait longer
    assert not silence(Rhythm(None, "unknown"), days, date(2026, 3, 1)).silent  # nothing to expect


def test_completeness_is_days_reported_over_days_expected():
    assert completeness(Rhythm(5.0, "set"), 10, date(2026, 1, 5), date(2026, 1, 18)) == 1.0
    assert completeness(Rhythm(5.0, "set"), 5, date(2026, 1, 5), date(2026, 1, 18)) == 0.5
    assert completeness(Rhythm(None, "unknown"), 5, date(2026, 1, 5), date(2026, 1, 18)) is None
