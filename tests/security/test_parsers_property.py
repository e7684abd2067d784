"""Property tests of the three field-data parsers (OpenRosa XML, KoBo JSON, CSV).

Two properties each: hostile or random input only ever produces the parser's documented
error (never a crash that would become a 500 or lose the rest of a batch), and well-formed
input comes back with exactly the values that were sent. Plus XML hardening: entity
expansion, external entities and oversized documents are refused without being processed.
"""

from __future__ import annotations

import contextlib
import csv
import io
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridors.ingest.csvfile import CsvFormatError, read_csv
from corridors.ingest.kobo import map_kobo
from corridors.ingest.openrosa import SubmissionError, parse_submission
from corridors.observations.schemas import HERDERS, SPECIES, validate_record

FAST = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])

counts = st.dictionaries(st.sampled_from(SPECIES), st.integers(0, 100_000), max_size=len(SPECIES))
herders = st.dictionaries(st.sampled_from(HERDERS), st.integers(0, 500), max_size=len(HERDERS))
xml_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)
uuids = st.uuids().map(str)
json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20)
json_values = st.recursive(json_scalars, lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c,
                                                                                               max_size=4),
                           max_leaves=12)


# --- OpenRosa XML -----------------------------------------------------------------------------

def _submission(iid: str, cnt: dict[str, int], hrd: dict[str, int], notes: str, grouped: bool) -> bytes:
    from xml.sax.saxutils import escape

    leaves = "".join(f"<{k}>{v}</{k}>" for k, v in cnt.items())
    people = "".join(f"<{k}>{v}</{k}>" for k, v in hrd.items())
    if grouped:
        leaves = f"<grp_counts><inner>{leaves}</inner></grp_counts>"
    return (f'<?xml version="1.0" encoding="UTF-8"?><data id="ttt_flow" version="3" '
            f'xmlns:orx="http://openrosa.org/xforms"><flow_point>NE-AYO</flow_point>{leaves}'
            f"<g2>{people}</g2><notes>{escape(notes)}</notes><meta><orx:instanceID>uuid:{iid}</orx:instanceID>"
            f"</meta></data>").encode()


@FAST
@given(uuids, counts, herders, xml_text, st.booleans())
def test_openrosa_well_formed_submissions_round_trip(iid, cnt, hrd, notes, grouped):
    sub = parse_submission(_submission(iid, cnt, hrd, notes, grouped))
    assert sub.instance_id == f"uuid:{iid}" and sub.raw["id"] == f"uuid:{iid}"
    assert sub.form_id == "ttt_flow" and sub.form_version == "3"
    assert sub.raw.get("counts", {}) == {k: str(v) for k, v in cnt.items()}
    assert sub.raw.get("herders", {}) == {k: str(v) for k, v in hrd.items()}
    assert sub.raw["flow_point"] == "NE-AYO"
    if notes.strip():
        assert sub.raw["notes"] == notes.strip()


@FAST
@given(st.binary(max_size=400) | xml_text.map(str.encode))
def test_openrosa_random_bytes_give_a_submission_error_or_a_submission(data):
    try:
        sub = parse_submission(data)
    except SubmissionError as exc:
        assert exc.code in {"bad_xml", "dtd_forbidden", "too_large", "duplicate_field"} and str(exc)
    else:
        assert isinstance(sub.raw, dict)


@FAST
@given(st.lists(st.sampled_from(["<a>", "</a>", "<b x='1'>", "</b>", "<cattle>", "</cattle>", "12", "&amp;",
                                 "<!-- c -->", "<?pi x?>", "<![CDATA[x]]>", "<goats/>", "&lt;"]), max_size=30))
