"""Official transhumance calendars as pure data: which window is in force, and where a date
falls relative to it.

A calendar entry says: for this corridor (or, failing a corridor entry, this country), herds
moving in this direction (descent or return) may move from ``opens`` to ``closes``
(month-day, every year) starting with the date ``effective_from``. Windows may wrap the new
year (descent 10-15 -> 01-31). Countries change their windows often (Benin: 15 Jan-31 May
in 2017-18, banned in 2019, 1 Mar-30 Apr in 2020), so the entries are versioned and the
latest effective one applies.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from ttt.errors import ValidationFailed
from ttt.facts import DIRECTIONS

_MMDD = re.compile(r"^\s*(\d{1,2})-(\d{1,2})\s*$")


@dataclass(frozen=True, order=True)
class MonthDay:
    """A day of the year without a year; 02-29 is allowed (Feb 28 in common years)."""

    month: int
    day: int

    @classmethod
    def parse(cls, text: str, field_name: str = "date") -> MonthDay:
        if isinstance(text, MonthDay):
            return text
        m = _MMDD.match(str(text)) if text is not None else None
        if not m:
            raise ValidationFailed(
                [{"field": field_name, "message": f"expected month-day 'MM-DD', got {text!r}"}]
            )
        month, day = int(m.group(1)), int(m.group(2))
        # 2000 is a leap year, so 02-29 counts as a real day.
        if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(2000, month)[1]:
            raise ValidationFailed(
                [{"field": field_name, "message": f"{text!r} is not a day of the year (MM-DD)"}]
            )
        return cls(month, day)

    def on(self, year: int) -> date:
        """This month-day in ``year``; Feb 29 becomes Feb 28 in a common year."""
        if self.month == 2 and self.day == 29 and not calendar.isleap(year):
            return date(year, 2, 28)
        return date(year, self.month, self.day)

    def __str__(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True)
class CalendarEntry:
    """One versioned calendar row (corridor-scoped when ``corridor`` is set, else country)."""

    corridor: str | None
    country: str | None
    direction: str
    opens: str
    closes: str
    effective_from: date
    source: str = ""

    def __post_init__(self) -> None:
        errors = []
        if self.direction not in DIRECTIONS:
            errors.append(
                {
                    "field": "direction",
                    "message": f"expected 'descent' or 'return', got {self.direction!r}",
                }
            )
        if not self.corridor and not self.country:
            errors.append({"field": "corridor", "message": "a calendar needs a corridor or a country"})
        for name in ("opens", "closes"):
            try:
                MonthDay.parse(getattr(self, name), name)
            except ValidationFailed as exc:
                errors.extend(exc.errors)
        if not isinstance(self.effective_from, date):
            errors.append(
                {
                    "field": "effective_from",
                    "message": f"expected a date, got {self.effective_from!r}",
                }
            )
        if errors:
            raise ValidationFailed(errors)

    @cached_property
    def window(self) -> Window:
        """Parsed once per entry: rules ask for it for every group of rows."""
        return Window(MonthDay.parse(self.opens), MonthDay.parse(self.closes), self)


@dataclass(frozen=True)
class Window:
    """A yearly movement window; ``closes`` before ``opens`` means it wraps the new year."""

    opens: MonthDay
    closes: MonthDay
    entry: CalendarEntry | None = field(default=None, compare=False)

    @property
    def wraps(self) -> bool:
        return self.closes < self.opens

    def occurrence(self, open_year: int) -> tuple[date, date]:
        """The concrete (open_date, close_date) of the window that opens in ``open_year``."""
        close_year = open_year + 1 if self.wraps else open_year
        return self.opens.on(open_year), self.closes.on(close_year)

    def dates_around(self, on_date: date) -> tuple[date, date]:
        """The occurrence that contains ``on_date``, else the nearest one to it.

        "Nearest" counts days to its opening (when ahead) or from its closing (when past);
        on a tie the upcoming occurrence wins.
        """
        best: tuple[int, int, tuple[date, date]] | None = None
        for year in (on_date.year - 1, on_date.year, on_date.year + 1):
            opened, closed = self.occurrence(year)
            if opened <= on_date <= closed:
                return opened, closed
            key = ((opened - on_date).days, 0) if on_date < opened else ((on_date - closed).days, 1)
            if best is None or key < best[:2]:
                best = (*key, (opened, closed))
        assert best is not None
        return best[2]

    def contains(self, on_date: date) -> bool:
        opened, closed = self.dates_around(on_date)
        return opened <= on_date <= closed

    def days_before_open(self, on_date: date) -> int:
        """Days until the nearest occurrence opens (0 when open or already past it)."""
        opened, _ = self.dates_around(on_date)
        return max(0, (opened - on_date).days)

    def days_after_close(self, on_date: date) -> int:
        """Days since the nearest occurrence closed (0 when open or not yet opened)."""
        _, closed = self.dates_around(on_date)
        return max(0, (on_date - closed).days)

    def __str__(self) -> str:
        return f"{self.opens} -> {self.closes}"


def window_in_force(
    entries: Iterable[CalendarEntry],
    corridor_code: str | None,
    country: str | None,
    direction: str,
    on_date: date,
) -> Window | None:
    """The window that applies to movements in ``direction`` on ``on_date``.

    Among entries already effective on that date (``effective_from <= on_date``), an entry
    for the corridor itself beats any country entry (the specific rule is the exception to
    the national one); within a scope the latest ``effective_from`` wins (on a tie, the
    entry listed last). None when nothing applies.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be 'descent' or 'return', got {direction!r}")
    country_key = country.upper() if country else None
    by_corridor: list[tuple[date, int, CalendarEntry]] = []
    by_country: list[tuple[date, int, CalendarEntry]] = []
    for i, entry in enumerate(entries):
        if entry.direction != direction or entry.effective_from > on_date:
            continue
        if entry.corridor:
            if corridor_code and entry.corridor == corridor_code:
                by_corridor.append((entry.effective_from, i, entry))
        elif entry.country and country_key and entry.country.upper() == country_key:
            by_country.append((entry.effective_from, i, entry))
    chosen = by_corridor or by_country
    if not chosen:
        return None
    return max(chosen, key=lambda t: (t[0], t[1]))[2].window


__all__ = [
    "DIRECTIONS",
    "CalendarEntry",
    "MonthDay",
    "Window",
    "window_in_force",
]
