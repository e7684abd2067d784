import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corridors.stats.periods import (
    SeasonStart,
    next_period_start,
    period_start,
    period_starts,
    previous_season_range,
    shift_previous_season,
)
from corridors.stats.tlu import TLUFactors, normalise_species

D = dt.date


def test_season_named_by_the_years_it_spans_with_default_august_start():
    s = SeasonStart()
    assert s.season_name(D(2025, 8, 1)) == "2025-26"
    assert s.season_name(D(2025, 9, 10)) == "2025-26"  # an early departure opens the season
    assert s.season_name(D(2026, 7, 31)) == "2025-26"
    assert s.season_name(D(2025, 7, 31)) == "2024-25"
    assert s.season_name(D(1999, 12, 31)) == "1999-00"
    assert (s.season_start(D(2026, 3, 3)), s.season_end(D(2026, 3, 3))) == (D(2025, 8, 1), D(2026, 7, 31))


def test_configurable_season_start_and_calendar_year_seasons():
    s = SeasonStart.parse("07-15")
    assert s.season_name(D(2025, 7, 14)) == "2024-25"
    assert s.season_name(D(2025, 7, 15)) == "2025-26"
    assert SeasonStart(1, 1).season_name(D(2025, 6, 1)) == "2025"
    assert s.parse_season_name("2025-26") == (D(2025, 7, 15), D(2026, 7, 14))
    with pytest.raises(ValueError, match="expected '2025-26'"):
        s.parse_season_name("2025-27")


@pytest.mark.parametrize("bad", ["13-01", "02-29", "10", "oct-01"])
def test_bad_season_start_is_refused_with_what_was_expected(bad):
    with pytest.raises(ValueError, match="MM-DD"):
        SeasonStart.parse(bad)


def test_buckets_day_iso_week_month_season():
    wed = D(2026, 1, 7)
    assert period_start(wed, "day") == wed
    assert period_start(wed, "week") == D(2026, 1, 5)  # Monday
    assert period_start(D(2026, 1, 4), "week") == D(2025, 12, 29)  # a Sunday belongs to the week before
    assert period_start(wed, "month") == D(2026, 1, 1)
    assert period_start(wed, "season") == D(2025, 8, 1)
    with pytest.raises(ValueError, match="interval 'year'"):
        period_start(wed, "year")


def test_period_starts_cover_the_range_including_partial_edges():
    assert period_starts(D(2025, 11, 15), D(2026, 2, 3), "month") == [
        D(2025, 11, 1), D(2025, 12, 1), D(2026, 1, 1), D(2026, 2, 1)]
    assert period_starts(D(2024, 7, 1), D(2026, 1, 1), "season") == [D(2023, 8, 1), D(2024, 8, 1), D(2025, 8, 1)]
    weeks = period_starts(D(2025, 12, 31), D(2026, 1, 31), "week")
    assert all(w.weekday() == 0 for w in weeks) and weeks[0] == D(2025, 12, 29) and len(weeks) == 5
    with pytest.raises(ValueError, match="before 'from'"):
        period_starts(D(2026, 1, 2), D(2026, 1, 1), "day")


def test_previous_season_shift_keeps_weeks_on_mondays_and_whole_months():
    assert shift_previous_season(D(2026, 1, 5), "week") == D(2025, 1, 6)
    assert shift_previous_season(D(2026, 1, 5), "week").weekday() == 0
    assert shift_previous_season(D(2024, 2, 29), "day") == D(2023, 2, 28)
    # February 2025 is compared with the whole of February 2024 (a leap year)
    assert previous_season_range(D(2025, 2, 1), D(2025, 2, 28), "month") == (D(2024, 2, 1), D(2024, 2, 29))
    assert previous_season_range(D(2025, 10, 1), D(2026, 9, 30), "season") == (D(2024, 10, 1), D(2025, 9, 30))


def test_tlu_fao_defaults_and_overrides_are_exact():
    f = TLUFactors()
    assert f.tlu({"cattle": 3, "sheep": 7, "camels": 1, "other": 50}) == 3.8  # 2.1 + 0.7 + 1.0, "other" has no FAO factor
    eth = TLUFactors.from_mapping({"camel": 1.25, "sheep": 0.13, "goats": "0.13"})
    assert eth.tlu({"camels": 4, "sheep": 100, "goats": 1}) == 18.13
    with pytest.raises(ValueError, match="unknown species 'yak'"):
        TLUFactors.from_mapping({"yak": 1})
    with pytest.raises(ValueError, match=">= 0"):
        TLUFactors({"cattle": -1})
    assert normalise_species("Bovins") == "cattle"


days = st.dates(min_value=D(1990, 1, 1), max_value=D(2090, 12, 31))


@given(day=days, interval=st.sampled_from(["day", "week", "month", "season"]),
       start=st.tuples(st.integers(1, 12), st.integers(1, 28)))
def test_every_day_falls_in_exactly_one_bucket_of_its_season(day, interval, start):
    season = SeasonStart(*start)
    first = period_start(day, interval, season)
    assert first <= day < next_period_start(first, interval, season)
    assert season.season_start(day) <= day <= season.season_end(day)
    assert season.parse_season_name(season.season_name(day)) == (season.season_start(day), season.season_end(day))


@given(a=days, n=st.integers(0, 400))
def test_previous_range_is_one_season_back_and_never_inverted(a, n):
    b = a + dt.timedelta(days=n)
    for interval in ("day", "week", "month", "season"):
        pa, pb = previous_season_range(a, b, interval)
        assert pa <= pb and 360 <= (a - pa).days <= 366
