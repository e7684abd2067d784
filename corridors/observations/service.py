"""Use cases: ingest a batch of raw observations from any source; list observations.

``ingest`` is the one path every source takes (JSON API, OpenRosa, KoBo, CSV, CLI). It runs in
the caller's transaction: validation per record, flow-point lookup, scope check, placement on
the corridor network, one set-based insert with ``ON CONFLICT DO NOTHING``, and the rules
queue rows for exactly the rows that were inserted. Nothing is committed here, so a crash
leaves nothing of the batch behind and a retry starts from a clean slate.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from corridors.geometry import NOWHERE, Placement, movement_from_heading
from corridors.observations import repository as repo
from corridors.observations.edits import EditPlan, apply_edits, plan_edits
from corridors.observations.models import SOURCES
from corridors.observations.quality import QaLimits, flag, herd_flags
from corridors.observations.schemas import (
    HERDERS,
    SPECIES,
    ObservationIn,
    ValidationOptions,
    dedupe_within_batch,
    validate_records,
)
from corridors.observations.zero_reports import ZeroReportIn
from ttt.config import get_settings
from ttt.i18n import N_, Text
from ttt.location_policy import GENERALISED, sees_exact, snap_point
from ttt.users import Principal


@dataclass
class ItemResult:
    """The outcome for one input record, in input order."""

    index: int
    id: str | None
    status: str  # accepted | duplicate | rejected
    code: str | None = None  # for rejected: invalid | conflict | unknown_flow_point | out_of_scope
    errors: list[dict[str, str]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)  # fields of the input nothing reads

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "status": self.status}
        if self.status == "rejected":
            out["code"] = self.code
            out["errors"] = self.errors
        out.update(self.extra)
        out["ignored"] = self.ignored
        return out


@dataclass
class BatchOutcome:
    results: list[ItemResult]

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    def to_json(self) -> dict[str, Any]:
        return {
            "accepted": self.count("accepted"),
            "duplicate": self.count("duplicate"),
            "rejected": self.count("rejected"),
            "results": [r.to_json() for r in self.results],
        }


def validation_options() -> ValidationOptions:
    s = get_settings()
    return ValidationOptions(max_count=s.max_count_per_species, now=datetime.now(UTC))


def qa_limits() -> QaLimits:
    return QaLimits.from_mapping(get_settings().qa_limits)


def ingest(
    session: Session,
    raws: Sequence[Any],
    *,
    source: str,
    enumerator: Principal | None,
    options: ValidationOptions | None = None,
    received_at: datetime | None = None,
    ignored: Sequence[list[str]] | None = None,
) -> BatchOutcome:
    """Validate, place and store a batch; one result per input record, in order.

    ``ignored``: per record, the input fields the adapter could not map (reported back).
    Zero reports (``zero_report``) go to their own table; edits (``replaces``) move the version
    they replace to the history in the same transaction."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    received_at = received_at or datetime.now(UTC)
    validated = validate_records(raws, options or validation_options())
    out: list[ItemResult] = [
        ItemResult(v.index, v.id, "rejected", "invalid", v.errors) if not v.ok
        else ItemResult(v.index, v.id, "pending")
        for v in validated
    ]
    if ignored is not None:
        for r, names in zip(out, ignored, strict=True):
            r.ignored = list(names)
    for idx, verdict in dedupe_within_batch(validated).items():
        if verdict == "duplicate":
            out[idx].status = "duplicate"
        else:
            _conflict(out[idx], N_("appears twice in this batch with different content"))

    live = [v for v in validated if out[v.index].status == "pending"]
    obs_of = {v.index: v.observation for v in live}
    hash_of = {v.index: v.hash for v in live}
    zero_of = {i: o for i, o in obs_of.items() if isinstance(o, ZeroReportIn)}
    for i in zero_of:
        del obs_of[i]

    # versions that left the current set (replaced or rejected) are never stored again
    gone = repo.archived(session, [o.id for o in obs_of.values()])
    for i, o in list(obs_of.items()):
        if o.id in gone:
            r = out[i]
            if gone[o.id][0] == hash_of[i]:
                r.status = "duplicate"
            else:
                _conflict(r, N_("was already received with different content"))
            del obs_of[i]

    # flow points
    codes = [o.flow_point for o in (*obs_of.values(), *zero_of.values()) if o.flow_point]
    points = repo.flow_points_by_code(session, codes)
    fp_of: dict[int, repo.FlowPointInfo | None] = {}
    for i, o in [*obs_of.items(), *zero_of.items()]:
        if o.flow_point is None:
            fp_of[i] = None
            continue
        fp = points.get(o.flow_point.upper())
        if fp is None:
            r = out[i]
            r.status, r.code = "rejected", "unknown_flow_point"
            r.errors = [{"field": "flow_point", "message":
                         Text("unknown flow point {code}; expected the code of a registered flow monitoring "
                              "point (or leave it out and give a location)", code=repr(o.flow_point))}]
            obs_of.pop(i, None)
            zero_of.pop(i, None)
            continue
        fp_of[i] = fp

    # where: GPS when given, else the flow point's position
    where: dict[int, tuple[float, float, str]] = {}
    for i, o in obs_of.items():
        if o.location is not None:
            where[i] = (o.location.lon, o.location.lat, "gps")
        else:
            fp = fp_of[i]
            assert fp is not None  # guaranteed by the contract (flow_point or location)
            where[i] = (fp.lon, fp.lat, "flow_point")

    need_admin = [i for i in obs_of if fp_of[i] is None or not fp_of[i].adm2_pcode]
    admin = dict(zip(need_admin, repo.admin_pcodes_at(
        session, [where[i][0] for i in need_admin], [where[i][1] for i in need_admin]), strict=True))
    pcode_of = {i: (fp_of[i].adm2_pcode if fp_of[i] and fp_of[i].adm2_pcode else admin.get(i))
                for i in obs_of}
    pcode_of.update({i: fp_of[i].adm2_pcode for i in zero_of})

    if enumerator is not None and enumerator.scopes:
        # both the flow point named and the GPS point given must lie in the enumerator's
        # areas: an in-scope flow point must not carry a herd located in another country
        gps_only = [i for i in obs_of if where[i][2] == "gps" and i not in admin]
        gps_pcode = {**{i: admin[i] for i in admin if i in where and where[i][2] == "gps"},
                     **dict(zip(gps_only, repo.admin_pcodes_at(
                         session, [where[i][0] for i in gps_only], [where[i][1] for i in gps_only]), strict=True))}
        for i in [*obs_of, *zero_of]:
            checks = [("flow_point" if fp_of.get(i) is not None else "location", pcode_of[i])]
            if i in gps_pcode and (gps_pcode[i] is not None or not _near_flow_point(where[i], fp_of[i])):
                checks.append(("location", gps_pcode[i]))
            bad = next(((fld, pc) for fld, pc in checks if not enumerator.in_scope(pc)), None)
            if bad is not None:
                fld, pc = bad
                r = out[i]
                r.status, r.code = "rejected", "out_of_scope"
                r.errors = [{"field": fld, "message":
                             Text("this place ({place}) is outside your areas ({areas})",
                                  place=pcode_of[i] or Text("outside every known admin area"),
                                  areas=", ".join(enumerator.scopes))}]
                obs_of.pop(i, None)
                zero_of.pop(i, None)

    enum_id = enumerator.id if enumerator else None
    _store_zero_reports(session, zero_of, fp_of, hash_of, out, enum_id, source, received_at)

    # placement on the corridor network, all points at once
    order = list(obs_of)
    placer = repo.network_placer(session) if order else None
    corridor_id_of = repo.corridor_ids(session) if order and placer is not None and len(placer) else {}
    code_of_id = {v: k for k, v in corridor_id_of.items()}
    prefer = [code_of_id.get(fp_of[i].corridor_id) if fp_of[i] is not None else None for i in order]
    places = (placer.place([where[i][0] for i in order], [where[i][1] for i in order], prefer=prefer)
              if placer else None)
    rows: list[dict[str, Any]] = []
    for k, i in enumerate(order):
        o = obs_of[i]
        lon, lat, loc_src = where[i]
        fp = fp_of[i]
        p = _placement_at(places, k) if places is not None and len(placer) else None
        corridor_id = corridor_id_of.get(p.corridor) if p and p.corridor else (fp.corridor_id if fp else None)
        heading = o.heading
        movement = "unknown"
        if heading is not None and p is not None and p.bearing_deg is not None:
            movement = movement_from_heading(heading, p.bearing_deg)
        row = _row(o, hash_of[i], fp, lon, lat, loc_src, heading, movement, corridor_id, p,
                   enum_id, source, received_at, pcode_of[i])
        rows.append(row)
        out[i].extra = {
            "corridor": p.corridor if p else None,
            "distance_m": round(p.distance_m, 1) if p and p.distance_m is not None else None,
            "km_along": round(p.km_along, 3) if p and p.km_along is not None else None,
            "off_corridor": row["off_corridor"],
            "movement": movement,
        }

    edits = plan_edits(session, [(rows[k]["id"], obs_of[i].replaces) for k, i in enumerate(order)], enumerator)
    _flag(session, rows, [fp_of[i] for i in order], [obs_of[i] for i in order], edits, source, received_at)

    inserted = repo.insert_observations(session, rows)
    existing = repo.existing_hashes(session, [r["id"] for r in rows if r["id"] not in inserted])
    for row, i in zip(rows, order, strict=True):
        r = out[i]
        if row["id"] in inserted:
            r.status = "accepted"
            if row["flags"]:
                r.extra["flags"] = [f["code"] for f in row["flags"]]
        elif existing.get(row["id"]) == row["content_hash"]:
            r.status, r.extra = "duplicate", {}
        else:
            r.extra = {}
            _conflict(r, N_("was already received with different content"))
    replaced = apply_edits(session, edits, inserted)
    for row, i in zip(rows, order, strict=True):
        if row["id"] in replaced:
            out[i].extra["replaces"] = str(replaced[row["id"]])
    return BatchOutcome(out)


