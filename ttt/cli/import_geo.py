"""`ttt import corridors|flow-points|admin-areas|resources FILE`: load geodata files.

Reads GeoJSON, GeoPackage, Shapefile and anything else GDAL reads (through pyogrio, without
geopandas), reprojects from the file's CRS to EPSG:4326, then upserts feature by feature:
a bad feature is reported (index, code, field, what was expected) and skipped, good ones
are kept (``--strict`` keeps nothing when anything is wrong). Exit code 1 when any feature
was refused, so scripts notice.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import typer
from pyproj import CRS, Transformer
from rich.table import Table
from shapely.geometry import mapping

from ttt.cli.common import console, import_app, progress
from ttt.outbound import OutboundRefused, check_local_source, disable_gdal_network

# Shapefile (dBase) field names stop at 10 characters.
TRUNCATED = {
    "tolerance_": "tolerance_m",
    "toleranc_m": "tolerance_m",
    "status_rea": "status_reason",
    "cod_versio": "cod_version",
    "parent_pco": "parent_pcode",
    "descriptio": "description",
}


class FileProblem(Exception):
    pass


def _plain(value: Any) -> Any:
    """numpy scalars and NaN (GDAL's null for numbers) -> plain Python / None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def read_features(path: Path, layer: str | None = None, crs: str | None = None) -> tuple[list[dict[str, Any]], str]:
    """GeoJSON-like Feature dicts in EPSG:4326 from any file GDAL reads; also the source CRS."""
    from pyogrio import list_layers
    from pyogrio.errors import DataLayerError, DataSourceError
    from pyogrio.raw import read

    try:
        check_local_source(path)
    except OutboundRefused as exc:
        raise FileProblem(f"cannot read {path}: {exc.detail}") from None
    disable_gdal_network()
    try:
        layers = list_layers(path)
        if layer is None and len(layers) > 1:
            names = ", ".join(str(n) for n, _ in layers)
            raise FileProblem(f"{path} has several layers ({names}); choose one with --layer")
        meta, _, geometries, field_data = read(path, layer=layer)
    except (DataSourceError, DataLayerError) as exc:
        raise FileProblem(f"cannot read {path}: {exc}") from None
    source = crs or meta.get("crs")
    transform = None
    label = "EPSG:4326 (assumed: the file has no CRS)" if not source else str(source)
    if source:
        try:
            src = CRS.from_user_input(source)
        except Exception as exc:
            raise FileProblem(f"unknown CRS {source!r}: {exc}") from None
        label = f"EPSG:{src.to_epsg()}" if src.to_epsg() else src.name
        if src.to_epsg() != 4326:
            transform = Transformer.from_crs(src, CRS.from_epsg(4326), always_xy=True)
    names = [TRUNCATED.get(str(n).lower(), str(n)) for n in meta["fields"]]
    features = []
    for i, wkb in enumerate(geometries):
        props = {name: _plain(column[i]) for name, column in zip(names, field_data, strict=True)}
        geom = None
        if wkb is not None:
            g = shapely.from_wkb(wkb)
            if transform is not None:
                g = shapely.transform(g, lambda c, t=transform: np.column_stack(t.transform(c[:, 0], c[:, 1])))
            geom = mapping(g)
        features.append({"type": "Feature", "geometry": geom, "properties": props})
    return features, label


def _lower_known(props: dict[str, Any], known: set[str]) -> dict[str, Any]:
    """Match columns case-insensitively (CODE, Name...) to the properties we know."""
    out = {}
    for k, v in props.items():
        low = k.lower()
        out[low if low in known else k] = v
    return out


def _run(layer_name: str, path: Path, layer: str | None, crs: str | None, strict: bool, report: Path | None,
         extra: dict[str, Any] | None = None, level: int | None = None) -> None:
    from corridors.geodata import service
    from corridors.geodata.layers import layer_of
    from ttt.db import session_scope

    lay = layer_of(layer_name)
    kind = lay.kind
    try:
        features, crs_label = read_features(path, layer, crs)
    except FileProblem as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    known = set(kind.props) | set(kind.aliases)
    for f in features:
        props = f["properties"]
        if lay.from_file is not None:
            props = lay.from_file(props, level)
        f["properties"] = _lower_known(props, known)
    console.print(f"{path.name}: {len(features)} features, CRS {crs_label}")
    with session_scope() as session, progress() as bar:
        task = bar.add_task(f"import {layer_name}", total=len(features))
        result = service.import_features(
            session, layer_name, features, extra_properties=extra, on_feature=lambda: bar.advance(task)
        )
        if strict and result.errors:
            session.rollback()
    _print_report(layer_name, result, strict)
    if report:
        report.write_text(
            json.dumps({"created": result.created, "updated": result.updated, "errors": result.errors}, indent=2, default=str)
        )
    if result.errors:
        raise typer.Exit(1)


def _print_report(layer_name: str, result, strict: bool) -> None:
    if result.errors:
        table = Table(title=f"{len(result.errors)} feature(s) refused", show_lines=False)
        for col in ("feature", "key", "field", "problem"):
            table.add_column(col)
        for err in result.errors:
            for e in err["errors"]:
                field = str(e.get("field") or "").removeprefix(f"features[{err['index']}].")
                table.add_row(str(err["index"]), str(err["key"] or "-"), field, str(e.get("message")))
        console.print(table)
    if strict and result.errors:
        console.print("[yellow]--strict: nothing was written[/yellow]")
    else:
        console.print(f"{layer_name}: {len(result.created)} created, {len(result.updated)} updated, {len(result.errors)} refused")


LAYER_OPT = typer.Option(None, "--layer", help="layer name inside a multi-layer file (GeoPackage)")
CRS_OPT = typer.Option(None, "--crs", help="CRS of the coordinates when the file has none (e.g. EPSG:32630)")
STRICT_OPT = typer.Option(False, "--strict", help="write nothing if any feature is refused")
REPORT_OPT = typer.Option(None, "--report", help="write the per-feature report as JSON here")


@import_app.command("corridors")
def import_corridors(path: Path = typer.Argument(..., exists=True, dir_okay=False, help="GeoJSON, GeoPackage, Shapefile..."),
                     layer: str | None = LAYER_OPT, crs: str | None = CRS_OPT, strict: bool = STRICT_OPT,
                     report: Path | None = REPORT_OPT) -> None:
    """Corridor lines (properties code, name, tolerance_m, countries, status), upsert by code."""
    _run("corridors", path, layer, crs, strict, report)


@import_app.command("flow-points")
def import_flow_points(path: Path = typer.Argument(..., exists=True, dir_okay=False),
                       layer: str | None = LAYER_OPT, crs: str | None = CRS_OPT, strict: bool = STRICT_OPT,
                       report: Path | None = REPORT_OPT) -> None:
    """Flow monitoring points (code, name, corridor optional: nearest within tolerance)."""
    _run("flow-points", path, layer, crs, strict, report)


@import_app.command("admin-areas")
def import_admin_areas(path: Path = typer.Argument(..., exists=True, dir_okay=False),
                       cod_version: str = typer.Option(..., "--cod-version", help="COD-AB version, e.g. 2015 or 2025"),
                       level: int | None = typer.Option(None, "--level", min=0, max=5,
                                                        help="admin level of the file (default: deepest ADMn_PCODE)"),
                       layer: str | None = LAYER_OPT, crs: str | None = CRS_OPT, strict: bool = STRICT_OPT,
                       report: Path | None = REPORT_OPT) -> None:
    """Admin boundaries (OCHA COD-AB columns ADMn_PCODE/ADMn_FR, or pcode/name/level/parent)."""
    _run("admin-areas", path, layer, crs, strict, report, extra={"cod_version": cod_version}, level=level)


@import_app.command("resources")
def import_resources(path: Path = typer.Argument(..., exists=True, dir_okay=False),
                     layer: str | None = LAYER_OPT, crs: str | None = CRS_OPT, strict: bool = STRICT_OPT,
                     report: Path | None = REPORT_OPT) -> None:
    """Resources along corridors (code, name, kind: water_point, market, pasture, ...)."""
    _run("resources", path, layer, crs, strict, report)
