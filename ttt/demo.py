"""Seed the demo season into the database (idempotent; see ttt.demo_data for the content).

Geodata and subscriptions are upserted by code/name; observations go through the real
ingestion service, so they are placed on the network, queued for the rules engine and
counted in the rollups exactly as field submissions would be. Re-running adds nothing.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.delivery.models import Subscription
from alerts.delivery.schemas import SubscriptionIn
from alerts.delivery.service import create_subscription
from corridors.geodata import service as geodata
from corridors.geodata.models import Calendar, Corridor, Hazard
from ttt.cli.common import console, progress
from ttt.db import session_scope
from ttt.demo_data import DEMO_FIRMS_FEED, DemoData, firms_sample, generate
from ttt.users import Principal, User, create_user

DEMO_ENUMERATOR = "demo-enumerator"
BATCH = 1000


def is_seeded(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(Corridor).where(Corridor.code == "ML-C01")) == 1


def _collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def seed_geodata(session: Session, data: DemoData) -> None:
    """Geodata through the geodata service (validation, km along, P-codes), subscriptions
    through the delivery service, exactly as an admin would create them through the API."""
    geodata.upsert(session, "admin-areas", _collection([
        {"type": "Feature", "geometry": None,
         "properties": {"pcode": pcode, "name": name, "level": level, "parent": parent, "cod_version": "demo-2025"}}
        for pcode, name, level, parent in data.admin_areas
    ]))
    geodata.upsert(session, "corridors", _collection([
        {"type": "Feature", "geometry": c["geometry"],
         "properties": {k: c[k] for k in ("code", "name", "tolerance_m", "countries", "status", "pcodes")}}
        for c in data.corridors
    ]))
    geodata.upsert(session, "flow-points", _collection([
        {"type": "Feature", "geometry": fp["geometry"],
         "properties": {k: fp[k] for k in ("code", "name", "corridor", "adm0_pcode", "adm1_pcode", "adm2_pcode")}}
        for fp in data.flow_points
    ]))
    if not session.scalar(select(func.count()).select_from(Calendar)):
        geodata.create_calendars(session, data.calendars)
    if not session.scalar(select(func.count()).select_from(Hazard)):
        geodata.upsert(session, "hazards", _collection([
            {"type": "Feature", "geometry": hz["geometry"],
             "properties": {k: v for k, v in hz.items() if k != "geometry"}}
            for hz in data.hazards
        ]))
    seed_feeds(session)
    admin = Principal(0, "demo", "admin")
    for sub in data.subscriptions:
        if not session.scalar(select(Subscription).where(Subscription.name == sub["name"])):
            create_subscription(session, SubscriptionIn(**sub), admin)
    session.flush()


def seed_feeds(session: Session) -> None:
    """A FIRMS feed (disabled: it needs a MAP_KEY and the internet) loaded once with the demo's
    sample file, so the demo shows a bushfire that arrived by itself, with its provenance."""
    from corridors.feeds.models import HazardFeed
    from corridors.feeds.service import load_payload

    if session.scalar(select(HazardFeed).where(HazardFeed.name == DEMO_FIRMS_FEED["name"])):
        return
    feed = HazardFeed(**DEMO_FIRMS_FEED, area_pcodes=[], kind_map={}, severity_map={}, options={},
                      created_by="demo", failures=0)
    session.add(feed)
    session.flush()
    load_payload(session, feed, firms_sample())


def _enumerator(session: Session):
    user = session.scalar(select(User).where(User.name == DEMO_ENUMERATOR))
    if user is None:
        user, _token = create_user(session, DEMO_ENUMERATOR, "enumerator")
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