def test_openrosa_tag_soup_never_crashes(parts):
    data = ("<data>" + "".join(parts) + "</data>").encode()
    with contextlib.suppress(SubmissionError):
        parse_submission(data)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<data><notes>&lol4;</notes></data>"""
XXE_FILE = b"""<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><data><notes>&x;</notes></data>"""
XXE_NET = b"""<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]><data><notes>&x;</notes></data>"""
LATE_ENTITY = b"<data><notes>hi</notes>" + b" " * 5000 + b"<!ENTITY x 'y'></data>"
PARAM_ENTITY = b"""<?xml version="1.0"?><!DOCTYPE d [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><data/>"""


@pytest.mark.parametrize("doc", [BILLION_LAUGHS, XXE_FILE, XXE_NET, LATE_ENTITY, PARAM_ENTITY],
                         ids=["billion-laughs", "xxe-file", "xxe-network", "entity-after-4k", "parameter-entity"])
def test_openrosa_refuses_dtds_and_entities(doc):
    with pytest.raises(SubmissionError) as exc:
        parse_submission(doc)
    assert exc.value.code in {"dtd_forbidden", "bad_xml"}
    assert "root:" not in str(exc.value)  # nothing of /etc/passwd leaks into the message


def test_openrosa_refuses_oversized_documents_before_parsing():
    doc = b"<data><notes>" + b"x" * 2_000_001 + b"</notes></data>"
    with pytest.raises(SubmissionError) as exc:
        parse_submission(doc, max_bytes=2_000_000)
    assert exc.value.code == "too_large"


def test_openrosa_deeply_nested_documents_are_refused_not_crashing():
    doc = b"<data>" + b"<g>" * 100_000 + b"</g>" * 100_000 + b"</data>"
    with pytest.raises(SubmissionError):
        parse_submission(doc)


# --- KoBo JSON --------------------------------------------------------------------------------

@FAST
@given(st.dictionaries(st.text(max_size=30), json_values, max_size=12))
def test_kobo_any_json_object_maps_without_crashing_and_validates_without_raising(payload):
    rec = map_kobo(payload)
    assert isinstance(rec.raw, dict)
    result = validate_record(rec.raw)
    assert result.ok or result.errors  # rejected records always say why


@FAST
@given(uuids, counts, herders, st.sampled_from(["", "grp/", "a/b/"]))
def test_kobo_submissions_round_trip_whatever_the_groups(iid, cnt, hrd, prefix):
    payload = {f"{prefix}{k}": str(v) for k, v in cnt.items()}
    payload |= {f"{prefix}{k}": v for k, v in hrd.items()}
    payload |= {"meta/instanceID": f"uuid:{iid}", "_id": 7, "_geolocation": [13.5, 2.1],
                "_submission_time": "2026-02-03T07:20:11", "flow_point": "NE-AYO"}
    rec = map_kobo(payload)
    assert rec.raw["id"] == iid and rec.kobo_id == 7
    assert rec.raw.get("counts", {}) == {k: str(v) for k, v in cnt.items()}
    assert rec.raw.get("herders", {}) == hrd
    assert rec.raw["location"] == {"lat": 13.5, "lon": 2.1}
    assert rec.submitted_at is not None and rec.submitted_at.utcoffset().total_seconds() == 0


# --- CSV --------------------------------------------------------------------------------------

@FAST
@given(st.lists(st.text(max_size=60), max_size=8))
def test_csv_random_lines_give_a_format_error_or_rows(lines):
    try:
        layout, rows = read_csv(line + "\n" for line in lines)
        for row in rows:
            assert row.row >= layout.first_data_row and isinstance(row.raw, dict)
            validate_record(row.raw, row.row)
    except CsvFormatError as exc:
        assert str(exc)


@FAST
@given(st.lists(st.tuples(uuids, counts, st.text(max_size=20)), min_size=1, max_size=6),
       st.sampled_from([",", ";", "\t"]), st.booleans())
def test_csv_rows_round_trip_with_spreadsheet_row_numbers(records, delim, hxl):
    cols = ["id", "flow_point", *SPECIES, "notes"]
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delim, lineterminator="\n")
    w.writerow(cols)
    if hxl:
        w.writerow(["#meta+id", "#loc+code", *(f"#indicator+num+{s}" for s in SPECIES), "#x_notes"])
    for iid, cnt, notes in records:
        w.writerow([iid, "NE-AYO", *(cnt.get(s, "") for s in SPECIES), notes])
    layout, rows = read_csv(io.StringIO(buf.getvalue()))
    rows = list(rows)
    assert layout.hxl is hxl
    assert len(rows) == len(records)  # no record dropped
    for n, (row, (iid, cnt, notes)) in enumerate(zip(rows, records, strict=True)):
        assert row.row == layout.first_data_row + n
        assert row.raw["id"] == iid
        assert row.raw.get("counts", {}) == {k: str(v) for k, v in cnt.items()}
        if notes.strip():
            assert row.raw["notes"] == notes.strip()


def test_csv_without_an_id_column_is_refused_with_a_clear_message():
    with pytest.raises(CsvFormatError, match="no id column"):
        read_csv(iter(["cattle,goats\n", "1,2\n"]))


def test_csv_uuid_sanity():
    iid = str(uuid.uuid4())
    _, rows = read_csv(iter(["id;cattle\n", f"{iid};5\n"]))
    assert [r.raw for r in rows] == [{"id": iid, "counts": {"cattle": "5"}}]
