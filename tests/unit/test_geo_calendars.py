"""corridors.calendars: window in force and concrete dates, including wrapped windows."""

from datetime import date

import pytest

from corridors.calendars import CalendarEntry, MonthDay, Window, window_in_force
from ttt.errors import ValidationFailed


def entry(opens, closes, eff="2020-01-01", corridor=None, country="ML", direction="descent", source="t"):
    return CalendarEntry(corridor, country, direction, opens, closes, date.fromisoformat(eff), source)


DESCENT = Window(MonthDay(10, 15), MonthDay(1, 31))  # wraps the new year
TOGO = Window(MonthDay(1, 31), MonthDay(5, 31))


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2024, 11, 1), (date(2024, 10, 15), date(2025, 1, 31))),
        (date(2025, 1, 10), (date(2024, 10, 15), date(2025, 1, 31))),
        (date(2025, 1, 31), (date(2024, 10, 15), date(2025, 1, 31))),
        (date(2024, 10, 15), (date(2024, 10, 15), date(2025, 1, 31))),
        # Feb 20: closed 20 days ago, opens in 237 days -> the past occurrence
        (date(2025, 2, 20), (date(2024, 10, 15), date(2025, 1, 31))),
        # Sep 20: closed 232 days ago, opens in 25 days -> the coming one
        (date(2025, 9, 20), (date(2025, 10, 15), date(2026, 1, 31))),
    ],
)
def test_wrapped_window_dates(on, expected):
    assert DESCENT.dates_around(on) == expected


def test_wrapped_window_days_before_and_after():
    assert DESCENT.wraps and not TOGO.wraps
    assert DESCENT.days_before_open(date(2025, 9, 20)) == 25
    assert DESCENT.days_after_close(date(2025, 9, 20)) == 0
    assert DESCENT.days_after_close(date(2025, 2, 20)) == 20
    assert DESCENT.days_before_open(date(2025, 2, 20)) == 0
    assert DESCENT.contains(date(2025, 1, 1))
    assert not DESCENT.contains(date(2025, 3, 1))


def test_plain_window():
    assert TOGO.dates_around(date(2025, 3, 1)) == (date(2025, 1, 31), date(2025, 5, 31))
    assert TOGO.days_before_open(date(2025, 1, 1)) == 30
    assert TOGO.days_after_close(date(2025, 6, 10)) == 10
    # Dec 20: 203 days after 31 May, 42 days before the next 31 Jan
    assert TOGO.dates_around(date(2025, 12, 20)) == (date(2026, 1, 31), date(2026, 5, 31))


def test_feb_29_in_common_and_leap_years():
    w = Window(MonthDay(11, 1), MonthDay(2, 29))
    assert w.dates_around(date(2023, 12, 1)) == (date(2023, 11, 1), date(2024, 2, 29))
    assert w.dates_around(date(2024, 12, 1)) == (date(2024, 11, 1), date(2025, 2, 28))
    assert w.days_after_close(date(2025, 3, 1)) == 1
    assert MonthDay.parse("02-29").on(2023) == date(2023, 2, 28)


def test_window_in_force_latest_effective():
    entries = [
        entry("01-15", "05-31", eff="2017-01-01", country="BJ"),
        entry("03-01", "04-30", eff="2020-01-01", country="BJ"),
        entry("01-25", "05-15", eff="2021-06-01", country="BJ"),
    ]
    assert str(window_in_force(entries, None, "BJ", "descent", date(2018, 2, 1))) == "01-15 -> 05-31"
    assert str(window_in_force(entries, None, "bj", "descent", date(2020, 3, 1))) == "03-01 -> 04-30"
    assert str(window_in_force(entries, "BJ-C01", "BJ", "descent", date(2022, 1, 1))) == "01-25 -> 05-15"
    assert window_in_force(entries, None, "BJ", "descent", date(2016, 12, 31)) is None
    assert window_in_force(entries, None, "BJ", "return", date(2022, 1, 1)) is None
    assert window_in_force(entries, None, "TG", "descent", date(2022, 1, 1)) is None


def test_corridor_entry_beats_country_entry():
    entries = [
        entry("10-01", "01-31", eff="2019-01-01", corridor="ML-C01", country=None),
        entry("10-15", "12-31", eff="2023-01-01", country="ML"),
        entry("11-01", "01-15", eff="2024-01-01", corridor="ML-C02", country=None),
    ]
    w = window_in_force(entries, "ML-C01", "ML", "descent", date(2024, 11, 1))
    assert str(w) == "10-01 -> 01-31" and w.entry.corridor == "ML-C01"
    # Another corridor without its own entry falls back to the country.
    assert str(window_in_force(entries, "ML-C09", "ML", "descent", date(2024, 11, 1))) == "10-15 -> 12-31"
    # ML-C02's entry is not effective yet in 2023: the country applies.
    assert str(window_in_force(entries, "ML-C02", "ML", "descent", date(2023, 11, 1))) == "10-15 -> 12-31"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"opens": "13-01"}, "opens"),
        ({"closes": "02-30"}, "closes"),
        ({"opens": "Oct 15"}, "opens"),
        ({"direction": "south"}, "direction"),
        ({"country": None}, "corridor"),
    ],
)
def test_bad_entries_are_refused_with_the_field(kwargs, field):
    base = {"opens": "10-15", "closes": "01-31", "country": "ML", "direction": "descent"}
    base.update(kwargs)
    with pytest.raises(ValidationFailed) as e:
        CalendarEntry(
            None, base["country"], base["direction"], base["opens"], base["closes"], date(2020, 1, 1)
        )
    assert field in [err["field"] for err in e.value.errors]
