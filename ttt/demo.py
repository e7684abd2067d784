"""Seed the demo season into the database (idempotent; see ttt.demo_data for the content).

Geodata and subscriptions are upserted by code/name; observations go through the real
ingestion service, so they are placed on the network, queued for the rules engine and
counted in the rollups exactly as field submissions would be. Re-running adds nothing.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.alerts import service
from alerts.alerts.lifecycle import tick
from alerts.alerts.models import Alert
from alerts.delivery.models import Subscription
from alerts.delivery.schemas import SubscriptionIn
from alerts.delivery.service import create_subscription
from alerts.runner.engine import evaluate_now
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


# --- after the alert: what happens to alerts, so the demo shows every state ----------------
# The rules run over the two seasons (their alerts are about past events: recorded, marked
# late, closed as they will be days later). Then key informants report events today and staff
# and partners act through the same services the API uses: one report waits for verification,
# one is being verified, one is corroborated by a second informant, confirmed, acknowledged,
# resolved with its outcome, then reopened by a worse report; one is dismissed as a false
# alarm; one is confirmed and acknowledged, still open. Re-running adds nothing.

INFORMANTS = ("demo-informant-konna", "demo-informant-sio")


def _user(session, name: str, role: str) -> Principal:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        user, _token = create_user(session, name, role)
    return Principal(user.id, user.name, user.role, tuple(user.scopes or ()))


def play_story(now: datetime | None = None) -> dict[str, int]:
    """Evaluate the rules, then play the events; returns alerts by state (status/verification)."""
    now = now or datetime.now(UTC)
    with session_scope() as s:
        evaluate_now(s, now=now)
    with session_scope() as s:
        if s.scalar(select(func.count()).select_from(Alert).where(Alert.created_by.in_(INFORMANTS))):
            return _states(s)
        tick(s, now + timedelta(days=4))  # the seasons' alerts are history: closed as they will be in days
        konna, sio = (_user(s, n, "enumerator") for n in INFORMANTS)
        analyst, partner = _user(s, "demo-analyst", "analyst"), _user(s, "demo-partner", "partner")

        def report(who, rid, kind, fp, hours_ago, **kw):
            body = {"id": rid, "event_kind": kind, "flow_point": fp,
                    "occurred_at": (now - timedelta(hours=hours_ago)).isoformat(), **kw}
            return service.report_event(s, who, body, now=now)[0]

        report(konna, "demo-report-1", "conflict", "ML05-FMP-01", 2, severity="severe",
               description="dispute between herders and farmers at the well")  # new: waits for verification
        checking = report(sio, "demo-report-2", "cattle_rustling", "ML05-FMP-02", 5)
        service.verify(s, analyst, checking.id, "verifying", "calling the village chief")
        crops = report(konna, "demo-report-3", "crop_destruction", "ML05-FMP-03", 30, description="millet fields")
        report(sio, "demo-report-4", "crop_destruction", "ML05-FMP-03", 29)  # corroborates it
        service.verify(s, analyst, crops.id, "confirmed", "two informants, photos")
        service.acknowledge(s, partner, crops.id, "mediation committee called")
        service.resolve(s, partner, crops.id, {"mode": "mediation", "killed": 0, "injured": 1, "crop_damage_ha": 2.5,
                                               "reprisal_risk": False, "acted_by": "comité de médiation de Konna",
                                               "note": "herders paid for the damage"})
        report(konna, "demo-report-5", "crop_destruction", "ML05-FMP-03", 20, severity="extreme")  # reopened
        rumour = report(sio, "demo-report-6", "bushfire", "ML05-FMP-06", 4)
        service.verify(s, analyst, rumour.id, "dismissed", "a controlled burn, not a bushfire")
        open_one = report(konna, "demo-report-7", "non_use_of_corridor", "ML04-FMP-01", 6)
        service.verify(s, analyst, open_one.id, "confirmed", None)
        service.acknowledge(s, partner, open_one.id, "pastoral association informed")
        return _states(s)


def _states(session) -> dict[str, int]:
    rows = session.execute(select(Alert.status, Alert.verification, Alert.resolved_by, Alert.reopened_from)).all()
    out: Counter[str] = Counter()
    for status, verification, resolved_by, reopened_from in rows:
        closed = status == "resolved" and (resolved_by or "").split(" ")[0] == "ttt"
        out["closed" if closed else status] += 1
        out[verification] += 1
        out["reopened"] += reopened_from is not None
    return dict(out)
