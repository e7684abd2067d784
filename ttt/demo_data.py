"""The demo season, generated in code (deterministic for a seed, no download).

A plausible corridor network across central Mali, northern Burkina Faso and western Niger
drawn through real town coordinates, with illustrative P-codes (a "demo" gazetteer, not an
official COD), calendars per direction, two hazards, two subscriptions and two seasons of
flow-monitoring counts: 2024-25 as history (the baselines the rules compare with) and
2025-26 as the current season, with a realistic daily and seasonal shape (descent Oct-Jan,
return May-Jul, enumerators counting 07-17 h on weekdays) and a few planted anomalies the
rules engine should flag. ``PLANTED`` lists them so tests can check they are found.

Everything here is pure data; ``ttt.demo`` writes it to the database.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from corridors.calendars import CalendarEntry, window_in_force
from corridors.geometry import COMPASS_16
from ttt.facts import ALERT_TYPES

# (name, lat, lon) of real towns; corridors are drawn north -> south (descent direction).
TOWNS = {
    "Douentza": (15.0019, -2.9498), "Konna": (14.9500, -3.8900), "Sévaré": (14.5322, -4.0963),
    "Mopti": (14.4843, -4.1960), "Macina": (13.9614, -5.3575), "Ségou": (13.4317, -6.2157),
    "Hombori": (15.2833, -1.7000), "Mondoro": (14.6300, -1.9500), "Ouahigouya": (13.5828, -2.4216),
    "Djibo": (14.1022, -1.6306), "Kongoussi": (13.3261, -1.5339), "Kaya": (13.0917, -1.0844),
    "Koupéla": (12.1794, -0.3517), "Fada N'Gourma": (12.0616, 0.3584),
    "Gorom-Gorom": (14.4439, -0.2361), "Dori": (14.0354, -0.0345), "Sebba": (13.4364, 0.5306),
    "Ayorou": (14.7308, 0.9174), "Tillabéri": (14.2117, 1.4531), "Niamey": (13.5116, 2.1254),
    "Say": (13.1000, 2.3667), "Téra": (14.0094, 0.7531), "Gothèye": (13.8617, 1.5717),
    "Torodi": (13.1167, 1.8000),
}

# Illustrative P-codes (demo gazetteer, COD version "demo-2025").
ADMIN_AREAS = [
    ("ML", "Mali", 0, None), ("BF", "Burkina Faso", 0, None), ("NE", "Niger", 0, None),
    ("ML04", "Ségou", 1, "ML"), ("ML05", "Mopti", 1, "ML"),
    ("ML0401", "Ségou (cercle)", 2, "ML04"), ("ML0404", "Macina", 2, "ML04"),
    ("ML0502", "Douentza", 2, "ML05"), ("ML0506", "Mopti (cercle)", 2, "ML05"),
    ("BF49", "Centre-Nord", 1, "BF"), ("BF50", "Est", 1, "BF"), ("BF54", "Nord", 1, "BF"),
    ("BF56", "Sahel", 1, "BF"), ("BF5601", "Oudalan", 2, "BF56"), ("BF5602", "Séno", 2, "BF56"),
    ("BF5603", "Soum", 2, "BF56"), ("BF5604", "Yagha", 2, "BF56"), ("BF4901", "Bam", 2, "BF49"),
    ("BF4902", "Sanmatenga", 2, "BF49"), ("BF5001", "Gourma", 2, "BF50"), ("BF5401", "Yatenga", 2, "BF54"),
    ("BF4801", "Kouritenga", 2, "BF48"), ("BF48", "Centre-Est", 1, "BF"),
    ("NE006", "Tillabéri", 1, "NE"), ("NE008", "Niamey", 1, "NE"),
    ("NE00601", "Ayorou", 2, "NE006"), ("NE00602", "Tillabéri (dép.)", 2, "NE006"),
    ("NE00603", "Téra", 2, "NE006"), ("NE00604", "Say", 2, "NE006"), ("NE00605", "Torodi", 2, "NE006"),
    ("NE00606", "Gothèye", 2, "NE006"), ("NE00801", "Niamey I", 2, "NE008"),
]
TOWN_PCODE = {
    "Douentza": "ML0502", "Konna": "ML0506", "Sévaré": "ML0506", "Mopti": "ML0506", "Macina": "ML0404",
    "Ségou": "ML0401", "Hombori": "ML0502", "Mondoro": "ML0502", "Ouahigouya": "BF5401",
    "Djibo": "BF5603", "Kongoussi": "BF4901", "Kaya": "BF4902", "Koupéla": "BF4801",
    "Fada N'Gourma": "BF5001", "Gorom-Gorom": "BF5601", "Dori": "BF5602", "Sebba": "BF5604",
    "Ayorou": "NE00601", "Tillabéri": "NE00602", "Niamey": "NE00801", "Say": "NE00604",
    "Téra": "NE00603", "Gothèye": "NE00606", "Torodi": "NE00605",
}

# code, name, towns north -> south, countries, relative traffic
CORRIDORS = [
    ("ML-C01", "Douentza – Mopti – Ségou", ["Douentza", "Konna", "Sévaré", "Mopti", "Macina", "Ségou"], ["ML"], 1.3),
    ("ML-C02", "Hombori – Mondoro – Ouahigouya", ["Hombori", "Mondoro", "Ouahigouya"], ["ML", "BF"], 0.8),
    ("BF-C01", "Djibo – Kaya – Fada N'Gourma", ["Djibo", "Kongoussi", "Kaya", "Koupéla", "Fada N'Gourma"], ["BF"], 1.0),
    ("BF-C02", "Gorom-Gorom – Dori – Fada N'Gourma", ["Gorom-Gorom", "Dori", "Sebba", "Fada N'Gourma"], ["BF"], 0.9),
    ("NE-C01", "Ayorou – Tillabéri – Niamey – Say", ["Ayorou", "Tillabéri", "Niamey", "Say"], ["NE"], 1.1),
    ("NE-C02", "Téra – Gothèye – Torodi", ["Téra", "Gothèye", "Torodi"], ["NE"], 0.7),
]

# Links a mapper adds between corridors, with no counting point on them (so no counts): code,
# name, towns, countries. Djibo - Dori is the way round when BF-C01 is shut (the Kaya bushfire).
LINKS = [
    ("BF-C03", "Djibo – Dori", ["Djibo", "Dori"], ["BF"]),
]

# Calendars: per country and direction, plus one corridor-specific exception.
CALENDARS = [
    {"corridor": None, "country": "ML", "direction": "descent", "opens": "10-01", "closes": "01-31",
     "effective_from": "2020-01-01", "source": "demo: arrêté régional (illustratif)"},
    {"corridor": None, "country": "ML", "direction": "return", "opens": "05-01", "closes": "07-31",
     "effective_from": "2020-01-01", "source": "demo: arrêté régional (illustratif)"},
    {"corridor": None, "country": "BF", "direction": "descent", "opens": "10-15", "closes": "02-15",
     "effective_from": "2020-01-01", "source": "demo: calendrier national (illustratif)"},
    {"corridor": None, "country": "BF", "direction": "return", "opens": "05-01", "closes": "07-31",
     "effective_from": "2020-01-01", "source": "demo: calendrier national (illustratif)"},
    {"corridor": None, "country": "NE", "direction": "descent", "opens": "10-01", "closes": "01-31",
     "effective_from": "2020-01-01", "source": "demo: calendrier national (illustratif)"},
    {"corridor": None, "country": "NE", "direction": "return", "opens": "05-01", "closes": "07-31",
     "effective_from": "2020-01-01", "source": "demo: calendrier national (illustratif)"},
    {"corridor": "BF-C02", "country": None, "direction": "descent", "opens": "11-01", "closes": "01-31",
     "effective_from": "2024-01-01", "source": "demo: accord Sahel-Est (illustratif)"},
]

SEASONS = [(date(2024, 10, 1), "2024-25"), (date(2025, 10, 1), "2025-26")]
CURRENT_SEASON_START = SEASONS[-1][0]


@dataclass
class Planted:
    """An anomaly the demo plants in the current season and the rules should flag."""

    kind: str  # mass | early | late | unexpected | hazard
    corridor: str | None
    flow_point: str | None
    day: date
    what: str
    observation_ids: list[str] = field(default_factory=list)


@dataclass
class DemoData:
    admin_areas: list[tuple[str, str, int, str | None]]
    corridors: list[dict]
    flow_points: list[dict]
    calendars: list[dict]
    hazards: list[dict]
    subscriptions: list[dict]
    observations: list[dict]
    planted: list[Planted]


def _line(towns: list[str]) -> list[list[float]]:
    return [[TOWNS[t][1], TOWNS[t][0]] for t in towns]


def _bearing(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Initial bearing (deg from north) from a=(lat, lon) to b=(lat, lon)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    y = math.sin(lon2 - lon1) * math.cos(lat2)
    x = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(lon2 - lon1)
    return (math.degrees(math.atan2(y, x)) + 360) % 360


COMPASS = tuple(COMPASS_16)  # the 16 points, N first, clockwise


def compass(deg: float) -> str:
    return COMPASS[int(((deg % 360) + 11.25) // 22.5) % 16]


def _corridor(code: str, name: str, towns: list[str], countries: list[str]) -> dict:
    return {
        "code": code, "name": name, "countries": countries, "tolerance_m": 5000, "status": "open",
        "pcodes": sorted({TOWN_PCODE[t] for t in towns}),
        "geometry": {"type": "LineString", "coordinates": _line(towns)},
    }


def build_network() -> tuple[list[dict], list[dict]]:
    corridors, flow_points = [], []
    numbering: dict[str, int] = {}
    for code, name, towns, countries, _traffic in CORRIDORS:
        corridors.append(_corridor(code, name, towns, countries))
        for i, town in enumerate(towns):
            lat, lon = TOWNS[town]
            adm2 = TOWN_PCODE[town]
            nxt = towns[i + 1] if i + 1 < len(towns) else None
            prv = towns[i - 1] if i > 0 else None
            bearing = _bearing(TOWNS[town], TOWNS[nxt]) if nxt else _bearing(TOWNS[prv], TOWNS[town])
            adm1 = adm2[:len(adm2) - 2]
            numbering[adm1] = numbering.get(adm1, 0) + 1
            flow_points.append({
                "code": f"{adm1}-FMP-{numbering[adm1]:02d}",
                "name": f"PSF {town}", "corridor": code, "town": town,
                "adm0_pcode": adm2[:2], "adm1_pcode": adm2[:len(adm2) - 2], "adm2_pcode": adm2,
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "bearing": bearing,
            })
    for code, name, towns, countries in LINKS:
        corridors.append(_corridor(code, name, towns, countries))
    return corridors, flow_points


def _season_intensity(d: date) -> tuple[float, str]:
    """Expected herds/day at a typical point and the dominant movement on day d."""
    doy = d.timetuple().tm_yday
    # descent: peak early December (doy ~340), spread ~28 days, wrapping the year
    dd = min(abs(doy - 340), 365 - abs(doy - 340))
    descent = 7.0 * math.exp(-0.5 * (dd / 28) ** 2)
    dr = abs(doy - 165)  # return: peak mid June
    ret = 5.0 * math.exp(-0.5 * (dr / 22) ** 2)
    if descent >= ret:
        return descent + 0.15, "descent"
    return ret + 0.15, "return"


def _herd(rng: random.Random, north: bool, big: bool = False) -> dict[str, int]:
    scale = 4.0 if big else 1.0
    cattle = int(rng.lognormvariate(3.9, 0.5) * scale)
    small = int(rng.lognormvariate(3.3, 0.7) * scale) if rng.random() < 0.6 else 0
    return {
        "cattle": cattle, "sheep": small // 2, "goats": small - small // 2,
        "camels": int(rng.lognormvariate(1.8, 0.5)) if north and rng.random() < 0.12 else 0,
        "donkeys": rng.randint(0, 3), "horses": 1 if rng.random() < 0.05 else 0, "other": 0,
    }


def _herders(rng: random.Random) -> dict[str, int]:
    return {"men": rng.randint(1, 4), "women": 1 if rng.random() < 0.15 else 0,
            "boys": rng.randint(0, 3), "girls": 1 if rng.random() < 0.05 else 0}


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _obs(rng, fp, when: datetime, movement: str, counts=None, **extra) -> dict:
    heading = fp["bearing"] if movement == "descent" else (fp["bearing"] + 180) % 360
    heading = (heading + rng.uniform(-20, 20)) % 360
    lon, lat = fp["geometry"]["coordinates"]
    corridor_origin = {"descent": "north", "return": "south"}[movement] if movement != "unknown" else "local"
    record = {
        "id": _uuid(rng), "flow_point": fp["code"], "observed_at": when.isoformat(),
        "location": {"lon": round(lon + rng.uniform(-0.01, 0.01), 5), "lat": round(lat + rng.uniform(-0.01, 0.01), 5)},
        "direction": compass(heading),
        "counts": counts or _herd(rng, north=lat > 14.0),
        "herders": _herders(rng),
        "origin": fp["_origin"][corridor_origin], "destination": fp["_dest"][corridor_origin],
        "flow_type": "transit", "reason": rng.choice(["pasture", "pasture", "water", "market", "seasonal"]),
        "cross_border": False, "has_certificate": rng.random() < 0.4, "already_counted": False, "notes": "",
    }
    record.update(extra)
    return record


def _counting_time(rng: random.Random, d: date) -> datetime:
    minutes = int(min(max(rng.gauss(11.5 * 60, 150), 7 * 60), 17 * 60 - 1))
    return datetime(d.year, d.month, d.day, minutes // 60, minutes % 60, tzinfo=UTC)


def generate(seed: int = 20251001, scale: float = 1.0) -> DemoData:
    """The whole demo: network, calendars, hazards, subscriptions, two seasons of counts."""
    rng = random.Random(seed)
    corridors, flow_points = build_network()
    by_corridor: dict[str, list[dict]] = {}
    for fp in flow_points:
        by_corridor.setdefault(fp["corridor"], []).append(fp)
    traffic = {c[0]: c[4] for c in CORRIDORS}
    # where herds come from / go to: the corridor's ends (as P-codes)
    for fps in by_corridor.values():
        north, south = fps[0]["adm2_pcode"], fps[-1]["adm2_pcode"]
        for fp in fps:
            fp["_origin"] = {"north": north, "south": south, "local": fp["adm2_pcode"]}
            fp["_dest"] = {"north": south, "south": north, "local": fp["adm2_pcode"]}

    observations: list[dict] = []
    for season_start, _name in SEASONS:
        d = season_start
        end = date(season_start.year + 1, 9, 30)
        while d <= end:
            if d.weekday() < 5:  # enumerators count on weekdays
                lam, movement = _season_intensity(d)
                for code, fps in by_corridor.items():
                    for fp in fps:
                        mean = lam * traffic[code] * scale * rng.uniform(0.85, 1.15)
                        n = _poisson(rng, mean)
                        for _ in range(n):
                            mv = movement if lam > 0.6 else rng.choice(["descent", "return"])
                            observations.append(_obs(rng, fp, _counting_time(rng, d), mv))
            d += timedelta(days=1)
    # Filter off-window stragglers of the regular shape so that only the planted anomalies
    # fall outside the calendars by more than the usual tolerance.
    where = {f["code"]: (c, f) for c, fps in by_corridor.items() for f in fps}
    observations = [o for o in observations if _regular_in_window(o, *where[o["flow_point"]])]
    planted = _plant(rng, by_corridor, observations)
    for fp in flow_points:
        fp.pop("_origin", None)
        fp.pop("_dest", None)
    return DemoData(
        admin_areas=ADMIN_AREAS, corridors=corridors, flow_points=flow_points, calendars=CALENDARS,
        hazards=_hazards(), subscriptions=_subscriptions(), observations=observations, planted=planted,
    )


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _calendar_entries() -> list[CalendarEntry]:
    return [CalendarEntry(c["corridor"], c["country"], c["direction"], c["opens"], c["closes"],
                          date.fromisoformat(c["effective_from"]), c["source"]) for c in CALENDARS]


_CALENDAR_ENTRIES = _calendar_entries()


def _regular_in_window(o: dict, corridor: str, fp: dict) -> bool:
    """Keep regular traffic inside the calendar in force at its flow point (+-3 days), as
    real herds mostly do; only the planted anomalies fall clearly outside."""
    when = datetime.fromisoformat(o["observed_at"]).date()
    direction = "descent" if _heading_is_descent(o, fp) else "return"
    window = window_in_force(_CALENDAR_ENTRIES, corridor, fp["adm0_pcode"], direction, when)
    if window is None:
        return False
    open_day, close_day = window.dates_around(when)
    return open_day - timedelta(days=3) <= when <= close_day + timedelta(days=3)


def _heading_is_descent(o: dict, fp: dict) -> bool:
    heading = COMPASS_16[o["direction"]]
    diff = abs((heading - fp["bearing"] + 180) % 360 - 180)
    return diff < 90


def _plant(rng: random.Random, by_corridor: dict[str, list[dict]], obs: list[dict]) -> list[Planted]:
    """Add the anomalies of the current season and describe them."""
    planted: list[Planted] = []

    def fp(corridor: str, town: str) -> dict:
        return next(f for f in by_corridor[corridor] if f["town"] == town)

    # MASS: a surge of very large herds at Sévaré on 10 Dec 2025 (~6x a normal peak day).
    sev = fp("ML-C01", "Sévaré")
    day = date(2025, 12, 10)
    ids = []
    for _ in range(14):
        o = _obs(rng, sev, _counting_time(rng, day), "descent", counts=_herd(rng, True, big=True))
        obs.append(o)
        ids.append(o["id"])
    planted.append(Planted("mass", "ML-C01", sev["code"], day, "14 very large herds in one day", ids))

    # EARLY: descent at Dori in early October, before BF-C02's window opens on 1 November.
    dori = fp("BF-C02", "Dori")
    ids = []
    for k, d in enumerate([date(2025, 10, 6), date(2025, 10, 7), date(2025, 10, 8)]):
        o = _obs(rng, dori, _counting_time(rng, d), "descent")
        o["notes"] = "départ précoce signalé" if k == 0 else ""
        obs.append(o)
        ids.append(o["id"])
    planted.append(Planted("early", "BF-C02", dori["code"], date(2025, 10, 6), "descent 3-4 weeks before the window", ids))

    # LATE: return movement at Tillabéri in late August, weeks after the window closed (31 July).
    til = fp("NE-C01", "Tillabéri")
    ids = []
    for d in [date(2026, 8, 24), date(2026, 8, 25), date(2026, 8, 26)]:
        o = _obs(rng, til, _counting_time(rng, d), "return")
        obs.append(o)
        ids.append(o["id"])
    planted.append(Planted("late", "NE-C01", til["code"], date(2026, 8, 24), "return 3-4 weeks after the window closed", ids))

    # UNEXPECTED (off corridor): a mobile team's sighting ~50 km west of ML-C01, no flow point.
    when = datetime(2025, 11, 20, 9, 30, tzinfo=UTC)
    o = _obs(rng, sev, when, "descent")
    o.pop("flow_point")
    o["location"] = {"lon": -4.60, "lat": 14.80}
    o["notes"] = "observation équipe mobile"
    obs.append(o)
    planted.append(Planted("unexpected", "ML-C01", None, when.date(), "herd far off any corridor", [o["id"]]))

    # UNEXPECTED (origin and species never seen): camels from Mauritania at Fada N'Gourma.
    fada = fp("BF-C01", "Fada N'Gourma")
    day = date(2025, 12, 15)
    o = _obs(rng, fada, _counting_time(rng, day), "descent",
             counts={"cattle": 0, "sheep": 0, "goats": 0, "camels": 45, "donkeys": 2, "horses": 0, "other": 0},
             origin="MR07", cross_border=True)
    obs.append(o)
    planted.append(Planted("unexpected", "BF-C01", fada["code"], day, "camels from MR07, never seen here", [o["id"]]))

    # HAZARD: see _hazards(); herds keep moving on BF-C01 near Kaya while the bushfire burns.
    planted.append(Planted("hazard", "BF-C01", None, date(2025, 12, 5), "bushfire across BF-C01 near Kaya"))
    planted.append(Planted("hazard", "NE-C01", None, date(2026, 6, 1), "insecurity on NE-C01 south of Tillabéri"))
    return planted


def _square(lon: float, lat: float, half_deg: float) -> dict:
    ring = [[lon - half_deg, lat - half_deg], [lon + half_deg, lat - half_deg], [lon + half_deg, lat + half_deg],
            [lon - half_deg, lat + half_deg], [lon - half_deg, lat - half_deg]]
    return {"type": "Polygon", "coordinates": [ring]}


def _hazards() -> list[dict]:
    kaya_lat, kaya_lon = TOWNS["Kaya"]
    til_lat, til_lon = TOWNS["Tillabéri"]
    return [
        {"kind": "bushfire", "severity": "severe", "geometry": _square(kaya_lon - 0.25, kaya_lat + 0.1, 0.12),
         "starts_at": "2025-12-05T00:00:00+00:00", "ends_at": "2025-12-20T00:00:00+00:00",
         "source": "demo: FIRMS hotspots (illustratif)", "description": "Feux de brousse au nord-ouest de Kaya"},
        {"kind": "insecurity", "severity": "moderate", "geometry": _square(til_lon + 0.3, til_lat - 0.3, 0.1),
         "starts_at": "2026-06-01T00:00:00+00:00", "ends_at": "2026-06-30T00:00:00+00:00",
         "source": "demo: comité de veille (illustratif)", "description": "Incidents signalés entre Tillabéri et Niamey"},
    ]


def _subscriptions() -> list[dict]:
    return [
        {"name": "Préfecture de Mopti", "organisation": "Gouvernorat de Mopti", "kind": "authority",
         "channel": "email", "address": "prefet.mopti@example.org", "language": "fr",
         "alert_types": list(ALERT_TYPES), "min_severity": "moderate",
         "corridors": ["ML-C01", "ML-C02"], "pcodes": ["ML05"], "area": None, "mode": "immediate", "tier": 1},
        {"name": "DTM analysts", "organisation": "IOM DTM (demo)", "kind": "staff",
         "channel": "log", "address": "dtm-analysts", "language": "en",
         "alert_types": [], "min_severity": "minor", "corridors": [], "pcodes": [], "area": None,
         "mode": "immediate", "tier": 1},
    ]


# --- an automatic bushfire: what NASA FIRMS would publish ------------------------------------

FIRMS_COLUMNS = ("latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,instrument,confidence,"
                 "version,bright_ti5,frp,daynight")
DEMO_FIRMS_FEED = {
    "name": "demo: NASA FIRMS VIIRS S-NPP (sample file)", "kind": "firms_csv", "enabled": False,
    "url": "https://firms.modaps.eosdis.nasa.gov/api/area/csv/{credential}/VIIRS_SNPP_NRT/-6,11,3,16/1",
    "every_minutes": 180, "expire_hours": 24,
}


def firms_sample() -> bytes:
    """VIIRS active-fire detections, as the FIRMS area API writes them, of a fire front
    crossing BF-C01 between Kongoussi and Kaya on 6-8 December 2025 (day and night passes)."""
    rows = [FIRMS_COLUMNS]
    lat0, lon0 = 13.235, -1.345  # the front moves south-east along the corridor, ~3 km a pass
    passes = [(date(2025, 12, 6), "1236", "D"), (date(2025, 12, 7), "0112", "N"), (date(2025, 12, 7), "1218", "D"),
              (date(2025, 12, 8), "0054", "N")]
    for k, (day, hhmm, dn) in enumerate(passes):
        for j in range(4):
            lat, lon = lat0 - 0.012 * k - 0.003 * j, lon0 + 0.02 * k + 0.004 * j
            conf = "h" if j == 1 else "n"
            rows.append(f"{lat:.5f},{lon:.5f},{335 + 4 * j:.2f},0.39,0.36,{day:%Y-%m-%d},{hhmm},N,VIIRS,{conf},"
                        f"2.0NRT,{292 + j:.2f},{5.5 + 2 * j:.2f},{dn}")
    return ("\n".join(rows) + "\n").encode()
