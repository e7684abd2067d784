"""OpenRosa pieces without HTTP: the XForm from the XLSForm, formList, responses, submissions."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from lxml import etree
from openpyxl import load_workbook

from corridors.ingest.forms import build_xlsform
from corridors.ingest.openrosa import (
    RESPONSE_NS,
    XFORMS_LIST_NS,
    SubmissionError,
    form_list_xml,
    load_form,
    openrosa_response,
    parse_submission,
)
from corridors.observations.schemas import ValidationOptions, validate_records

XF = "{http://www.w3.org/2002/xforms}"
CONTRACT_NAMES = [
    "flow_point", "observed_at", "location", "direction", "cattle", "sheep", "goats", "camels",
    "donkeys", "horses", "other", "men", "women", "boys", "girls", "origin", "destination",
    "flow_type", "reason", "cross_border", "has_certificate", "already_counted", "notes",
]

SUBMISSION = b"""<?xml version='1.0' ?>
<data id="flow_monitoring" version="2026112401"
      xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms">
  <start>2026-02-03T07:10:00.000+00:00</start><end>2026-02-03T07:16:00.000+00:00</end>
  <grp_site><flow_point>ML05-FMP-03</flow_point>
    <observed_at>2026-02-03T07:15:00.000+00:00</observed_at>
    <location>14.4843 -4.196 270.0 4.5</location><direction>S</direction></grp_site>
  <grp_count><cattle>120</cattle><sheep>40</sheep><goats>35</goats><camels>0</camels>
    <donkeys>2</donkeys><horses>0</horses><other/></grp_count>
  <grp_herders><men>3</men><women>0</women><boys>2</boys><girls>0</girls></grp_herders>
  <grp_move><origin>ML0506</origin><destination>BF5202</destination>
    <flow_type>transit</flow_type><reason>pasture</reason><cross_border>yes</cross_border>
    <has_certificate>no</has_certificate><already_counted>no</already_counted><notes/></grp_move>
  <orx:meta><orx:instanceID>uuid:6f1c2a9e-1b0e-4c1a-9a51-2f0c3d9e7b11</orx:instanceID></orx:meta>
