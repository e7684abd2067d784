"""Deterministic synthetic data for the benchmarks: a corridor network of any size and
seasons of flow-monitoring counts at its flow points.

Everything comes from one ``numpy`` generator seeded by the caller, so two runs with the
same seed and sizes produce byte-identical records (``tests/unit/test_bench_generate.py``).
Counts are columnar (numpy arrays) because the large runs hold 5M observations; they are
turned into API JSON records or COPY rows only at the edge (``records``, ``copy_rows``).

The shape follows the demo season (``ttt.demo_data``): corridors drawn north -> south across
the Sahel, descent peaking in early December, return in mid June, counts on weekdays
between 07 and 17 h, lognormal herd sizes, a rare very large herd.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import shapely
from shapely.geometry import LineString

from ttt.facts import DIRECTIONS, SPECIES
from ttt.facts import HERDER_GROUPS as HERDERS

COMPASS = ("N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE",
           "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW")
REASONS = ("pasture", "water", "market", "seasonal", "conflict")
MOVEMENTS = DIRECTIONS
LON_RANGE = (-12.0, 14.0)  # Senegal/Mali border to eastern Niger
LAT_RANGE = (11.5, 16.5)
METRES_PER_DEG_LAT = 110_574.0


@dataclass(frozen=True)
class Network:
    """Corridors (polylines, north -> south) and flow points placed along them."""

    corridor_codes: list[str]
    corridor_lines: list[LineString]
    corridor_countries: list[str]
    fp_codes: list[str]
    fp_corridor: np.ndarray  # index into corridors
    fp_lon: np.ndarray
    fp_lat: np.ndarray
    fp_bearing: np.ndarray  # descent bearing of the corridor at the point, degrees
    fp_km_along: np.ndarray
    fp_adm2: list[str]
    fp_weight: np.ndarray  # relative traffic, sums to 1

    @property
    def n_flow_points(self) -> int:
        return len(self.fp_codes)

    def corridor_end_pcodes(self) -> tuple[list[str], list[str]]:
        """adm2 P-code of each corridor's northern and southern flow point."""
        north, south = [""] * len(self.corridor_codes), [""] * len(self.corridor_codes)
        for k, c in enumerate(self.fp_corridor.tolist()):
            if not north[c]:
                north[c] = self.fp_adm2[k]
            south[c] = self.fp_adm2[k]
        return north, south


def _country(lon: float) -> str:
    return "ML" if lon < -5.0 else "BF" if lon < 1.5 else "NE"


