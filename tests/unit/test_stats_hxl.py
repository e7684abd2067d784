"""The CSV export must load in libhxl with the tags HDX users filter on."""

import csv
import datetime as dt
import io

import hxl
import pytest

from corridors.stats.aggregate import DailyRow, DailyRows, rank, summarise, totals_by_key
from corridors.stats.hxl_csv import place_column, ranking_csv, series_csv

D = dt.date
ROWS = [
    DailyRow("FP1", D(2025, 12, 3), "descent", {"cattle": 120, "sheep": 40}, {"men": 3, "boys": 1}, 2, "ML-C01"),
    DailyRow("FP1", D(2026, 1, 9), "return", {"camels": 12}, {"men": 1}, 1, "ML-C01"),
    DailyRow("FP2", D(2026, 1, 20), "descent", {"goats": 30}, {"women": 1}, 1, "ML-C02"),
    DailyRow("FP1", D(2024, 12, 5), "descent", {"cattle": 60}, {"men": 2}, 1, "ML-C01"),
]



def test_series_csv_loads_in_libhxl_with_expected_tags_and_values():
    rows = DailyRows.from_records(ROWS)
    cur = summarise(rows, D(2025, 12, 1), D(2026, 1, 31), "month")
    prev = summarise(rows, D(2024, 12, 1), D(2025, 1, 31), "month")
    text = series_csv(cur, place_kind="corridor", place_code="ML-C01", previous=prev)
    source = hxl.data(io.BytesIO(text.encode("utf-8")))
    # compare as libhxl parsed them: the hashtag and its set of attributes
    tags = {(c.tag, frozenset(c.attributes)) for c in source.columns}
    for tag in ["#date+start", "#x_season", "#loc+code+corridor", "#x_observations+num", "#indicator+num+cattle",
                "#indicator+num+camels", "#indicator+num+total", "#x_tlu+num", "#population+adults+herders+m",
                "#x_movement+descent+num", "#indicator+num+previous+total", "#x_change+pct+total"]:
        name, *attributes = tag.split("+")
        assert (name, frozenset(attributes)) in tags, tag
    data = list(source)
    assert len(data) == 2
    dec, jan = data
    assert dec.get("#date+start") == "2025-12-01" and dec.get("#x_season") == "2025-26"
    assert dec.get("#indicator+num+cattle") == "120" and dec.get("#indicator+num+total") == "160"
    assert dec.get("#x_tlu+num") == "88.0"  # 120 * 0.7 + 40 * 0.1
    assert dec.get("#indicator+num+total+previous") == "60"
    assert dec.get("#x_change+pct+total") == "166.7"
    assert not jan.get("#x_change+pct+total")  # empty cell: nothing a year before: no percent, not infinity
    assert jan.get("#x_movement+num+return") == "12"
    # the human header row comes first, for people opening the file in a spreadsheet
    header = next(csv.reader(io.StringIO(text)))
    assert header[:3] == ["Period start", "Period end", "Season"] and "Cattle (head)" in header


def test_ranking_csv_lists_corridors_in_rank_order():
    totals = totals_by_key(DailyRows.from_records(ROWS, key="corridor"), D(2025, 10, 1), D(2026, 9, 30))
    text = ranking_csv(rank(totals), place_kind="corridor", first=D(2025, 10, 1), last=D(2026, 9, 30))
    data = list(hxl.data(io.BytesIO(text.encode("utf-8"))))
    assert [(r.get("#x_rank"), r.get("#loc+corridor+code"), r.get("#indicator+num+total")) for r in data] == [
        ("1", "ML-C01", "172"), ("2", "ML-C02", "30")]


@pytest.mark.parametrize(("code", "tag"), [("ML", "#country+code"), ("ML05", "#adm1+code"), ("ML0506", "#adm2+code")])
def test_area_column_tag_follows_the_pcode_level(code, tag):
    assert place_column("area", code).tag == tag


STATS_SCHEMA = [
    ["#valid_tag", "#valid_datatype", "#valid_required", "#valid_value+min"],
    ["#date+start", "date", "true", ""],
    ["#indicator+num", "number", "true", "0"],
    ["#x_tlu+num", "number", "true", "0"],
    ["#population+herders", "number", "true", "0"],
]


def test_series_csv_passes_libhxl_validation_and_the_schema_bites():
    rows = DailyRows.from_records(ROWS)
    text = series_csv(summarise(rows, D(2025, 10, 1), D(2026, 9, 30), "week"), place_kind="area", place_code="ML05")
    builtin = hxl.validate(hxl.data(io.BytesIO(text.encode("utf-8"))))  # libhxl's built-in checks
    assert builtin["stats"]["error"] == 0 and builtin["stats"]["warning"] == 0, builtin["issues"]  # "info": outliers
    report = hxl.validate(hxl.data(io.BytesIO(text.encode("utf-8"))), hxl.data(STATS_SCHEMA))
    assert report["is_valid"], report["issues"]
    for broken in (text.replace(",120,", ",-120,", 1), text.replace("\r\n2025-12-01,", "\r\nnot a date,", 1)):
        assert not hxl.validate(hxl.data(io.BytesIO(broken.encode("utf-8"))), hxl.data(STATS_SCHEMA))["is_valid"]