</data>"""


def test_the_committed_xlsform_is_what_the_generator_writes(tmp_path):
    out = build_xlsform.build(tmp_path / "f.xlsx")

    def dump(p):
        wb = load_workbook(p)
        return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb}

    assert dump(out) == dump(build_xlsform.OUTPUT)


def test_the_xlsform_has_bilingual_labels_and_the_contract_field_names():
    wb = load_workbook(build_xlsform.OUTPUT)
    assert set(wb.sheetnames) >= {"survey", "choices", "settings"}
    rows = list(wb["survey"].iter_rows(values_only=True))
    header = rows[0]
    assert "label::English (en)" in header and "label::Français (fr)" in header
    names = [r[1] for r in rows[1:]]
    for n in CONTRACT_NAMES:
        assert n in names
    fr = header.index("label::Français (fr)")
    assert all(r[fr] for r in rows[1:] if r[0] not in ("start", "end", "end group"))
    settings = dict(zip(*list(wb["settings"].iter_rows(values_only=True)), strict=False))
    assert settings["form_id"] == "flow_monitoring" and settings["version"]


def test_the_served_xform_has_the_primary_instance_id_version_and_instance_id():
    form = load_form()
    root = etree.fromstring(form.xml)
    inst = root.find(f".//{XF}instance/*")
    assert inst.get("id") == form.form_id == "flow_monitoring"
    assert inst.get("version") == form.version == build_xlsform.VERSION
    leaves = {etree.QName(e).localname for e in inst.iter() if len(e) == 0}
    assert set(CONTRACT_NAMES) <= leaves
    assert "instanceID" in leaves
    assert form.hash == "md5:" + hashlib.md5(form.xml).hexdigest()
    assert load_form() is form  # cached


def test_form_list_document():
    form = load_form()
    doc = etree.fromstring(form_list_xml([form], {form.form_id: "http://h/openrosa/forms/x"}))
    assert doc.tag == f"{{{XFORMS_LIST_NS}}}xforms"
    x = doc.find(f"{{{XFORMS_LIST_NS}}}xform")
    get = lambda t: x.findtext(f"{{{XFORMS_LIST_NS}}}{t}")  # noqa: E731
    assert get("formID") == "flow_monitoring"
    assert get("hash") == form.hash
    assert get("downloadUrl") == "http://h/openrosa/forms/x"
    assert get("version") == form.version


def test_openrosa_response_escapes_the_message():
    doc = etree.fromstring(openrosa_response("Reçu <3 & merci", "submit_error"))
    msg = doc.find(f"{{{RESPONSE_NS}}}message")
    assert msg.text == "Reçu <3 & merci" and msg.get("nature") == "submit_error"


def test_a_collect_submission_reads_at_any_depth_with_lat_lon_swapped_into_place():
    sub = parse_submission(SUBMISSION)
    assert sub.instance_id == "uuid:6f1c2a9e-1b0e-4c1a-9a51-2f0c3d9e7b11"
    assert sub.form_id == "flow_monitoring" and sub.form_version == "2026112401"
    assert sub.raw["location"] == {"lon": "-4.196", "lat": "14.4843"}
    (res,) = validate_records([sub.raw], ValidationOptions(now=datetime(2026, 3, 1, tzinfo=UTC)))
    assert res.ok, res.errors
    obs = res.observation
    assert str(obs.id) == "6f1c2a9e-1b0e-4c1a-9a51-2f0c3d9e7b11"
    assert (obs.location.lon, obs.location.lat) == (-4.196, 14.4843)
    assert obs.counts.cattle == 120 and obs.counts.other == 0
    assert obs.cross_border is True and obs.already_counted is False
    assert sub.ignored == []  # form metadata (start, end, instanceName) is not data left unread


def test_a_field_map_renames_form_specific_names():
    xml = SUBMISSION.replace(b"<cattle>120</cattle>", b"<nb_bovins>7</nb_bovins>")
    sub = parse_submission(xml, field_map={"nb_bovins": "cattle"})
    assert sub.raw["counts"]["cattle"] == "7"


def test_broken_xml_is_refused_with_a_clear_error():
    with pytest.raises(SubmissionError, match="not well-formed XML") as e:
        parse_submission(b"<data><cattle>12</data>")
    assert e.value.code == "bad_xml"


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<data id="flow_monitoring"><notes>&lol3;</notes></data>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE data [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<data id="flow_monitoring"><notes>&xxe;</notes></data>"""


@pytest.mark.parametrize("doc", [BOMB, XXE], ids=["entity-bomb", "external-entity"])
def test_entity_bombs_and_external_entities_are_refused(doc):
    with pytest.raises(SubmissionError, match="refused") as e:
        parse_submission(doc)
    assert e.value.code == "dtd_forbidden"


def test_a_field_twice_is_ambiguous_and_refused():
    xml = SUBMISSION.replace(b"<sheep>40</sheep>", b"<sheep>40</sheep><x><cattle>1</cattle></x>")
    with pytest.raises(SubmissionError, match="'cattle' appears twice"):
        parse_submission(xml)


def test_too_large_is_refused_before_parsing():
    with pytest.raises(SubmissionError) as e:
        parse_submission(SUBMISSION, max_bytes=100)
    assert e.value.code == "too_large"


@pytest.mark.skipif(__import__("shutil").which("java") is None, reason="ODK Validate needs java")
def test_the_form_passes_odk_validate_javarosa():
    """pyxform's bundled ODK Validate (the JavaRosa engine Collect runs) accepts the form."""
    from pyxform.xls2xform import convert

    result = convert(xlsform=str(build_xlsform.OUTPUT), validate=True)
    assert result.warnings == []
