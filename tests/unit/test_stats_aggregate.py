"""Aggregation must equal a plain-Python computation over the same rows, to the last head."""

import datetime as dt
import random

import pytest

from corridors.stats.aggregate import DailyRow, DailyRows, compare, rank, summarise, totals_by_key
from corridors.stats.periods import SeasonStart, period_start
from corridors.stats.tlu import HERDER_GROUPS, MOVEMENTS, SPECIES, TLUFactors

D = dt.date


def random_rows(seed: int, n: int = 400) -> list[DailyRow]:
    rnd = random.Random(seed)
    rows = []
    for _ in range(n):
        rows.append(DailyRow(
            flow_point=rnd.choice(["FP1", "FP2", "FP3"]),
            corridor=rnd.choice(["ML-C01", "ML-C02"]),
            day=D(2024, 9, 1) + dt.timedelta(days=rnd.randrange(0, 600)),
            movement=rnd.choice(MOVEMENTS),
            animals={s: rnd.choice([0, 0, rnd.randrange(1, 500)]) for s in SPECIES},
            herders={g: rnd.randrange(0, 6) for g in HERDER_GROUPS},
            observations=rnd.randrange(1, 9),
        ))
    return rows


def naive_totals(rows, first, last, factors, species=None, direction=None):
    """Independent reference: dictionaries and loops, no numpy."""
    species = species or list(SPECIES)
    out = {"observations": 0, "animals": dict.fromkeys(SPECIES, 0), "herders": dict.fromkeys(HERDER_GROUPS, 0),
           "movement": dict.fromkeys(MOVEMENTS, 0)}
    for r in rows:
        if not (first <= r.day <= last) or (direction and r.movement != direction):
            continue
        out["observations"] += r.observations
        for s in species:
            out["animals"][s] += r.animals.get(s, 0)
            out["movement"][r.movement] += r.animals.get(s, 0)
        for g in HERDER_GROUPS:
            out["herders"][g] += r.herders.get(g, 0)
    out["animals"]["total"] = sum(out["animals"][s] for s in SPECIES)
    out["herders"]["total"] = sum(out["herders"][g] for g in HERDER_GROUPS)
    out["tlu"] = sum(round(factors.factor(s) * 1000) * out["animals"][s] for s in SPECIES) / 1000
    return out


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("interval", ["day", "week", "month", "season"])
def test_totals_and_every_period_equal_a_naive_computation(seed, interval):
    rows = random_rows(seed)
    first, last = D(2024, 11, 17), D(2025, 12, 3)
    factors = TLUFactors.from_mapping({"camels": 1.25, "sheep": 0.13, "goats": 0.13})
    s = summarise(DailyRows.from_records(rows), first, last, interval, factors=factors)
    assert s.totals.as_dict() == naive_totals(rows, first, last, factors)
    season = SeasonStart()
    for p in s.series:
        lo, hi = max(p.period_start, first), p.period_end
        assert period_start(lo, interval, season) == p.period_start
        assert p.figures.as_dict() == naive_totals(rows, lo, hi, factors)
    assert sum(p.figures.animals["total"] for p in s.series) == s.totals.animals["total"]


def test_species_and_direction_filters_match_naive_computation():
    rows = random_rows(42)
    first, last = D(2024, 10, 1), D(2025, 9, 30)
    s = summarise(DailyRows.from_records(rows), first, last, "month", species=["cattle", "camels"], direction="descent")
    expected = naive_totals(rows, first, last, TLUFactors(), species=["cattle", "camels"], direction="descent")
    assert s.totals.as_dict() == expected
    assert s.totals.animals["sheep"] == 0 and s.totals.movement["return"] == 0
    assert s.totals.movement["descent"] == s.totals.animals["total"]


