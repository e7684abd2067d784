"""CSV and HXL-tagged CSV -> observations, with row numbers an analyst can find."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from corridors.ingest.csvfile import CsvFormatError, hxl_target, read_csv
from corridors.observations.schemas import ValidationOptions, validate_records

OPTS = ValidationOptions(now=datetime(2026, 3, 1, tzinfo=UTC))

PLAIN = """id,flow_point,observed_at,lon,lat,direction,counts.cattle,sheep,men,flow_type,cross_border,comment
6f1c2a9e-1b0e-4c1a-9a51-2f0c3d9e7b11,ML05-FMP-03,2026-02-03T07:15:00+00:00,-4.196,14.4843,S,120,40,3,transit,yes,x
0b5d0b8e-8f7e-4a55-9d0e-0f6f2f1d9a01,ML05-FMP-03,2026-02-03T08:00:00+00:00,,,N,-3,10,1,transit,no,y

1c1b5a52-3e86-4b3f-8b8a-0d7d1c3c9e21,ML05-FMP-04,2026-02-03T09:00:00+00:00,,,SE,12,,,leaving,,
"""

HXL = """Record,Date,Point,Lat,Lon,Cattle,Camels,Men,Origin,Destination,Direction
#meta+id,#date+observed,#loc+code,#geo+lat,#geo+lon,#indicator+num+cattle,#indicator+num+camels,#affected+men,#adm2+code+origin,#adm2+code+dest,#x_direction
6f1c2a9e-1b0e-4c1a-9a51-2f0c3d9e7b11,2026-02-03T07:15:00+00:00,ML05-FMP-03,14.4843,-4.196,120,4,3,ML0506,BF5202,S
"""


def rows_of(text):
    layout, rows = read_csv(io.StringIO(text))
    return layout, list(rows)


def test_plain_headers_flat_or_dotted_with_spreadsheet_row_numbers():
    layout, rows = rows_of(PLAIN)
    assert not layout.hxl and layout.ignored == ["comment"]
    assert [r.row for r in rows] == [2, 3, 5]  # blank line 4 skipped, numbering kept
    assert rows[0].raw["counts"] == {"cattle": "120", "sheep": "40"}
    assert rows[0].raw["location"] == {"lon": "-4.196", "lat": "14.4843"}
    assert "location" not in rows[1].raw
    results = validate_records([r.raw for r in rows], OPTS)
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].errors[0]["field"] == "counts.cattle"
    assert results[2].observation.counts.sheep == 0


def test_hxl_tags_decide_when_a_hashtag_row_follows_the_header():
    layout, rows = rows_of(HXL)
    assert layout.hxl and layout.first_data_row == 3
    assert rows[0].row == 3
    raw = rows[0].raw
    assert raw["flow_point"] == "ML05-FMP-03" and raw["origin"] == "ML0506"
    assert raw["destination"] == "BF5202" and raw["direction"] == "S"
    assert raw["counts"] == {"cattle": "120", "camels": "4"}
    assert raw["herders"] == {"men": "3"}
    (res,) = validate_records([raw], OPTS)
    assert res.ok, res.errors


@pytest.mark.parametrize(
    ("tag", "target"),
    [("#meta+id", "id"), ("#date", "observed_at"), ("#loc+code", "flow_point"),
     ("#geo+lat", "location.lat"), ("#geo+coord", "location.coord"),
     ("#indicator+num+cattle", "counts.cattle"), ("#x_flow_type", "flow_type"),
     ("#adm1+code+origin", "origin"), ("#loc+name", None), ("#sector", None)],
)
def test_hxl_tag_mapping(tag, target):
    assert hxl_target(tag) == target


def test_hxl_coord_is_lat_comma_lon():
    text = 'id,pos,date\n#meta+id,#geo+coord,#date\n6f1c2a9e-1b0e-4c1a-9a51-2f0c3d9e7b11,"14.5,-4.2",2026-02-03T07:15:00Z\n'
    _, rows = rows_of(text)
    assert rows[0].raw["location"] == {"lat": "14.5", "lon": "-4.2"}


def test_semicolon_separated_french_excel_export_with_bom():
    text = "\ufeffid;flow_point;observed_at;cattle\n6f1c2a9e-1b0e-4c1a-9a51-2f0c3d9e7b11;P1;2026-02-03T07:15:00+00:00;12\n"
    _, rows = rows_of(text)
    assert rows[0].raw == {"id": "6f1c2a9e-1b0e-4c1a-9a51-2f0c3d9e7b11", "flow_point": "P1",
                           "observed_at": "2026-02-03T07:15:00+00:00", "counts": {"cattle": "12"}}


def test_files_that_are_not_observation_tables_are_refused_clearly():
    with pytest.raises(CsvFormatError, match="empty"):
        read_csv(io.StringIO(""))
    with pytest.raises(CsvFormatError, match="no id column"):
        read_csv(io.StringIO("a,b\n1,2\n"))
    with pytest.raises(CsvFormatError, match="both map to 'counts.cattle'"):
        read_csv(io.StringIO("id,cattle,counts.cattle\n"))


def test_rows_stream_lazily():
    def lines():
        yield "id,flow_point,observed_at,cattle\n"
        for i in range(3):
            yield f"6f1c2a9e-1b0e-4c1a-9a51-2f0c3d9e7b1{i},P,2026-02-03T07:15:00Z,{i}\n"
        raise AssertionError("read past what was asked")

    _, rows = read_csv(lines())
    assert next(rows).raw["counts"] == {"cattle": "0"}
