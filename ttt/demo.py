"""Seed the demo season into the database (idempotent; see ttt.demo_data for the content).

Geodata and subscriptions are upserted by code/name; observations go through the real
ingestion service, so they are placed on the network, queued for the rules engine and
counted in the rollups exactly as field submissions would be. Re-running adds nothing.
"""

from __future__ import annotations

from datetime import date, datetime

from geoalchemy2.shape import from_shape
from shapely.geometry import shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.delivery.models import Subscription
from corridors.geodata.models import AdminArea, Calendar, Corridor, FlowPoint, Hazard
from ttt.cli.common import console, progress
from ttt.db import session_scope
from ttt.demo_data import DemoData, generate
from ttt.geo import length_m
from ttt.users import User, create_user

DEMO_ENUMERATOR = "demo-enumerator"
BATCH = 1000


def _geom(obj: dict):
    return from_shape(shape(obj), srid=4326)


def is_seeded(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(Corridor).where(Corridor.code == "ML-C01")) == 1


def seed_geodata(session: Session, data: DemoData) -> None:
    for pcode, name, level, parent in data.admin_areas:
        if not session.scalar(select(AdminArea).where(AdminArea.pcode == pcode)):
            session.add(AdminArea(pcode=pcode, name=name, level=level, parent_pcode=parent, cod_version="demo-2025"))
    corridor_ids = {}
    for c in data.corridors:
        row = session.scalar(select(Corridor).where(Corridor.code == c["code"])) or Corridor(code=c["code"])
        row.name, row.tolerance_m, row.countries = c["name"], c["tolerance_m"], c["countries"]
        row.pcodes, row.status, row.geom = c["pcodes"], c["status"], _geom(c["geometry"])
        row.length_km = round(length_m(shape(c["geometry"])) / 1000, 3)
        session.add(row)
        session.flush()
        corridor_ids[c["code"]] = row.id
    for fp in data.flow_points:
        row = session.scalar(select(FlowPoint).where(FlowPoint.code == fp["code"])) or FlowPoint(code=fp["code"])
        row.name, row.geom, row.corridor_id = fp["name"], _geom(fp["geometry"]), corridor_ids[fp["corridor"]]
        row.adm0_pcode, row.adm1_pcode, row.adm2_pcode = fp["adm0_pcode"], fp["adm1_pcode"], fp["adm2_pcode"]
        row.active = True
        session.add(row)
    if not session.scalar(select(func.count()).select_from(Calendar)):
        for cal in data.calendars:
            session.add(Calendar(corridor_code=cal["corridor"], country=cal["country"], direction=cal["direction"],
                                 opens=cal["opens"], closes=cal["closes"],
                                 effective_from=date.fromisoformat(cal["effective_from"]), source=cal["source"]))
    for hz in data.hazards:
        if not session.scalar(select(Hazard).where(Hazard.description == hz["description"])):
            session.add(Hazard(kind=hz["kind"], severity=hz["severity"], geom=_geom(hz["geometry"]),
                               starts_at=datetime.fromisoformat(hz["starts_at"]),
                               ends_at=datetime.fromisoformat(hz["ends_at"]) if hz["ends_at"] else None,
                               source=hz["source"], description=hz["description"]))
    for sub in data.subscriptions:
        if not session.scalar(select(Subscription).where(Subscription.name == sub["name"])):
            fields = {k: v for k, v in sub.items() if k != "area"}
            session.add(Subscription(**fields, active=True))
    session.flush()


def _enumerator(session: Session):
    user = session.scalar(select(User).where(User.name == DEMO_ENUMERATOR))
    if user is None:
        user, _token = create_user(session, DEMO_ENUMERATOR, "enumerator")
    from ttt.users import Principal

    return Principal(user.id, user.name, user.role, tuple(user.scopes or ()))


def seed_observations(data: DemoData) -> dict[str, int]:
    """Send the demo counts through the ingestion service in batches, with a progress bar."""
    from corridors.observations.service import ingest

    totals = {"accepted": 0, "duplicate": 0, "rejected": 0}
    with session_scope() as s:
        enumerator = _enumerator(s)
    records = data.observations
    with progress() as bar:
        task = bar.add_task("demo observations", total=len(records))
        for i in range(0, len(records), BATCH):
            chunk = records[i:i + BATCH]
            with session_scope() as s:
                outcome = ingest(s, chunk, source="api", enumerator=enumerator)
            for key in totals:
                totals[key] += outcome.count(key)
            bar.advance(task, len(chunk))
    return totals


def seed_demo(seed: int = 20251001, force: bool = False, scale: float = 1.0) -> dict[str, int] | None:
    """Seed everything unless already seeded (``force`` re-runs; ids are stable, so no doubles)."""
    with session_scope() as s:
        if is_seeded(s) and not force:
            console.print("demo already seeded (use --force to re-run)")
            return None
    data = generate(seed=seed, scale=scale)
    with session_scope() as s:
        seed_geodata(s, data)
    totals = seed_observations(data)
    console.print(
        f"demo seeded: {len(data.corridors)} corridors, {len(data.flow_points)} flow points, "
        f"{totals['accepted']} observations accepted ({totals['duplicate']} already there, "
        f"{totals['rejected']} rejected), {len(data.hazards)} hazards, {len(data.subscriptions)} subscriptions"
    )
    return totals
