"""Seasons, period buckets and the "same period of the previous season" shift.

A transhumance season runs from a configurable start month-day (default ``ttt.facts.SEASON_START``,
1 August: why is written there) to the day before the next start, and is named by the years it
spans: 2025-08-01..2026-07-31 is "2025-26". With a 1 January start the season is
a calendar year and is named "2025".

Buckets: `day`; `week` (ISO week, starting Monday); `month`; `season`. All dates are calendar
days; the database side cuts days in UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from ttt.facts import SEASON_START_MD

INTERVALS: tuple[str, ...] = ("day", "week", "month", "season")


@dataclass(frozen=True)
class SeasonStart:
    """Month and day on which every season starts (default ttt.facts.SEASON_START)."""

    month: int = SEASON_START_MD[0]
    day: int = SEASON_START_MD[1]

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"season start month must be 1..12, got {self.month}")
        # Feb 29 would not exist every year; 28 days fit every month.
        if not 1 <= self.day <= 28:
            raise ValueError(f"season start day must be 1..28 (valid in every year), got {self.day}")

    @classmethod
    def parse(cls, text: str) -> SeasonStart:
        """Parse "MM-DD" (e.g. "10-01"); raise ValueError saying what was expected."""
        try:
            month_s, day_s = text.strip().split("-")
            return cls(int(month_s), int(day_s))
        except ValueError as exc:
            raise ValueError(f"season start {text!r}: expected MM-DD with a day 1..28 ({exc})") from None

    def season_year(self, day: dt.date) -> int:
        """Calendar year in which the season containing `day` started."""
        if (day.month, day.day) >= (self.month, self.day):
            return day.year
        return day.year - 1

    def season_start(self, day: dt.date) -> dt.date:
        return dt.date(self.season_year(day), self.month, self.day)

    def season_end(self, day: dt.date) -> dt.date:
        """Last day (inclusive) of the season containing `day`."""
        return dt.date(self.season_year(day) + 1, self.month, self.day) - dt.timedelta(days=1)

    def season_name(self, day: dt.date) -> str:
        """"2025-26" for a season spanning two years, "2025" when it starts on 1 January."""
        year = self.season_year(day)
        if (self.month, self.day) == (1, 1):
            return str(year)
        return f"{year}-{(year + 1) % 100:02d}"

    def parse_season_name(self, name: str) -> tuple[dt.date, dt.date]:
        """First and last day of a season given by name ("2025-26" or "2025")."""
        text = name.strip()
        try:
            year = int(text.split("-")[0])
        except ValueError:
            raise ValueError(f"season {name!r}: expected a name like 2025-26") from None
        start = dt.date(year, self.month, self.day)
        if self.season_name(start) != text:
            raise ValueError(f"season {name!r}: expected {self.season_name(start)!r} for a season starting {start}")
        return start, self.season_end(start)


def period_start(day: dt.date, interval: str, season: SeasonStart | None = None) -> dt.date:
    """First day of the `interval` bucket containing `day`."""
    if interval == "day":
        return day
    if interval == "week":
        return day - dt.timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    if interval == "season":
        return (season or SeasonStart()).season_start(day)
    raise ValueError(f"interval {interval!r}: expected one of {', '.join(INTERVALS)}")


def next_period_start(start: dt.date, interval: str, season: SeasonStart | None = None) -> dt.date:
    """First day of the bucket after the one starting on `start`."""
    if interval == "day":
        return start + dt.timedelta(days=1)
    if interval == "week":
        return start + dt.timedelta(days=7)
    if interval == "month":
        return dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    if interval == "season":
        return (season or SeasonStart()).season_end(start) + dt.timedelta(days=1)
    raise ValueError(f"interval {interval!r}: expected one of {', '.join(INTERVALS)}")


def period_starts(first: dt.date, last: dt.date, interval: str, season: SeasonStart | None = None) -> list[dt.date]:
    """Starts of every bucket overlapping [first, last] (both inclusive), in order.

    The first bucket may begin before `first` (a month asked from the 15th starts on the 1st);
    figures in it still only count days inside [first, last].
    """
    if last < first:
        raise ValueError(f"period: 'to' ({last}) is before 'from' ({first})")
    starts = []
    cur = period_start(first, interval, season)
    while cur <= last:
        starts.append(cur)
        cur = next_period_start(cur, interval, season)
    return starts


def bucket_index(days: np.ndarray, starts: list[dt.date]) -> np.ndarray:
    """Index into `starts` of the bucket holding each day (datetime64[D] array), vectorised."""
    edges = np.array(starts, dtype="datetime64[D]")
    return np.searchsorted(edges, days.astype("datetime64[D]"), side="right") - 1


def shift_previous_season(day: dt.date, interval: str = "month") -> dt.date:
    """The same day one season earlier.

    Weeks move back 52 weeks (364 days) so an ISO week still starts on a Monday and the same
    week of the season is compared; every other interval moves back one calendar year, with
    29 February becoming 28 February.
    """
    if interval == "week":
        return day - dt.timedelta(days=364)
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return dt.date(day.year - 1, 2, 28)


def previous_season_range(first: dt.date, last: dt.date, interval: str = "month") -> tuple[dt.date, dt.date]:
    """[first, last] moved to the same period of the previous season.

    A range ending on the last day of a month ends on the last day of that month a year
    earlier, so February 2025 compares with all of February 2024 (29 days).
    """
    prev_first = shift_previous_season(first, interval)
    prev_last = shift_previous_season(last, interval)
    if interval != "week" and (last + dt.timedelta(days=1)).day == 1:
        prev_last = next_period_start(prev_last.replace(day=1), "month") - dt.timedelta(days=1)
    return prev_first, prev_last