def _store_zero_reports(session: Session, zero_of: dict[int, ZeroReportIn], fp_of, hash_of, out: list[ItemResult],
                        enum_id: int | None, source: str, received_at: datetime) -> None:
    rows = []
    for i, z in zero_of.items():
        first, last = z.days
        rows.append({"id": z.id, "flow_point_id": fp_of[i].id, "first_day": first, "last_day": last,
                     "reported_at": z.observed_at, "notes": z.notes or None, "enumerator_id": enum_id,
                     "source": source, "received_at": received_at, "content_hash": hash_of[i]})
    existing = repo.insert_zero_reports(session, rows)
    for i, z in zero_of.items():
        r = out[i]
        first, last = z.days
        if z.id not in existing:
            r.status = "accepted"
            r.extra = {"zero_report": {"flow_point": fp_of[i].code, "from": first.isoformat(), "to": last.isoformat()}}
        elif existing[z.id] == hash_of[i]:
            r.status = "duplicate"
        else:
            _conflict(r, N_("was already received with different content"))


def _flag(session: Session, rows: list[dict[str, Any]], fps: list[repo.FlowPointInfo | None],
          obs: list[ObservationIn], edits: EditPlan, source: str, received_at: datetime) -> None:
    """Automatic QA flags of each row (``flags``, and ``review`` = flagged when any)."""
    if not rows:
        return
    limits = qa_limits()
    dist = repo.point_distributions(session, [fp.id for fp in fps if fp is not None], received_at)
    herds = [{"key": str(row["id"]), "fp": fp.id, "t": row["observed_at"], "origin": row["origin"],
              "destination": row["destination"], **{s: row[s] for s in SPECIES}}
             for row, fp in zip(rows, fps, strict=True)
             if fp is not None and row["origin"] and row["destination"] and not row["already_counted"]]
    upstream = repo.upstream_matches(session, herds, limits.upstream_days) if limits.upstream_days > 0 else {}
    device = source in ("openrosa", "kobo")
    for row, fp, o in zip(rows, fps, obs, strict=True):
        flags = []
        if row["id"] in edits.unknown:
            flags.append(flag("replaces_unknown", f"an edit of {o.replaces}, which this server does not hold "
                                                  "(or you may not change): stored as a new count"))
        flags += herd_flags(
            animals=o.counts.total, herders=sum(getattr(o.herders, h) for h in HERDERS),
            observed_at=o.observed_at, received_at=received_at, already_counted=o.already_counted,
            gps=(o.location.lon, o.location.lat) if o.location else None,
            point=(fp.lon, fp.lat) if fp else None, point_code=fp.code if fp else None,
            distribution=dist.get(fp.id) if fp else None, upstream=upstream.get(str(row["id"])),
            limits=limits, device=device)
        row["flags"] = flags
        row["review"] = "flagged" if flags else "received"


