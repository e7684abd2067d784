"""corridors.geodata.features and ogc_core: what users send, what they are told, pure."""

from datetime import UTC, datetime

import pytest

from corridors.geodata.features import (
    ADMIN_AREA,
    CORRIDOR,
    FLOW_POINT,
    HAZARD,
    cod_ab_properties,
    parse_feature,
    parse_features,
)
from corridors.geodata.ogc_core import (
    OgcParamError,
    check_params,
    parse_bbox,
    parse_datetime,
    parse_limit,
)
from ttt.errors import ValidationFailed

LINE = {"type": "LineString", "coordinates": [[0, 15], [0, 13]]}


def fields(exc_info):
    return {e["field"]: e["message"] for e in exc_info.value.errors}


def test_corridor_defaults_and_feature_id_as_code():
    p = parse_feature(CORRIDOR, {"type": "Feature", "id": "ML-C01", "geometry": LINE, "properties": {}})
    assert p.key == "ML-C01"
    assert p.values["name"] == "ML-C01" and p.values["tolerance_m"] == 5000.0 and p.values["status"] == "open"
    assert p.values["countries"] == []


def test_every_problem_of_a_feature_is_reported_at_once():
    bad = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [0, 14]},
        "properties": {"code": "has space", "tolerance_m": "wide", "countries": ["Mali"], "status": "shut"},
    }
    with pytest.raises(ValidationFailed) as e:
        parse_feature(CORRIDOR, bad, index=4)
    got = fields(e)
    assert set(got) == {
        "features[4].properties.code",
        "features[4].properties.tolerance_m",
        "features[4].properties.countries",
        "features[4].properties.status",
        "features[4].geometry",
    }
    assert "expected one of open, closed" in got["features[4].properties.status"]


def test_partial_checks_only_what_is_given():
    p = parse_feature(CORRIDOR, {"type": "Feature", "properties": {"status": "closed"}}, partial=True)
    assert p.values == {"status": "closed"} and p.geometry is None


def test_url_key_must_match():
    with pytest.raises(ValidationFailed) as e:
        parse_feature(CORRIDOR, {"type": "Feature", "geometry": LINE, "properties": {"code": "B"}}, key="A")
    assert "does not match" in fields(e)["properties.code"]


def test_hazard_times_need_offsets_and_order():
    base = {"kind": "Bushfire", "severity": "severe"}
    poly = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    p = parse_feature(HAZARD, {"type": "Feature", "geometry": poly,
                               "properties": {**base, "starts_at": "2025-11-01T10:00:00+01:00"}})
    assert p.values["kind"] == "bushfire"  # case-insensitive choice
    assert p.values["starts_at"] == datetime(2025, 11, 1, 9, 0, tzinfo=UTC)
    with pytest.raises(ValidationFailed) as e:
        parse_feature(HAZARD, {"type": "Feature", "geometry": poly, "properties": {
            **base, "starts_at": "2025-11-01T10:00:00", "ends_at": "2025-10-01T00:00:00Z"}})
    assert "needs a UTC offset" in fields(e)["properties.starts_at"]


def test_collection_refuses_duplicate_codes_and_reports_all():
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [0, 14]}, "properties": {"code": "F1"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [0, 14]}, "properties": {"code": "F1"}},
        {"type": "Feature", "geometry": None, "properties": {"code": "F2"}},
    ]}
    with pytest.raises(ValidationFailed) as e:
        parse_features(FLOW_POINT, fc)
    got = fields(e)
    assert "appears twice" in got["features[1].properties.code"]
    assert "is required" in got["features[2].geometry"]
    with pytest.raises(ValidationFailed) as e:
        parse_features(FLOW_POINT, {"type": "Point", "coordinates": [0, 1]})
    assert "Feature or FeatureCollection" in fields(e)["type"]


def test_crs_member_forms():
    utm = {"type": "Point", "coordinates": [478000.0, 1603000.0]}
    for crs in (32630, "EPSG:32630", {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32630"}}):
        p = parse_feature(FLOW_POINT, {"type": "Feature", "crs": crs, "geometry": utm, "properties": {"code": "F"}})
        assert -3.25 < p.geometry.x < -3.15 and 14.45 < p.geometry.y < 14.55  # 22 km west of -3 E


def test_cod_ab_columns():
    props = {"ADM2_PCODE": "ML0506", "ADM2_FR": "Mopti", "ADM1_PCODE": "ML05", "ADM0_PCODE": "ML", "Shape_Area": 1.2}
    assert cod_ab_properties(props) == {"pcode": "ML0506", "name": "Mopti", "level": 2, "parent": "ML05"}
    assert cod_ab_properties(props, level=1)["pcode"] == "ML05"
    p = parse_feature(ADMIN_AREA, {"type": "Feature", "geometry": None, "properties": cod_ab_properties(props)})
    assert p.values["parent_pcode"] == "ML05" and p.geometry is None


@pytest.mark.parametrize(("raw", "expected"), [(None, 100), ("5", 5), ("0", 1), ("-3", 1), ("100000", 5000)])
def test_limit_is_clamped(raw, expected):
    assert parse_limit(raw) == expected


def test_bbox_and_datetime():
    assert parse_bbox("-5,12,2,16") == (-5.0, 12.0, 2.0, 16.0)
    assert parse_bbox("-5,12,0,2,16,100") == (-5.0, 12.0, 2.0, 16.0)
    assert parse_bbox("-200,-95,200,95") == (-180.0, -90.0, 180.0, 90.0)  # clamped, as zoomed-out QGIS sends
    for bad in ("1,2,3", "a,b,c,d", "0,14,1,13", "nan,1,2,3"):
        with pytest.raises(OgcParamError):
            parse_bbox(bad)
    start, end = parse_datetime("2025-11-02")
    assert start == datetime(2025, 11, 2, tzinfo=UTC) and end.date() == start.date() and end.hour == 23
    assert parse_datetime("../2025-11-02T00:00:00Z") == (None, datetime(2025, 11, 2, tzinfo=UTC))
    assert parse_datetime("2025-11-02T00:00:00Z/")[1] is None
    for bad in ("../..", "2025-13-01", "2025-11-03/2025-11-01"):
        with pytest.raises(OgcParamError):
            parse_datetime(bad)


def test_unknown_parameters():
    check_params(["limit", "bbox"], {"limit", "bbox", "datetime"})
    with pytest.raises(OgcParamError, match="colour"):
        check_params(["limit", "colour"], {"limit"})