def test_empty_periods_are_listed_with_zeros_so_the_time_axis_has_no_holes():
    rows = [DailyRow("FP1", D(2026, 1, 10), "descent", {"cattle": 10}, {"men": 2}, 1)]
    s = summarise(DailyRows.from_records(rows), D(2025, 11, 1), D(2026, 2, 28), "month")
    assert [p.period_start for p in s.series] == [D(2025, 11, 1), D(2025, 12, 1), D(2026, 1, 1), D(2026, 2, 1)]
    assert [p.figures.animals["cattle"] for p in s.series] == [0, 0, 10, 0]
    assert s.series[2].as_dict() == {
        "period_start": "2026-01-01", "period_end": "2026-01-31", "observations": 1,
        "animals": {"cattle": 10, "sheep": 0, "goats": 0, "camels": 0, "donkeys": 0, "horses": 0, "other": 0, "total": 10},
        "tlu": 7.0, "herders": {"men": 2, "women": 0, "boys": 0, "girls": 0, "total": 2},
        "movement": {"descent": 10, "return": 0, "unknown": 0}}


def test_ranking_orders_corridors_by_animals_and_totals_match():
    rows = random_rows(7)
    first, last = D(2024, 10, 1), D(2025, 9, 30)
    totals = totals_by_key(DailyRows.from_records(rows, key="corridor"), first, last)
    ranked = rank(totals)
    assert [k for k, _ in ranked] == sorted(totals, key=lambda k: -totals[k].animals["total"])
    for code, fig in ranked:
        assert fig.as_dict() == naive_totals([r for r in rows if r.corridor == code], first, last, TLUFactors())
    by_tlu = rank(totals, by="tlu")
    assert by_tlu[0][1].tlu >= by_tlu[-1][1].tlu
    with pytest.raises(ValueError, match="rank by 'size'"):
        rank(totals, by="size")


def test_compare_gives_absolute_and_percent_and_none_on_zero_base():
    a = summarise(DailyRows.from_records([DailyRow("F", D(2026, 1, 1), "return", {"cattle": 150, "goats": 5}, {}, 3)]),
                  D(2026, 1, 1), D(2026, 1, 31), "month").totals
    b = summarise(DailyRows.from_records([DailyRow("F", D(2025, 1, 1), "return", {"cattle": 100}, {}, 2)]),
                  D(2025, 1, 1), D(2025, 1, 31), "month").totals
    c = compare(a, b)
    assert c["animals"]["cattle"] == {"absolute": 50, "percent": 50.0}
    assert c["animals"]["goats"] == {"absolute": 5, "percent": None}
    assert c["observations"] == {"absolute": 1, "percent": 50.0}
    assert c["tlu"] == {"absolute": 35.5, "percent": 50.7}
    assert c["movement"]["descent"] == {"absolute": 0, "percent": None}


def test_bad_inputs_name_the_row_and_the_expected_values():
    with pytest.raises(ValueError, match=r"row 1 \(FP2 2026-01-02\): movement 'north'"):
        DailyRows.from_records([DailyRow("FP1", D(2026, 1, 1), "descent"), DailyRow("FP2", D(2026, 1, 2), "north")])
    rows = DailyRows.from_records([])
    with pytest.raises(ValueError, match="species 'yaks'"):
        summarise(rows, D(2026, 1, 1), D(2026, 1, 2), "day", species=["yaks"])
    with pytest.raises(ValueError, match="direction 'up'"):
        summarise(rows, D(2026, 1, 1), D(2026, 1, 2), "day", direction="up")


def test_ranges_split_into_whole_months_and_edge_days():
    from corridors.stats.repository import split_months

    assert split_months(D(2025, 10, 15), D(2026, 3, 10)) == (
        [(D(2025, 10, 15), D(2025, 10, 31)), (D(2026, 3, 1), D(2026, 3, 10))], (D(2025, 11, 1), D(2026, 3, 1)))
    assert split_months(D(2025, 10, 1), D(2026, 9, 30)) == ([], (D(2025, 10, 1), D(2026, 10, 1)))
    assert split_months(D(2025, 10, 2), D(2025, 10, 30)) == ([(D(2025, 10, 2), D(2025, 10, 30))], None)
    assert split_months(D(2024, 2, 1), D(2024, 2, 29)) == ([], (D(2024, 2, 1), D(2024, 3, 1)))
