"""Factories for the statistics tests: a small corridor network and observations written
the way ingestion writes them (one multi-row INSERT ... ON CONFLICT (id) DO NOTHING)."""

from __future__ import annotations

import datetime as dt
import random
import uuid

from sqlalchemy import delete, insert, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from corridors.geodata.models import Corridor, FlowPoint
from corridors.observations.models import Observation
from corridors.stats.tlu import HERDER_GROUPS, MOVEMENTS, SPECIES

UTC = dt.UTC


def make_network(session: Session) -> dict[str, int]:
    """Two corridors in Mali: ML-C01 crosses Mopti (ML05: two points), ML-C02 Gao (ML07: one)."""
    ids: dict[str, int] = {}
    for code, line in [("ML-C01", "LINESTRING(-4.2 14.5, -4.0 13.5)"), ("ML-C02", "LINESTRING(0.0 16.3, 0.5 15.2)")]:
        ids[code] = session.execute(insert(Corridor).values(
            code=code, name=f"Corridor {code}", geom=f"SRID=4326;{line}", countries=["ML"], pcodes=[]
        ).returning(Corridor.id)).scalar_one()
    for code, corridor, adm1, adm2, pt in [
        ("FP-MOP-1", "ML-C01", "ML05", "ML0501", "POINT(-4.2 14.4)"),
        ("FP-MOP-2", "ML-C01", "ML05", "ML0502", "POINT(-4.1 13.9)"),
        ("FP-GAO-1", "ML-C02", "ML07", "ML0701", "POINT(0.1 16.0)"),
    ]:
        ids[code] = session.execute(insert(FlowPoint).values(
            code=code, name=f"Point {code}", geom=f"SRID=4326;{pt}", corridor_id=ids[corridor],
            adm0_pcode="ML", adm1_pcode=adm1, adm2_pcode=adm2,
        ).returning(FlowPoint.id)).scalar_one()
    session.commit()
    return ids


def random_observation(rnd: random.Random, ids: dict[str, int], start: dt.datetime, days: int) -> dict:
    fp = rnd.choice(["FP-MOP-1", "FP-MOP-2", "FP-GAO-1", None])
    corridor = {"FP-MOP-1": "ML-C01", "FP-MOP-2": "ML-C01", "FP-GAO-1": "ML-C02", None: rnd.choice(["ML-C01", None])}[fp]
    # minutes either side of UTC midnight are where day cutting goes wrong
    observed = start + dt.timedelta(days=rnd.randrange(days), minutes=rnd.choice([1, 59, 600, 1439]))
    tz = dt.timezone(dt.timedelta(hours=rnd.choice([0, 1, -1])))
    row = {
        "id": uuid.UUID(int=rnd.getrandbits(128)),
        "flow_point_id": ids[fp] if fp else None,
        "corridor_id": ids[corridor] if corridor else None,
        "observed_at": observed.astimezone(tz),
        "geom": "SRID=4326;POINT(-4.1 14.0)",
        "movement": rnd.choice(MOVEMENTS),
        "source": "api",
        "content_hash": "0" * 64,
    }
    row.update({s: rnd.choice([0, 0, rnd.randrange(1, 400)]) for s in SPECIES})
    row.update({g: rnd.randrange(0, 5) for g in HERDER_GROUPS})
    return row


def insert_observations(session: Session, rows: list[dict]) -> None:
    """One statement for the whole batch, duplicates ignored, as ingestion does."""
    if rows:
        session.execute(pg_insert(Observation).values(rows).on_conflict_do_nothing(index_elements=["id"]))


def update_observations(session: Session, changes: dict[uuid.UUID, dict]) -> None:
    for oid, values in changes.items():
        session.execute(update(Observation).where(Observation.id == oid).values(**values))


def delete_observations(session: Session, ids: list[uuid.UUID]) -> None:
    session.execute(delete(Observation).where(Observation.id.in_(ids)))
