"""KoBoToolbox webhook JSON -> observation: group paths, strings, [lat, lon], uuid: prefixes."""

from __future__ import annotations

from datetime import UTC, datetime

from corridors.ingest.kobo import map_kobo
from corridors.observations.schemas import ValidationOptions, validate_records

OPTS = ValidationOptions(now=datetime(2026, 3, 1, tzinfo=UTC))

KOBO = {
    "_id": 318092,
    "_uuid": "6f1c2a9e-1b0e-4c1a-9a51-2f0c3d9e7b11",
    "_xform_id_string": "aB3xYz",
    "_submission_time": "2026-02-03T07:20:11",
    "_geolocation": [14.4843, -4.196],
    "_attachments": [],
    "_status": "submitted_via_web",
    "formhub/uuid": "1234abcd",
    "start": "2026-02-03T07:10:00.000+00:00",
    "end": "2026-02-03T07:16:00.000+00:00",
    "grp_site/flow_point": "ML05-FMP-03",
    "grp_site/observed_at": "2026-02-03T07:15:00.000+00:00",
    "grp_site/location": "14.4843 -4.196 270 4.5",
    "grp_site/direction": "S",
    "grp_count/cattle": "120",
    "grp_count/sheep": "40",
    "grp_count/goats": "35",
    "grp_count/donkeys": "2",
    "grp_herders/men": "3",
    "grp_herders/boys": "2",
    "grp_move/origin": "ML0506",
    "grp_move/destination": "BF5202",
    "grp_move/flow_type": "transit",
    "grp_move/cross_border": "yes",
    "grp_move/already_counted": "no",
    "meta/instanceID": "uuid:6f1c2a9e-1b0e-4c1a-9a51-2f0c3d9e7b11",
    "__version__": "vQ8",
}


def test_a_kobo_submission_maps_to_the_contract():
    rec = map_kobo(KOBO)
    assert rec.raw["id"] == "6f1c2a9e-1b0e-4c1a-9a51-2f0c3d9e7b11"
    assert rec.raw["location"] == {"lat": 14.4843, "lon": -4.196}
    assert rec.kobo_id == 318092
    assert rec.submitted_at == datetime(2026, 2, 3, 7, 20, 11, tzinfo=UTC)
    assert rec.ignored == []  # form plumbing (formhub/uuid, start, end, meta) is not data nobody read
    assert map_kobo({**KOBO, "grp_count/yaks": "3", "end": "x"}).ignored == ["grp_count/yaks"]
    (res,) = validate_records([rec.raw], OPTS)
    assert res.ok, res.errors
    obs = res.observation
    assert obs.counts.cattle == 120 and obs.counts.camels == 0 and obs.herders.men == 3
    assert obs.cross_border is True and obs.location.lon == -4.196


def test_null_geolocation_falls_back_to_the_geopoint_and_then_to_nothing():
    rec = map_kobo({**KOBO, "_geolocation": [None, None]})
    assert rec.raw["location"] == {"lon": "-4.196", "lat": "14.4843"}
    rec = map_kobo({**KOBO, "_geolocation": [None, None], "grp_site/location": ""})
    assert "location" not in rec.raw


def test_uuid_fallback_and_field_map():
    payload = {k: v for k, v in KOBO.items() if k != "meta/instanceID"}
    payload["grp_count/nb_bovins"] = "9"
    del payload["grp_count/cattle"]
    rec = map_kobo(payload, field_map={"nb_bovins": "cattle", "grp_site/direction": "notes"})
    assert rec.raw["id"] == KOBO["_uuid"]
    assert rec.raw["counts"]["cattle"] == "9"
    assert rec.raw["notes"] == "S" and "direction" not in rec.raw


def test_observed_at_falls_back_to_the_device_start_time():
    payload = {k: v for k, v in KOBO.items() if k != "grp_site/observed_at"}
    assert map_kobo(payload).raw["observed_at"] == KOBO["start"]


def test_bad_values_surface_as_named_validation_errors():
    rec = map_kobo({**KOBO, "grp_count/cattle": "-4", "grp_count/sheep": "beaucoup"})
    (res,) = validate_records([rec.raw], OPTS)
    fields = {e["field"] for e in res.errors}
    assert fields == {"counts.cattle", "counts.sheep"}
