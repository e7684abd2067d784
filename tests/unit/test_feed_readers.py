"""The hazard feed readers on sample files written to the publishers' formats."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree
from shapely.geometry import Point

from corridors.feeds.readers.acled import (
    AcledOptions,
    ConflictRules,
    RulesError,
    parse_conflict_rules,
    read_acled,
)
from corridors.feeds.readers.cap import CapOptions, index_entries, is_cap, parse_xml, read_cap_documents
from corridors.feeds.readers.common import FormatError
from corridors.feeds.readers.firms import FirmsOptions, confidence_class, read_firms
from corridors.feeds.readers.gdacs import read_gdacs

DATA = Path(__file__).parents[1] / "data"
FEEDS = DATA / "feeds"
XSD = etree.XMLSchema(etree.parse(str(DATA / "CAP-v1.2.xsd")))
RULES = ConflictRules(actor_words=("pastoralist", "herder", "farmer"),
                      note_words=("herder", "grazing", "transhumance", "cattle"))


def _cap(*names: str):
    return read_cap_documents([(n, parse_xml((FEEDS / "cap" / n).read_bytes())) for n in names])


@pytest.mark.parametrize("name", ["flood_alert.xml", "flood_update.xml", "flood_cancel.xml", "exercise.xml"])
def test_sample_cap_messages_are_valid_cap_1_2(name):
    doc = etree.parse(str(FEEDS / "cap" / name))
    assert XSD.validate(doc), XSD.error_log


def test_firms_viirs_detections_become_fire_areas():
    result = read_firms((FEEDS / "firms_viirs_snpp.csv").read_bytes())
    assert result.records == 10
    assert [r["record"] for r in result.refused] == ["line 11"]  # acq_time 2599
    assert "acq_date/acq_time" in result.refused[0]["reason"]
    assert len(result.skipped) == 1 and "low" in result.skipped[0]["reason"]
    kaya, dori = sorted(result.items, key=lambda i: i.geometry.centroid.x)
    assert kaya.kind == "bushfire" and kaya.severity == "severe"
    assert kaya.starts_at == datetime(2025, 12, 5, 12, 48, tzinfo=UTC)
    # the last detection 2025-12-06 12:30 + 24 quiet hours
    assert kaya.ends_at == datetime(2025, 12, 7, 12, 30, tzinfo=UTC)
    assert "6 satellite detection(s)" in kaya.description
    assert kaya.geometry.contains(Point(-1.31055, 13.21012)) and kaya.geometry.contains(Point(-1.28660, 13.22910))
    assert not kaya.geometry.intersects(dori.geometry)
    assert "2 satellite detection(s)" in dori.description


def test_firms_same_file_twice_gives_the_same_areas_and_a_new_detection_a_new_version():
    data = (FEEDS / "firms_viirs_snpp.csv").read_bytes()
    a, b = read_firms(data), read_firms(data)
    assert [(i.source_id, i.version) for i in a.items] == [(i.source_id, i.version) for i in b.items]
    more = data + b"13.23300,-1.28200,338.00,0.40,0.37,2025-12-06,1230,N,VIIRS,n,2.0NRT,296.00,3.10,D\n"
    c = read_firms(more)
    before = {i.source_id: i.version for i in a.items}
    after = {i.source_id: i.version for i in c.items}
    assert before.keys() == after.keys()
    assert sum(before[k] != after[k] for k in before) == 1


def test_firms_modis_confidence_is_a_percentage():
    assert [confidence_class(c) for c in ("12", "30", "79", "80", "n", "high")] == ["low", "nominal", "nominal", "high", "nominal", "high"]
    result = read_firms((FEEDS / "firms_modis_c6_1.csv").read_bytes(), FirmsOptions(min_confidence="high"))
    assert len(result.items) == 1 and len(result.skipped) == 2


def test_firms_refuses_a_file_that_is_not_firms():
    with pytest.raises(FormatError, match="not a FIRMS"):
        read_firms(b"<html>Service unavailable</html>")


def test_gdacs_events_keep_polygons_and_map_alert_levels():
    result = read_gdacs((FEEDS / "gdacs_events.geojson").read_bytes())
    items = {i.source_id: i for i in result.items}
    assert set(items) == {"gdacs:FL:1102983", "gdacs:DR:1017341"}
    flood = items["gdacs:FL:1102983"]
    assert flood.kind == "flood" and flood.severity == "severe" and flood.ends_at is None
    assert flood.geometry.geom_type == "Polygon" and flood.geometry.bounds == (1.3, 13.95, 1.7, 14.35)
    drought = items["gdacs:DR:1017341"]
    assert drought.severity == "minor" and drought.ends_at == datetime(2025, 8, 31, tzinfo=UTC)
    assert drought.geometry.area > 0  # a point event gets a circle
    assert [s["source_id"] for s in result.skipped] == ["gdacs:EQ:1455120"]
    assert [r["source_id"] for r in result.refused] == ["gdacs:WF:1021877"]
    assert "fromdate" in result.refused[0]["reason"]


def test_gdacs_garbage_is_a_format_error():
    with pytest.raises(FormatError):
        read_gdacs(b"Internal Server Error")


def test_cap_alert_update_cancel_read_in_order():
    result = _cap("flood_cancel.xml", "flood_update.xml", "flood_alert.xml", "exercise.xml")
    alert, update, cancel = result.items
    assert alert.source_id == "cap:cap@meteo-niger.example,NE-DMN-2025-0914-001"
    assert alert.kind == "flood" and alert.severity == "severe"
    assert alert.starts_at == datetime(2025, 9, 14, 12, tzinfo=UTC)
    assert alert.ends_at == datetime(2025, 9, 21, 18, tzinfo=UTC)
    assert alert.geocodes == ("ADM2_PCODE=NE00601",)
    assert alert.geometry.contains(Point(1.45, 14.21))  # lat,lon pairs read the right way round
    assert "Crue du fleuve Niger" in alert.description  # French info first
    assert update.references == (alert.source_id,) and update.severity == "extreme"
    assert update.geometry.contains(Point(2.1254, 13.5116))  # the circle around Niamey
    assert cancel.action == "end" and set(cancel.references) == {alert.source_id, update.source_id}
    assert [s["reason"] for s in result.skipped] == ["status Exercise is not an actual warning"]


def test_cap_index_atom_and_rss_give_links_and_bad_messages_are_refused():
    inline, links = index_entries(parse_xml((FEEDS / "cap" / "index_cancel.atom").read_bytes()))
    assert inline == [] and links == ["flood_alert.xml", "exercise.xml", "flood_update.xml", "flood_cancel.xml"]
    _, rss_links = index_entries(parse_xml((FEEDS / "cap" / "rss_index.xml").read_bytes()))
    assert rss_links == ["flood_alert.xml"]
    assert is_cap(parse_xml((FEEDS / "cap" / "flood_alert.xml").read_bytes()))
    bad = (FEEDS / "cap" / "flood_alert.xml").read_bytes().replace(b"14.75,0.85 14.75,1.10", b"0.85 14.75,1.10")
    result = read_cap_documents([("bad.xml", parse_xml(bad))], CapOptions())
    assert result.items == [] and "polygon" in result.refused[0]["reason"]
    with pytest.raises(FormatError):
        index_entries(parse_xml(b"<html><body>oops</body></html>"))


def test_acled_keeps_farmer_herder_events_only():
    result = read_acled((FEEDS / "acled_events.csv").read_bytes(), AcledOptions(rules=RULES))
    assert [i.source_id for i in result.items] == ["acled:BFA11873", "acled:NER6021"]
    kaya, sinder = result.items
    assert kaya.kind == "conflict" and kaya.severity == "moderate"  # 2 killed
    assert kaya.version == "1764950400"
    assert kaya.starts_at == datetime(2025, 12, 3, tzinfo=UTC) and (kaya.ends_at - kaya.starts_at).days == 14
    assert kaya.geometry.contains(Point(-1.0844, 13.0917)) and not kaya.geometry.contains(Point(-1.0844, 13.3))
    assert "notes mention 'grazing'" in sinder.description
    assert {s["source_id"] for s in result.skipped} == {"acled:BFA11874", "acled:MLI33410"}
    assert result.refused[0]["source_id"] == "acled:NER6022" and "latitude" in result.refused[0]["reason"]


def test_acled_rules_are_checked_with_their_path():
    assert parse_conflict_rules({"actor_words": ["herder"], "radius_km": 5}).radius_km == 5
    with pytest.raises(RulesError) as exc:
        parse_conflict_rules({"radius_km": -1, "colour": "red", "severity_by_fatalities": {"huge": 3}})
    fields = {e["field"] for e in exc.value.errors}
    assert fields == {"feeds.acled.radius_km", "feeds.acled.colour", "feeds.acled.severity_by_fatalities"}


def test_the_shipped_rules_file_states_the_built_in_conflict_rules_and_is_checked():
    import yaml

    from alerts.rules.config import DEFAULT_RULES_FILE, load_rules, parse_rules
    from ttt.errors import ValidationFailed

    data = yaml.safe_load(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))
    assert parse_conflict_rules(data["feeds"]["acled"]) == ConflictRules()
    load_rules(DEFAULT_RULES_FILE)  # the section is accepted
    with pytest.raises(ValidationFailed) as exc:
        parse_rules({**data, "feeds": {"acled": {"radius_km": 0}, "firms": {}}})
    assert {e["field"] for e in exc.value.errors} == {"feeds.acled.radius_km", "feeds.firms"}


def test_failed_pulls_back_off_from_minutes_to_hours():
    from datetime import timedelta

    from corridors.feeds.service import backoff

    assert [backoff(60, n) for n in (1, 2, 3)] == [timedelta(minutes=5), timedelta(minutes=10), timedelta(minutes=20)]
    assert backoff(60, 12) == timedelta(hours=6) and backoff(1440, 30) == timedelta(hours=24)