def _placement_at(places, k: int) -> Placement | None:
    """Row k of the vectorised placements as a Placement (None when no corridor is near)."""
    code = places.corridor[k]
    if code is None:
        return NOWHERE
    return Placement(code, float(places.distance_m[k]), float(places.km_along[k]),
                     float(places.bearing_deg[k]), bool(places.off_corridor[k]))


def _conflict(r: ItemResult, why: str) -> None:
    r.status, r.code = "rejected", "conflict"
    r.errors = [{"field": "id", "message":
                 Text("conflict: an observation with id {id} {why}; send a new id for a new count, "
                      "or the same content to retry", id=r.id, why=Text(why))}]


def _row(o: ObservationIn, content_hash: str, fp: repo.FlowPointInfo | None, lon: float, lat: float,
         loc_src: str, heading: float | None, movement: str, corridor_id: int | None,
         p: Placement | None, enumerator_id: int | None, source: str, received_at: datetime,
         pcode: str | None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": o.id, "flow_point_id": fp.id if fp else None, "corridor_id": corridor_id,
        "observed_at": o.observed_at, "lon": lon, "lat": lat, "location_source": loc_src,
        "direction": None if o.direction is None else str(o.direction), "direction_deg": heading,
        "movement": movement,
        "origin": o.origin, "destination": o.destination,
        "flow_type": o.flow_type.value if o.flow_type else None, "reason": o.reason,
        "cross_border": o.cross_border, "has_certificate": o.has_certificate,
        "already_counted": o.already_counted, "notes": o.notes or None,
        "enumerator_id": enumerator_id, "source": source, "received_at": received_at,
        "content_hash": content_hash,
        "distance_m": p.distance_m if p else None, "km_along": p.km_along if p else None,
        # No corridor mapped anywhere: we cannot call a herd "off corridor".
        "off_corridor": bool(p.off_corridor) if p else False,
        "adm2_pcode": pcode, "replaces": o.replaces, "review": "received", "flags": [],
    }
    for s in SPECIES:
        row[s] = getattr(o.counts, s)
    for h in HERDERS:
        row[h] = getattr(o.herders, h)
    return row


