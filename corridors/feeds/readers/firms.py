"""NASA FIRMS active-fire detections (CSV) clustered into fire areas.

Source: FIRMS area API ``/api/area/csv/{MAP_KEY}/{source}/{bbox}/{days}`` and the regional
24h/48h/7d files. VIIRS columns: ``latitude, longitude, bright_ti4, scan, track, acq_date,
acq_time, satellite, instrument, confidence, version, bright_ti5, frp, daynight``; MODIS has
``brightness`` and ``bright_t31`` instead, and a 0-100 ``confidence``. ``acq_date`` is
YYYY-MM-DD and ``acq_time`` HHMM in UTC (leading zeros sometimes dropped: ``52`` is 00:52).
VIIRS confidence is ``l``/``n``/``h`` (low, nominal, high; older files spell the words);
MODIS confidence classes follow the FIRMS FAQ: low < 30 <= nominal < 80 <= high.

Fire areas: detections at or above the confidence floor are buffered (``buffer_m``, at least
half the pixel's scan x track footprint) and detections closer than ``merge_m`` to each
other are one area (single linkage, in metres in the UTM zone of the detections). An area
lasts ``quiet_hours`` after its last detection. Its id is its first detection (time, place,
satellite), its version a hash of every detection in it: a new detection changes the version,
the same file read twice gives the same areas.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import shapely
from shapely.ops import unary_union

from corridors.feeds.readers.common import (
    SEVERITIES,
    FormatError,
    Item,
    ReadResult,
    decode,
    mapped,
    short_hash,
    utc,
)
from ttt.geo import from_metric, transformer, utm_crs_for

CLASSES = ("low", "nominal", "high")
_WORDS = {"l": "low", "low": "low", "n": "nominal", "nominal": "nominal", "h": "high", "high": "high"}
REQUIRED = ("latitude", "longitude", "acq_date", "acq_time", "confidence")
SATELLITES = {"N": "Suomi NPP", "N20": "NOAA-20", "N21": "NOAA-21", "1": "NOAA-20", "T": "Terra", "A": "Aqua",
              "Terra": "Terra", "Aqua": "Aqua"}
DEFAULT_SEVERITY = {"low": "moderate", "nominal": "severe", "high": "severe"}


@dataclass(frozen=True)
class FirmsOptions:
    min_confidence: str = "nominal"
    buffer_m: float = 1000.0
    merge_m: float = 2000.0
    quiet_hours: float = 24.0
    kind: str = "bushfire"
    severity_map: Mapping[str, str] | None = None  # confidence class -> severity


@dataclass(frozen=True)
class Detection:
    lon: float
    lat: float
    at: datetime
    confidence: str
    satellite: str
    instrument: str
    frp: float | None
    footprint_m: float  # half the pixel diagonal, metres

    @property
    def key(self) -> str:
        return f"{self.at:%Y-%m-%dT%H%M}Z@{self.lat:.4f},{self.lon:.4f}/{self.satellite or self.instrument}"


def confidence_class(raw: str) -> str:
    """``l``/``n``/``h`` (VIIRS) or 0-100 (MODIS) -> low, nominal or high."""
    s = raw.strip().lower()
    if s in _WORDS:
        return _WORDS[s]
    try:
        x = float(s)
    except ValueError:
        raise ValueError(f"confidence: expected l, n, h or 0-100, got {raw!r}") from None
    if not 0 <= x <= 100:
        raise ValueError(f"confidence: expected 0-100, got {raw!r}")
    return "low" if x < 30 else "nominal" if x < 80 else "high"


def acquired(date_s: str, time_s: str) -> datetime:
    t = time_s.strip()
    if not t.isdigit() or len(t) > 4:
        raise ValueError(f"acq_time: expected HHMM (UTC), got {time_s!r}")
    t = t.zfill(4)
    try:
        day = datetime.strptime(date_s.strip(), "%Y-%m-%d")
        return utc(day.replace(hour=int(t[:2]), minute=int(t[2:])))
    except ValueError:
        raise ValueError(f"acq_date/acq_time: expected YYYY-MM-DD and HHMM, got {date_s!r} {time_s!r}") from None


def _float(row: Mapping[str, str], name: str, lo: float, hi: float) -> float:
    raw = (row.get(name) or "").strip()
    try:
        x = float(raw)
    except ValueError:
        raise ValueError(f"{name}: expected a number, got {raw!r}") from None
    if not math.isfinite(x) or not lo <= x <= hi:
        raise ValueError(f"{name}: expected {lo:g} to {hi:g}, got {raw!r}")
    return x


def _detection(row: Mapping[str, str]) -> Detection:
    lat = _float(row, "latitude", -90, 90)
    lon = _float(row, "longitude", -180, 180)
    at = acquired(row.get("acq_date") or "", row.get("acq_time") or "")
    conf = confidence_class(row.get("confidence") or "")
    try:
        scan = float(row.get("scan") or 0.375)
        track = float(row.get("track") or 0.375)
    except ValueError:
        scan = track = 0.375
    try:
        frp = float(row["frp"]) if row.get("frp") not in (None, "") else None
    except ValueError:
        frp = None
    footprint = 500.0 * math.hypot(scan, track) if math.isfinite(scan * track) else 0.0
    return Detection(lon, lat, at, conf, (row.get("satellite") or "").strip(), (row.get("instrument") or "").strip(),
                     frp, footprint)


def read_detections(data: bytes, result: ReadResult) -> list[Detection]:
    text = decode(data)
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing or not ({"bright_ti4", "brightness"} & set(header)):
        raise FormatError(
            "not a FIRMS active-fire CSV: expected the VIIRS (bright_ti4) or MODIS (brightness) columns"
            + (f"; missing {', '.join(missing)}" if missing else "")
        )
    reader.fieldnames = header
    out = []
    for n, row in enumerate(reader, start=2):
        result.records += 1
        if None in row:  # more cells than the header
            result.refuse(f"line {n}", "more values than columns")
            continue
        try:
            out.append(_detection(row))
        except ValueError as exc:
            result.refuse(f"line {n}", str(exc))
    return out


def cluster(detections: list[Detection], merge_m: float) -> list[list[Detection]]:
    """Single-linkage groups of detections closer than ``merge_m`` (metres, local UTM)."""
    if not detections:
        return []
    lon = np.array([d.lon for d in detections])
    lat = np.array([d.lat for d in detections])
    epsg = utm_crs_for(float(np.median(lon)), float(np.median(lat)))
    x, y = transformer(4326, epsg).transform(lon, lat)
    pts = shapely.points(x, y)
    tree = shapely.STRtree(pts)
    left, right = tree.query(pts, predicate="dwithin", distance=merge_m)
    parent = list(range(len(detections)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[Detection]] = {}
    for i, d in enumerate(detections):
        groups.setdefault(find(i), []).append(d)
    return [sorted(g, key=lambda d: (d.at, d.key)) for g in groups.values()]


def area_of(group: list[Detection], buffer_m: float):
    lon = np.array([d.lon for d in group])
    lat = np.array([d.lat for d in group])
    epsg = utm_crs_for(float(np.median(lon)), float(np.median(lat)))
    x, y = transformer(4326, epsg).transform(lon, lat)
    radii = np.array([max(buffer_m, d.footprint_m) for d in group])
    metric = unary_union(shapely.buffer(shapely.points(x, y), radii, quad_segs=8))
    return shapely.set_precision(from_metric(metric, epsg), 1e-6)


def read_firms(data: bytes, options: FirmsOptions = FirmsOptions()) -> ReadResult:
    result = ReadResult()
    floor = CLASSES.index(_WORDS.get(options.min_confidence.lower(), "nominal"))
    kept = []
    for d in read_detections(data, result):
        if CLASSES.index(d.confidence) < floor:
            result.skip(d.key, f"confidence {d.confidence} is below {CLASSES[floor]}")
        else:
            kept.append(d)
    sev_map = dict(DEFAULT_SEVERITY, **(options.severity_map or {}))
    for group in cluster(kept, options.merge_m):
        first, last = group[0], max(group, key=lambda d: d.at)
        severity = max((mapped(d.confidence, sev_map, "severe", SEVERITIES) for d in group), key=SEVERITIES.index)
        frp = sum(d.frp or 0.0 for d in group)
        sats = sorted({SATELLITES.get(d.satellite, d.satellite or d.instrument) for d in group})
        result.items.append(Item(
            source_id=f"firms:{first.key}",
            version=short_hash(*sorted(d.key for d in group)),
            kind=options.kind,
            severity=severity,
            geometry=area_of(group, options.buffer_m),
            starts_at=first.at,
            ends_at=last.at + timedelta(hours=options.quiet_hours),
            description=(f"Active fire area: {len(group)} satellite detection(s) ({', '.join(sats)}) "
                         f"from {first.at:%Y-%m-%d %H:%M} to {last.at:%Y-%m-%d %H:%M} UTC, "
                         f"fire intensity {frp:.0f} MW (radiative power)"),
        ))
    return result


def options_from(raw: Mapping[str, Any], severity_map: Mapping[str, str] | None, kind: str | None,
                 expire_hours: float | None) -> FirmsOptions:
    base = FirmsOptions()
    return FirmsOptions(
        min_confidence=str(raw.get("min_confidence", base.min_confidence)),
        buffer_m=float(raw.get("buffer_m", base.buffer_m)),
        merge_m=float(raw.get("merge_m", base.merge_m)),
        quiet_hours=float(expire_hours if expire_hours is not None else base.quiet_hours),
        kind=kind or base.kind,
        severity_map=severity_map or None,
    )
