"""Charts must render to valid PNG/SVG of the asked size, with the text a reader needs."""

import datetime as dt
import struct

import pytest
from lxml import etree

from corridors.stats.aggregate import DailyRow, DailyRows, summarise
from corridors.stats.charts import period_label, render_series_chart

D = dt.date
ROWS = DailyRows.from_records([
    DailyRow("FP1", D(2025, 10, 20), "descent", {"cattle": 1200, "sheep": 400}, {"men": 3}, 12),
    DailyRow("FP1", D(2025, 12, 3), "descent", {"cattle": 900, "camels": 40}, {"men": 3}, 9),
    DailyRow("FP1", D(2026, 5, 9), "return", {"cattle": 700}, {"men": 1}, 4),
    DailyRow("FP1", D(2024, 12, 9), "descent", {"cattle": 300}, {"men": 1}, 2),
])


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_png_chart_renders_at_requested_size():
    s = summarise(ROWS, D(2025, 10, 1), D(2026, 9, 30), "month")
    png = render_series_chart(s, title="Corridor ML-C01", fmt="png", width_px=1200, height_px=800, dpi=100)
    assert png_size(png) == (1200, 800)
    assert len(png) > 10_000  # bars and text were drawn, not a blank canvas


def test_svg_chart_keeps_title_units_and_legend_as_text():
    s = summarise(ROWS, D(2025, 10, 1), D(2026, 9, 30), "month")
    prev = summarise(ROWS, D(2024, 10, 1), D(2025, 9, 30), "month")
    svg = render_series_chart(s, title="Corridor ML-C01", fmt="svg", previous=prev)
    root = etree.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("width") == "720pt" and root.get("height") == "450pt"  # 1600x1000 px at 160 dpi
    text = " ".join(t for t in root.itertext())
    for expected in ["Corridor ML-C01", "animals (head)", "tropical livestock units (TLU, 250 kg)", "cattle",
                     "camels", "descent (southward)", "return (northward)", "Oct 2025", "previous season",
                     "3\u202f240 head"]:
        assert expected in text, expected
    assert "goats" not in text  # species never counted stay out of the legend


def test_empty_series_still_renders_and_says_so():
    s = summarise(DailyRows.empty(), D(2026, 1, 1), D(2026, 1, 7), "day")
    svg = render_series_chart(s, title="Flow point FP9", fmt="svg")
    assert "no animals counted in this period" in " ".join(etree.fromstring(svg).itertext())


def test_unknown_format_is_refused():
    s = summarise(DailyRows.empty(), D(2026, 1, 1), D(2026, 1, 7), "day")
    with pytest.raises(ValueError, match="chart format 'gif'"):
        render_series_chart(s, title="x", fmt="gif")


def test_period_labels_are_readable():
    assert period_label(D(2025, 12, 1), "week") == "W49 2025"
    assert period_label(D(2025, 12, 1), "month") == "Dec 2025"
    assert period_label(D(2025, 10, 1), "season") == "2025-26"


def test_a_season_by_day_renders_as_step_areas_with_the_same_legend():
    s = summarise(ROWS, D(2025, 10, 1), D(2026, 9, 30), "day")
    svg = render_series_chart(s, title="Corridor ML-C01 by day", fmt="svg")
    text = " ".join(etree.fromstring(svg).itertext())
    assert "cattle" in text and "descent (southward)" in text and "2025-10-01" in text
