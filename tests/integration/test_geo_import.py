"""`ttt import corridors|flow-points|admin-areas` on real files (GeoJSON, GeoPackage in UTM,
COD-AB-style Shapefile) into real PostGIS, with per-feature error reports."""

from __future__ import annotations

import json

import numpy as np
import shapely
from pyogrio.raw import write
from shapely.geometry import LineString, Point, box
from sqlalchemy import text
from typer.testing import CliRunner

import ttt.cli.import_geo  # noqa: F401  (registers the commands)
from ttt.cli.common import import_app
from ttt.db import session_scope
from ttt.geo import to_metric

runner = CliRunner()


def rows(sql):
    with session_scope() as s:
        return s.execute(text(sql)).all()


def corridor_fc():
    def feat(code, coords, **props):
        return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
                "properties": {"code": code, "name": f"Corridor {code}", **props}}

    return {
        "type": "FeatureCollection",
        "features": [
            feat("ML-C01", [[-4.0, 15.0], [-4.0, 13.0]], tolerance_m=5000, countries="ML,BF"),
            feat("ML-C02", [[-3.0, 15.0], [-3.0, 13.0]]),
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-2, 14]}, "properties": {"code": "BAD-PT"}},
            feat("BAD-TOL", [[-2.0, 15.0], [-2.0, 13.0]], tolerance_m="wide"),
            feat("ML-C03", [[-1.0, 15.0], [-1.0, 13.0]], status="closed", status_reason="conflict"),
        ],
    }


def test_import_geojson_keeps_good_features_and_reports_bad_ones(engine, tmp_path):
    path = tmp_path / "corridors.geojson"
    path.write_text(json.dumps(corridor_fc()))
    report = tmp_path / "report.json"
    result = runner.invoke(import_app, ["corridors", str(path), "--report", str(report)])
    assert result.exit_code == 1, result.output  # something was refused
    assert "3 created, 0 updated, 2 refused" in result.output
    assert sorted(r[0] for r in rows("SELECT code FROM corridors")) == ["ML-C01", "ML-C02", "ML-C03"]
    assert rows("SELECT countries FROM corridors WHERE code = 'ML-C01'")[0][0] == ["ML", "BF"]
    errors = json.loads(report.read_text())["errors"]
    assert [(e["index"], e["key"]) for e in errors] == [(2, "BAD-PT"), (3, "BAD-TOL")]
    assert "got Point" in errors[0]["errors"][0]["message"]
    assert errors[1]["errors"][0]["field"] == "features[3].properties.tolerance_m"

    # importing again updates instead of duplicating; --strict writes nothing when anything is bad
    fc = corridor_fc()
    fc["features"][1]["properties"]["name"] = "Renamed"
    path.write_text(json.dumps(fc))
    strict = runner.invoke(import_app, ["corridors", str(path), "--strict"])
    assert strict.exit_code == 1 and "nothing was written" in strict.output
    assert rows("SELECT name FROM corridors WHERE code = 'ML-C02'")[0][0] == "Corridor ML-C02"
    fc["features"] = [f for f in fc["features"] if not f["properties"]["code"].startswith("BAD")]
    path.write_text(json.dumps(fc))
    ok = runner.invoke(import_app, ["corridors", str(path)])
    assert ok.exit_code == 0 and "0 created, 3 updated, 0 refused" in ok.output
    assert rows("SELECT name FROM corridors WHERE code = 'ML-C02'")[0][0] == "Renamed"


def test_import_geopackage_in_utm_assigns_corridors(engine, tmp_path):
    path = tmp_path / "corridors.geojson"
    path.write_text(json.dumps(corridor_fc()))
    runner.invoke(import_app, ["corridors", str(path)])
    # Flow points stored in UTM zone 30N metres in a GeoPackage.
    pts = [Point(-4.01, 14.0), Point(-3.0, 14.5), Point(-3.5, 14.0)]
    metric = [to_metric(p, 32630)[0] for p in pts]
    gpkg = tmp_path / "fmp.gpkg"
    write(
        gpkg,
        geometry=np.array([shapely.to_wkb(p) for p in metric], dtype=object),
        field_data=[np.array(["FMP-1", "FMP-2", "FMP-3"], dtype=object), np.array(["Konna", "Sevare", "Nowhere"], dtype=object)],
        fields=["CODE", "Name"],
        crs="EPSG:32630",
        driver="GPKG",
        geometry_type="Point",
        layer="fmp",
    )
    result = runner.invoke(import_app, ["flow-points", str(gpkg)])
    assert result.exit_code == 0, result.output
    assert "CRS EPSG:32630" in result.output
    got = {
        code: (corridor, round(x, 6), round(y, 6))
        for code, corridor, x, y in rows(
            "SELECT f.code, c.code, ST_X(f.geom), ST_Y(f.geom) FROM flow_points f "
            "LEFT JOIN corridors c ON c.id = f.corridor_id ORDER BY f.code"
        )
    }
    assert got == {"FMP-1": ("ML-C01", -4.01, 14.0), "FMP-2": ("ML-C02", -3.0, 14.5), "FMP-3": (None, -3.5, 14.0)}


def test_import_cod_ab_shapefile(engine, tmp_path):
    shp = tmp_path / "mli_admbnda_adm2.shp"
    areas = [box(-5, 13, -4, 15), box(-4, 13, -3, 15)]
    write(
        shp,
        geometry=np.array([shapely.to_wkb(a) for a in areas], dtype=object),
        field_data=[
            np.array(["ML0506", "ML0507"], dtype=object),
            np.array(["Mopti", "Djenne"], dtype=object),
            np.array(["ML05", "ML05"], dtype=object),
            np.array(["ML", "ML"], dtype=object),
        ],
        fields=["ADM2_PCODE", "ADM2_FR", "ADM1_PCODE", "ADM0_PCODE"],
        crs="EPSG:4326",
        driver="ESRI Shapefile",
        geometry_type="Polygon",
    )
    result = runner.invoke(import_app, ["admin-areas", str(shp), "--cod-version", "2015"])
    assert result.exit_code == 0, result.output
    assert rows("SELECT pcode, name, level, parent_pcode, cod_version FROM admin_areas ORDER BY pcode") == [
        ("ML0506", "Mopti", 2, "ML05", "2015"),
        ("ML0507", "Djenne", 2, "ML05", "2015"),
    ]


def test_unreadable_file_is_a_clear_error(engine, tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text("{not json")
    result = runner.invoke(import_app, ["corridors", str(path)])
    assert result.exit_code == 2 and "cannot read" in result.output


def test_many_features_all_imported(engine, tmp_path):
    n = 60
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": list(LineString([(i / 10, 15), (i / 10, 13)]).coords)},
         "properties": {"code": f"C{i:03d}"}} for i in range(n)]}
    path = tmp_path / "many.geojson"
    path.write_text(json.dumps(fc))
    result = runner.invoke(import_app, ["corridors", str(path)])
    assert result.exit_code == 0 and f"{n} created" in result.output
    assert rows("SELECT count(*) FROM corridors")[0][0] == n