def _bearing(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Initial great-circle bearing in degrees from north."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return (math.degrees(math.atan2(y, x)) + 360.0) % 360.0


def _km(line: LineString) -> float:
    """Length in km of a lon/lat polyline (equirectangular per segment: plenty for a bench)."""
    xy = np.asarray(line.coords)
    dlat = np.diff(xy[:, 1]) * METRES_PER_DEG_LAT
    dlon = np.diff(xy[:, 0]) * METRES_PER_DEG_LAT * np.cos(np.radians((xy[1:, 1] + xy[:-1, 1]) / 2))
    return float(np.hypot(dlat, dlon).sum() / 1000.0)


def network(seed: int, n_flow_points: int, per_corridor: int = 10) -> Network:
    """``n_flow_points`` flow points, ``per_corridor`` on each corridor, corridors side by side
    from west to east with a lateral wiggle small enough that they never come within a
    corridor's 5 km tolerance of each other."""
    rng = np.random.default_rng([seed, 1])
    n_corr = max(1, math.ceil(n_flow_points / per_corridor))
    spacing = (LON_RANGE[1] - LON_RANGE[0]) / n_corr
    wiggle = min(0.25, spacing * 0.3)
    lats = np.linspace(LAT_RANGE[1], LAT_RANGE[0], 7)
    codes, lines, countries = [], [], []
    fp_codes, fp_corr, fp_lon, fp_lat, fp_bear, fp_km, fp_adm2, fp_w = [], [], [], [], [], [], [], []
    numbering: dict[str, int] = {}
    for i in range(n_corr):
        x0 = LON_RANGE[0] + (i + 0.5) * spacing
        xs = x0 + rng.uniform(-wiggle, wiggle, size=len(lats))
        line = LineString(np.column_stack([xs, lats]))
        cc = _country(x0)
        numbering[cc] = numbering.get(cc, 0) + 1
        code = f"{cc}-B{numbering[cc]:03d}"
        codes.append(code)
        lines.append(line)
        countries.append(cc)
        length_km = _km(line)
        traffic = float(rng.lognormal(0.0, 0.35))
        k_here = min(per_corridor, n_flow_points - len(fp_codes))
        for j in range(k_here):
            frac = (j + 0.5) / k_here
            p = line.interpolate(frac, normalized=True)
            a = line.interpolate(max(frac - 0.01, 0.0), normalized=True)
            b = line.interpolate(min(frac + 0.01, 1.0), normalized=True)
            adm1 = f"{cc}{(numbering[cc] - 1) % 90 + 1:02d}"
            fp_codes.append(f"{code}-P{j + 1:02d}")
            fp_corr.append(i)
            fp_lon.append(round(p.x, 5))
            fp_lat.append(round(p.y, 5))
            fp_bear.append(_bearing(a.x, a.y, b.x, b.y))
            fp_km.append(round(frac * length_km, 3))
            fp_adm2.append(f"{adm1}{j + 1:02d}")
            fp_w.append(traffic * rng.uniform(0.85, 1.15))
    w = np.asarray(fp_w)
    return Network(
        corridor_codes=codes, corridor_lines=lines, corridor_countries=countries,
        fp_codes=fp_codes, fp_corridor=np.asarray(fp_corr, dtype=np.int32),
        fp_lon=np.asarray(fp_lon), fp_lat=np.asarray(fp_lat), fp_bearing=np.asarray(fp_bear),
        fp_km_along=np.asarray(fp_km), fp_adm2=fp_adm2, fp_weight=w / w.sum(),
    )


def _intensities(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expected relative herds/day for descent (peak early Dec) and return (peak mid June)."""
    doy = np.array([d.timetuple().tm_yday for d in days.tolist()], dtype=float)
    dd = np.minimum(np.abs(doy - 340), 365 - np.abs(doy - 340))
    descent = 7.0 * np.exp(-0.5 * (dd / 28) ** 2)
    ret = 5.0 * np.exp(-0.5 * (np.abs(doy - 165) / 22) ** 2)
    return descent, ret


@dataclass
class Observations:
    """Columnar observations, sorted by time. ``fp`` indexes ``Network.fp_*``."""

    ids: np.ndarray  # (n, 16) uint8, UUID v4 bytes
    fp: np.ndarray
    observed_at: np.ndarray  # datetime64[s], UTC
    lon: np.ndarray
    lat: np.ndarray
    heading: np.ndarray  # degrees (reported as a 16-point compass direction)
    movement: np.ndarray  # 0 descent, 1 return
    counts: np.ndarray  # (n, 7) in SPECIES order
    herders: np.ndarray  # (n, 4) in HERDERS order
    reason: np.ndarray
    has_certificate: np.ndarray

    def __len__(self) -> int:
        return len(self.fp)

    def slice(self, start: int, stop: int) -> Observations:
        return Observations(**{k: v[start:stop] for k, v in self.__dict__.items()})

    def compass(self) -> np.ndarray:
        return ((self.heading % 360 + 11.25) // 22.5).astype(int) % 16

    def uuids(self) -> list[str]:
        """Canonical UUID strings (8-4-4-4-12), built from one hex dump for speed."""
        h = self.ids.tobytes().hex()
        return [f"{h[i:i + 8]}-{h[i + 8:i + 12]}-{h[i + 12:i + 16]}-{h[i + 16:i + 20]}-{h[i + 20:i + 32]}"
                for i in range(0, len(h), 32)]

    def iso_times(self) -> list[str]:
        """Observation times as ISO 8601 with an explicit UTC offset."""
        return [t + "+00:00" for t in np.datetime_as_string(self.observed_at, unit="s").tolist()]


def season_observations(net: Network, seed: int, season_start: date, n: int,
                        day_range: tuple[date, date] | None = None) -> Observations:
    """About ``n`` counted herds over the year from ``season_start`` (weekdays, 07-17 h UTC),
    or over ``day_range`` (inclusive) when given, shaped by the seasonal intensities."""
    rng = np.random.default_rng([seed, 2, season_start.toordinal(), n])
    first, last = day_range or (season_start, season_start + timedelta(days=364))
    days = np.array([first + timedelta(days=k) for k in range((last - first).days + 1)])
    weekdays = np.array([d.weekday() < 5 for d in days.tolist()])
    days = days[weekdays] if weekdays.any() else days  # a weekend-only range keeps its days
    descent, ret = _intensities(days)
    day_w = descent + ret + 0.15
    day_i = rng.choice(len(days), size=n, p=day_w / day_w.sum())
    fp = rng.choice(net.n_flow_points, size=n, p=net.fp_weight).astype(np.int32)
    minutes = np.clip(rng.normal(690, 150, size=n), 420, 1019).astype(np.int64)
    seconds = rng.integers(0, 60, size=n)
    day64 = np.array(days.tolist(), dtype="datetime64[D]")[day_i]
    observed = day64.astype("datetime64[s]") + (minutes * 60 + seconds).astype("timedelta64[s]")
    movement = (ret[day_i] > descent[day_i]).astype(np.int8)
    heading = (net.fp_bearing[fp] + 180.0 * movement + rng.uniform(-20, 20, size=n)) % 360
    lon = np.round(net.fp_lon[fp] + rng.uniform(-0.01, 0.01, size=n), 5)
    lat = np.round(net.fp_lat[fp] + rng.uniform(-0.01, 0.01, size=n), 5)
    big = np.where(rng.random(n) < 1 / 2000, rng.uniform(4, 10, size=n), 1.0)
    cattle = np.floor(rng.lognormal(3.9, 0.5, size=n) * big)
    small = np.floor(rng.lognormal(3.3, 0.7, size=n) * big) * (rng.random(n) < 0.6)
    camels = np.floor(rng.lognormal(1.8, 0.5, size=n)) * ((lat > 14.0) & (rng.random(n) < 0.12))
    counts = np.column_stack([
        cattle, small // 2, small - small // 2, camels, rng.integers(0, 4, size=n),
        rng.random(n) < 0.05, np.zeros(n),
    ]).astype(np.int32)
    herders = np.column_stack([
        rng.integers(1, 5, size=n), rng.random(n) < 0.15, rng.integers(0, 4, size=n), rng.random(n) < 0.05,
    ]).astype(np.int32)
    ids = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    ids[:, 6] = (ids[:, 6] & 0x0F) | 0x40  # version 4
    ids[:, 8] = (ids[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    order = np.argsort(observed, kind="stable")
    obs = Observations(
        ids=ids, fp=fp, observed_at=observed, lon=lon, lat=lat, heading=heading, movement=movement,
        counts=counts, herders=herders, reason=rng.integers(0, len(REASONS), size=n).astype(np.int8),
        has_certificate=rng.random(n) < 0.4,
    )
    return Observations(**{k: v[order] for k, v in obs.__dict__.items()})


def records(net: Network, obs: Observations) -> list[dict]:
    """API records (the JSON contract of ``POST /api/v1/observations``)."""
    north, south = net.corridor_end_pcodes()
    comp = obs.compass().tolist()
    fps = obs.fp.tolist()
    times = obs.iso_times()
    counts, herders = obs.counts.tolist(), obs.herders.tolist()
    lon, lat, mv = obs.lon.tolist(), obs.lat.tolist(), obs.movement.tolist()
    reason, cert = obs.reason.tolist(), obs.has_certificate.tolist()
    out = []
    for k, oid in enumerate(obs.uuids()):
        c = int(net.fp_corridor[fps[k]])
        ends = (north[c], south[c]) if mv[k] == 0 else (south[c], north[c])
        out.append({
            "id": oid, "flow_point": net.fp_codes[fps[k]],
            "observed_at": times[k],
            "location": {"lon": lon[k], "lat": lat[k]}, "direction": COMPASS[comp[k]],
            "counts": dict(zip(SPECIES, counts[k], strict=True)),
            "herders": dict(zip(HERDERS, herders[k], strict=True)),
            "origin": ends[0], "destination": ends[1], "flow_type": "transit",
            "reason": REASONS[reason[k]], "cross_border": False, "has_certificate": cert[k],
            "already_counted": False, "notes": "",
        })
    return out


#: Columns written by a raw COPY into ``observations`` (every NOT NULL column filled).
COPY_COLUMNS = (
    "id", "flow_point_id", "corridor_id", "observed_at", "geom", "location_source", "direction",
    "direction_deg", "movement", *SPECIES, *HERDERS, "origin", "destination", "flow_type", "reason",
    "cross_border", "has_certificate", "already_counted", "notes", "enumerator_id", "source",
    "received_at", "content_hash", "distance_m", "km_along", "off_corridor", "adm2_pcode",
)


def copy_rows(net: Network, obs: Observations, fp_ids: list[int], corridor_ids: list[int],
              enumerator_id: int | None, received_at: datetime):
    """Rows for ``COPY observations (COPY_COLUMNS)``: the same herds, with the server-side
    fields taken from the generator (the point's corridor, its km along, the GPS offset)."""
    north, south = net.corridor_end_pcodes()
    pts = shapely.points(obs.lon, obs.lat)
    geoms = shapely.to_wkb(shapely.set_srid(pts, 4326), hex=True, include_srid=True).tolist()
    dlat = (obs.lat - net.fp_lat[obs.fp]) * METRES_PER_DEG_LAT
    dlon = (obs.lon - net.fp_lon[obs.fp]) * METRES_PER_DEG_LAT * np.cos(np.radians(obs.lat))
    dist = np.round(np.hypot(dlat, dlon), 1).tolist()
    comp = obs.compass().tolist()
    fps, mv = obs.fp.tolist(), obs.movement.tolist()
    times = obs.iso_times()
    counts, herders = obs.counts.tolist(), obs.herders.tolist()
    reason, cert = obs.reason.tolist(), obs.has_certificate.tolist()
    km = net.fp_km_along.tolist()
    for k, oid in enumerate(obs.uuids()):
        f = fps[k]
        c = int(net.fp_corridor[f])
        ends = (north[c], south[c]) if mv[k] == 0 else (south[c], north[c])
        yield (
            oid, fp_ids[f], corridor_ids[c], times[k], geoms[k], "gps",
            COMPASS[comp[k]], comp[k] * 22.5, MOVEMENTS[mv[k]], *counts[k], *herders[k],
            ends[0], ends[1], "transit", REASONS[reason[k]], False, cert[k], False, None,
            enumerator_id, "api", received_at, hashlib.sha256(oid.encode()).hexdigest(),
            dist[k], km[f], False, net.fp_adm2[f],
        )
