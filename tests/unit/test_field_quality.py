"""Automatic QA flags, zero-report records and KoBo maps per form (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from corridors.ingest.kobo import field_map_for, map_kobo
from corridors.observations.quality import QaLimits, herd_flags
from corridors.observations.schemas import ValidationOptions, validate_record
from corridors.observations.zero_reports import ZeroReportIn

NOW = datetime(2026, 2, 3, 12, tzinfo=UTC)
OPTS = ValidationOptions(now=NOW)


def flags(**changes) -> list[str]:
    args = dict(animals=120, herders=3, observed_at=NOW - timedelta(hours=1), received_at=NOW,
                already_counted=False, gps=(-4.196, 14.4843), point=(-4.196, 14.4843), point_code="P",
                distribution=(50, 40.0, 60.0, 90.0), upstream=None, limits=QaLimits(), device=True)
    args.update(changes)
    return [f["code"] for f in herd_flags(**args)]


def test_an_ordinary_herd_has_no_flag():
    assert flags() == []


@pytest.mark.parametrize(("changes", "expected"), [
    ({"animals": 3000, "herders": 1}, ["implausible_herd", "outside_distribution"]),
    ({"animals": 1500, "herders": 0}, ["implausible_herd", "outside_distribution"]),
    ({"animals": 1500, "herders": 2}, ["outside_distribution"]),
    ({"distribution": (5, 40.0, 60.0, 90.0), "animals": 1500, "herders": 2}, []),  # too few herds to judge
    ({"gps": (-4.0, 14.3)}, ["gps_far_from_point"]),
    ({"observed_at": NOW + timedelta(minutes=8)}, ["device_clock"]),
    ({"observed_at": NOW - timedelta(days=120)}, ["device_clock"]),
    ({"observed_at": NOW - timedelta(days=120), "device": False}, []),  # a CSV of last season is old, rightly
    ({"already_counted": True}, ["already_counted"]),
    ({"upstream": ("BF52-FMP-01", NOW - timedelta(days=2))}, ["counted_upstream"]),
])
def test_each_flag(changes, expected):
    assert flags(**changes) == expected


def test_limits_are_settings_and_unknown_ones_are_refused():
    assert flags(animals=300, herders=1, limits=QaLimits.from_mapping({"animals_per_herder": 100})) == ["implausible_herd"]
    with pytest.raises(ValueError, match="unknown QA limits"):
        QaLimits.from_mapping({"animal_per_herder": 100})


def test_a_zero_report_covers_whole_days_up_to_the_report():
    base = {"id": "6f1c2a9e-1b0e-4c1a-9a51-2f0c3d9e7b11", "zero_report": "oui", "flow_point": "P",
            "observed_at": "2026-02-03T08:00:00+00:00"}
    z = validate_record(base, 0, OPTS).observation
    assert isinstance(z, ZeroReportIn) and z.days == (date(2026, 2, 3), date(2026, 2, 3))
    week = validate_record({**base, "period_from": "2026-01-28"}, 0, OPTS).observation
    assert week.days == (date(2026, 1, 28), date(2026, 2, 3))
    too_long = validate_record({**base, "period_from": "2025-12-01"}, 0, OPTS)
    assert "at most 31 days" in too_long.errors[0]["message"]
    no = validate_record({**base, "zero_report": "no"}, 0, OPTS)  # "no": an ordinary count, without animals
    assert no.errors[0]["field"] == "counts"


def test_a_kobo_map_per_form_overrides_the_common_one():
    payload = {"_xform_id_string": "aB3", "formhub/uuid": "f00", "group_herd/nb_bovins": "12", "nb_ovins": "3",
               "meta/instanceID": "uuid:6f1c2a9e-1b0e-4c1a-9a51-2f0c3d9e7b11", "meta/deprecatedID": "uuid:abc"}
    fmap = field_map_for(payload, {"nb_ovins": "sheep"}, {"aB3": {"group_herd/nb_bovins": "cattle"}})
    rec = map_kobo(payload, fmap)
    assert rec.raw["counts"] == {"cattle": "12", "sheep": "3"} and rec.ignored == []
    assert rec.raw["replaces"] == "uuid:abc"  # the prefix goes at validation, as for instanceID
    assert map_kobo(payload, field_map_for(payload, {}, {"other": {}})).ignored == ["group_herd/nb_bovins", "nb_ovins"]
