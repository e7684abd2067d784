"""CAP 1.2 documents validate against the OASIS XSD and say what a CAP consumer needs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from alerts.delivery.cap import (
    CAP_MEDIA_TYPE,
    CapError,
    CapOptions,
    FeedEntry,
    build_feed,
    cap_bytes,
    cap_time,
    earlier_refs,
)
from tests.unit.test_delivery_samples import T0, hazard_alert, mass_alert, polygon_alert

XSD = etree.XMLSchema(etree.parse(str(Path(__file__).parents[1] / "data" / "CAP-v1.2.xsd")))
NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2", "atom": "http://www.w3.org/2005/Atom"}
OPTIONS = CapOptions(sender="ttt@ttt.example.org", status="Test")


def valid(doc: bytes) -> etree._Element:
    root = etree.fromstring(doc)
    if not XSD.validate(root):
        raise AssertionError(f"CAP invalid: {XSD.error_log}\n{doc.decode()}")
    return root


def test_new_alert_is_valid_cap_with_both_languages():
    root = valid(cap_bytes(mass_alert(), OPTIONS))
    assert root.findtext("cap:msgType", namespaces=NS) == "Alert"
    assert root.find("cap:references", NS) is None
    assert root.findtext("cap:sent", namespaces=NS) == "2026-11-24T08:30:12+00:00"
    langs = [i.findtext("cap:language", namespaces=NS) for i in root.findall("cap:info", NS)]
    assert langs == ["fr", "en", "ar"]
    fr = root.find("cap:info", NS)
    assert fr.findtext("cap:severity", namespaces=NS) == "Severe"
    assert fr.findtext("cap:certainty", namespaces=NS) == "Observed"
    assert fr.findtext("cap:headline", namespaces=NS) == "NOUVELLE ALERTE : Beaucoup plus d'animaux que d'habitude à Boni"
    assert "Environ 12\u202f500 animaux" in fr.findtext("cap:description", namespaces=NS)
    # a point becomes a circle "lat,lon radius" -- latitude first
    assert fr.findtext("cap:area/cap:circle", namespaces=NS) == "15.33000,-1.52000 5"
    geocodes = {(g.findtext("cap:valueName", namespaces=NS), g.findtext("cap:value", namespaces=NS))
                for g in fr.findall("cap:area/cap:geocode", NS)}
    assert geocodes == {("ADM1_PCODE", "ML05"), ("ADM2_PCODE", "ML0503")}


def test_update_references_every_earlier_message():
    v1_sent = datetime(2026, 11, 20, 6, 0, 0, tzinfo=UTC)
    v2_sent = datetime(2026, 11, 21, 7, 15, 0, tzinfo=UTC)
    msg = mass_alert(version=3, event="updated")
    refs = earlier_refs(msg, {1: v1_sent, 2: v2_sent, 3: T0}, OPTIONS)
    root = valid(cap_bytes(msg, OPTIONS, references=refs))
    assert root.findtext("cap:msgType", namespaces=NS) == "Update"
    assert root.findtext("cap:references", namespaces=NS) == (
        "ttt@ttt.example.org,urn:ttt:alert:42:v1,2026-11-20T06:00:00+00:00 "
        "ttt@ttt.example.org,urn:ttt:alert:42:v2,2026-11-21T07:15:00+00:00"
    )


def test_resolved_alert_is_an_update_with_all_clear():
    # Cancel is kept for false alarms: an alert that ended is an Update saying "all clear"
    for event in ("resolved", "closed"):
        msg = mass_alert(version=2, status="resolved", event=event)
        root = valid(cap_bytes(msg, OPTIONS))
        assert root.findtext("cap:msgType", namespaces=NS) == "Update"
        assert root.findtext("cap:references", namespaces=NS).startswith("ttt@ttt.example.org,urn:ttt:alert:42:v1,")
        info = root.find("cap:info", NS)
        assert info.findtext("cap:urgency", namespaces=NS) == "Past"
        assert info.findtext("cap:responseType", namespaces=NS) == "AllClear"
        assert info.find("cap:expires", NS) is None


def test_dismissed_alert_is_a_cancel_saying_false_alarm():
    msg = mass_alert(version=3, event="dismissed", verification="dismissed")
    root = valid(cap_bytes(msg, OPTIONS))
    assert root.findtext("cap:msgType", namespaces=NS) == "Cancel"
    assert root.findtext("cap:note", namespaces=NS) == "Fausse alerte / false alarm"
    assert root.findtext("cap:references", namespaces=NS).startswith("ttt@ttt.example.org,urn:ttt:alert:42:v1,")
    fr, en, _ar = root.findall("cap:info", NS)
    assert "FAUSSE ALERTE" in fr.findtext("cap:headline", namespaces=NS)
    assert "FALSE ALARM" in en.findtext("cap:headline", namespaces=NS)


def test_event_certainty_rises_with_corroborations_and_confirmation():
    def certainty(**kw):
        root = valid(cap_bytes(mass_alert(type="event", **kw), OPTIONS))
        return root.findtext("cap:info/cap:certainty", namespaces=NS)

    assert [certainty(corroborations=n) for n in (0, 1, 2, 5)] == ["Possible", "Likely", "Observed", "Observed"]
    assert certainty(verification="confirmed") == "Observed"


def test_corridor_line_becomes_closed_polygon_in_lat_lon_order():
    root = valid(cap_bytes(hazard_alert(), OPTIONS))
    poly = root.findtext("cap:info/cap:area/cap:polygon", namespaces=NS).split()
    assert len(poly) >= 4 and poly[0] == poly[-1]
    lats = [float(p.split(",")[0]) for p in poly]
    lons = [float(p.split(",")[1]) for p in poly]
    # the corridor runs lat 12.7-13.05, lon 3.1-3.4; 5 km buffer (about 0.045 deg) around it
    assert 12.6 < min(lats) < 12.7 and 13.05 < max(lats) < 13.15
    assert 3.0 < min(lons) < 3.1 and 3.4 < max(lons) < 3.5
    cats = [c.text for c in root.find("cap:info", NS).findall("cap:category", NS)]
    assert cats == ["Safety", "Fire"]


def test_polygon_area_and_missing_english_headline_falls_back():
    root = valid(cap_bytes(polygon_alert(), OPTIONS))
    en = root.findall("cap:info", NS)[1]
    # no place known: the headline the alert was raised with (any language) says where
    assert en.findtext("cap:headline", namespaces=NS) == "NEW ALERT: Troupeaux hors corridor près de Tessaoua"
    assert en.findtext("cap:area/cap:polygon", namespaces=NS).split()[0] == "13.70000,7.90000"
    assert "Seen 7.4 km from the mapped corridor." in en.findtext("cap:description", namespaces=NS)


def test_times_have_no_fraction_and_explicit_offset():
    assert cap_time(T0) == "2026-11-24T08:30:12+00:00"
    with pytest.raises(CapError):
        cap_time(datetime(2026, 1, 1))


def test_sender_with_comma_is_refused():
    with pytest.raises(CapError, match="sender"):
        CapOptions(sender="ttt,example")


def test_atom_feed_links_each_cap_document():
    entries = [FeedEntry(mass_alert(), "https://ttt.example.org/api/v1/alerts/42.cap"),
               FeedEntry(hazard_alert(), "https://ttt.example.org/api/v1/alerts/7.cap")]
    feed = etree.fromstring(build_feed(entries, feed_url="https://ttt.example.org/api/v1/alerts/feed.atom"))
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    assert feed.findtext("atom:updated", namespaces=NS) == "2026-11-24T08:30:12+00:00"
    items = feed.findall("atom:entry", NS)
    assert [e.findtext("atom:title", namespaces=NS) for e in items] == [
        "NOUVELLE ALERTE : Beaucoup plus d'animaux que d'habitude à Boni",
        "ALERTE NON CONFIRMÉE : Danger sur le chemin des troupeaux à Dosso : feu de brousse"]
    link = items[1].find("atom:link[@rel='alternate']", NS)
    assert link.get("type") == CAP_MEDIA_TYPE
    assert link.get("href").endswith("/alerts/7.cap")
    assert items[1].findtext("atom:id", namespaces=NS) == "urn:ttt:alert:7:v2"