# --------------------------------------------------------------------------- reads


FLOW_POINT_REACH_M = 20_000.0  # a GPS point in no known admin area still counts as "at" its flow point


def _near_flow_point(where: tuple[float, float, str], fp: repo.FlowPointInfo | None) -> bool:
    """True when the GPS point lies within FLOW_POINT_REACH_M of the named flow point
    (great-circle distance): the scope check falls back to it where no admin area is known."""
    if fp is None:
        return False
    lon1, lat1, lon2, lat2 = map(math.radians, (where[0], where[1], fp.lon, fp.lat))
    a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(a))) <= FLOW_POINT_REACH_M


def list_observations(session: Session, user: Principal, f: repo.ListFilter) -> tuple[list[dict], int]:
    """Enumerators see only their own; scoped users only their areas."""
    if user.role == "enumerator":
        f.enumerator_id = user.id
    f.scopes = tuple(user.scopes)
    rows, total = repo.list_observations(session, f)
    items = [observation_json(r) for r in rows]
    if not sees_exact(user.role):
        items = [generalised(item) for item in items]
    if user.role != "admin":  # reviewers' names, like other actors' names, for admins only
        for item in items:
            item["reviewed_by"] = None
    return items, total


def generalised(item: dict[str, Any]) -> dict[str, Any]:
    """An observation as roles without exact locations see it (ttt.location_policy): the
    nearest grid node, and no distance or km along the corridor (they would pin the herd)."""
    loc = item.get("location") or {}
    if loc.get("lon") is not None and loc.get("lat") is not None:
        lon, lat = snap_point(loc["lon"], loc["lat"])
        item["location"] = {"lon": lon, "lat": lat}
    item.update(distance_m=None, km_along=None, location_precision=GENERALISED)
    # a distance from a known point would pin the herd as well: keep the flag, not the figure
    item["flags"] = [{**f, "reason": "GPS position far from the named flow point"}
                     if f.get("code") == "gps_far_from_point" else f for f in item.get("flags") or []]
    return item


def observation_json(r: dict[str, Any]) -> dict[str, Any]:
    """A stored row in the contract's shape, plus the server-side fields."""
    direction: Any = r["direction"]
    if direction is not None:
        with contextlib.suppress(ValueError):
            direction = float(direction)  # stored "225.0" -> 225.0; "SW" stays text
    return {
        "id": str(r["id"]), "flow_point": r["flow_point"], "observed_at": r["observed_at"].isoformat(),
        "location": {"lon": r["lon"], "lat": r["lat"]}, "location_source": r["location_source"],
        "direction": direction, "direction_deg": r["direction_deg"], "movement": r["movement"],
        "counts": {s: r[s] for s in SPECIES}, "herders": {h: r[h] for h in HERDERS},
        "origin": r["origin"], "destination": r["destination"], "flow_type": r["flow_type"],
        "reason": r["reason"], "cross_border": r["cross_border"], "has_certificate": r["has_certificate"],
        "already_counted": r["already_counted"], "notes": r["notes"] or "",
        "enumerator": r["enumerator"], "source": r["source"], "received_at": r["received_at"].isoformat(),
        "corridor": r["corridor"], "distance_m": r["distance_m"], "km_along": r["km_along"],
        "off_corridor": r["off_corridor"], "adm2_pcode": r["adm2_pcode"],
        "replaces": None if r["replaces"] is None else str(r["replaces"]),
        "review": r["review"], "flags": r["flags"] or [],
        "reviewed_by": r["reviewed_by"], "reviewed_at": r["reviewed_at"].isoformat() if r["reviewed_at"] else None,
        "review_note": r["review_note"],
    }


def chunks(items: Iterable[Any], size: int) -> Iterable[list[Any]]:
    buf: list[Any] = []
    for it in items:
        buf.append(it)
        if len(buf) >= size:
            yield buf
            buf = []
    if buf:
        yield buf
