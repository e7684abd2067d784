"""Factories for delivery tests: alerts, subscriptions, a controllable clock, a dispatcher."""

from __future__ import annotations

import contextlib
import itertools
from datetime import UTC, datetime, timedelta

from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import select

from alerts.alerts.models import Alert
from alerts.delivery.backoff import BackoffPolicy
from alerts.delivery.dispatcher import DispatchConfig, Dispatcher
from alerts.delivery.models import Delivery, Subscription
from alerts.delivery.settings import DeliverySettings
from ttt.config import get_settings
from ttt.db import session_factory

_keys = itertools.count(1)
T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw) -> datetime:
        self.now += timedelta(**kw)
        return self.now


def make_alert(session, **kw) -> Alert:
    geometry = kw.pop("geometry", Point(-1.52, 15.33))
    fields = dict(
        type="mass", severity="severe", status="open", dedup_key=f"mass|FMP-07|{next(_keys)}", rule_id="mass",
        corridor_code="ML-C01", flow_point_code="FMP-07", pcodes=["ML05", "ML0503"],
        headline="Mass movement at Boni: 12,500 animals in 24 h",
        headline_fr="Mouvement massif à Boni : 12 500 animaux en 24 h",
        evidence={"rule": "mass", "rule_version": "3", "observed": 12500, "baseline": 1800, "threshold": 4000,
                  "observations": ["o1", "o2"], "details": {"measure": "animals", "window_hours": 24}},
        occurrences=1, version=1, escalation_tier=1, created_at=T0, updated_at=T0,
        window_start=T0 - timedelta(hours=24), window_end=T0,
    )
    fields.update(kw)
    alert = Alert(**fields)
    if geometry is not None:
        alert.geom = from_shape(geometry, srid=4326)
    session.add(alert)
    session.flush()
    return alert


def make_subscription(session, **kw) -> Subscription:
    fields = dict(name="Préfet de Douentza", organisation="Préfecture", kind="authority", channel="email",
                  address="prefet@example.org", language="fr", alert_types=[], min_severity="minor",
                  corridors=[], pcodes=[], mode="immediate", tier=1, active=True)
    area = kw.pop("area", None)
    fields.update(kw)
    sub = Subscription(**fields)
    if area is not None:
        sub.area = from_shape(area, srid=4326)
    session.add(sub)
    session.flush()
    return sub


DS = DeliverySettings(digest_time="07:00", local_timezone="Africa/Bamako")


def dispatcher(registry, clock, **kw) -> Dispatcher:
    settings = get_settings()
    config = DispatchConfig(secret_key=settings.secret_key.get_secret_value(), public_url="https://ttt.example.org",
                            policy=kw.pop("policy", BackoffPolicy(base_s=30, jitter=0.5, max_age=timedelta(hours=6))),
                            **kw)
    return Dispatcher(session_factory(), registry, config, clock=clock)


def deliveries(session) -> list[Delivery]:
    session.expire_all()
    return list(session.scalars(select(Delivery).order_by(Delivery.id)))


@contextlib.contextmanager
def environment(monkeypatch, values: dict[str, str]):
    """Settings read from these TTT_* variables for the duration (both settings caches cleared
    on the way in and out, so no other test sees them)."""
    from alerts.delivery.settings import get_delivery_settings

    for name, value in values.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    get_delivery_settings.cache_clear()
    try:
        yield
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        get_delivery_settings.cache_clear()
