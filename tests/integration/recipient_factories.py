"""A place with names (corridor, flow point, admin areas), two recipients of one alert, and
their signed page links as the dispatcher sends them: shared by the page and browser tests."""

from __future__ import annotations

import re
from dataclasses import dataclass

from alerts.delivery.backoff import BackoffPolicy
from alerts.delivery.channels import ChannelRegistry, LogChannel
from alerts.delivery.dispatcher import DispatchConfig, Dispatcher
from alerts.delivery.outbox import enqueue
from alerts.delivery.settings import DeliverySettings
from corridors.geodata.models import AdminArea, Corridor, FlowPoint
from tests.integration.test_delivery_factories import T0, Clock, make_alert, make_subscription
from ttt.config import get_settings
from ttt.db import session_factory

LINK = re.compile(r"https?://\S+/a/[\w.-]+")
PREFET = "prefet.mopti@example.org"
NGO_PHONE = "+22376000001"


def make_place(session) -> None:
    """Corridor ML-C01 'Douentza-Boni', flow point FMP-07 'Boni' on it, Mopti > Douentza."""
    session.add(AdminArea(pcode="ML05", name="Mopti", level=1, parent_pcode="ML",
                          geom="SRID=4326;POLYGON((-5 13.5, -1 13.5, -1 16, -5 16, -5 13.5))"))
    session.add(AdminArea(pcode="ML0503", name="Douentza", level=2, parent_pcode="ML05",
                          geom="SRID=4326;POLYGON((-3.2 14.6, -1.1 14.6, -1.1 15.8, -3.2 15.8, -3.2 14.6))"))
    corridor = Corridor(code="ML-C01", name="Douentza-Boni",
                        geom="SRID=4326;LINESTRING(-2.85 15.02, -2.4 15.12, -1.95 15.25, -1.52 15.33, -1.2 15.5)",
                        tolerance_m=5000.0, countries=["ML"], pcodes=["ML05"])
    session.add(corridor)
    session.flush()
    session.add(FlowPoint(code="FMP-07", name="Boni", geom="SRID=4326;POINT(-1.52 15.33)", corridor_id=corridor.id,
                          adm0_pcode="ML", adm1_pcode="ML05", adm2_pcode="ML0503"))
    session.flush()


@dataclass
class Sent:
    address: str
    language: str
    subject: str
    text: str

    @property
    def link(self) -> str:
        return LINK.search(self.text).group(0)

    @property
    def token(self) -> str:
        return self.link.rsplit("/a/", 1)[1]


def send_alert(session, *, event: str = "created", alert=None, public_url: str = "https://ttt.example.org",
               subscriptions=None) -> tuple[object, list[Sent]]:
    """Raise (or re-tell) an alert to the subscriptions and return what each recipient got."""
    alert = alert or make_alert(session, evidence={
        "rule": "mass_flow_point", "rule_version": "23f7eefe4be1", "observed": 7012.0, "threshold": 2400.0,
        "baseline": {"kind": "same_time_earlier_seasons", "median": 631.0, "mad": 234.2, "samples": 41},
        "observations": ["o1", "o2"], "details": {"measure": "animals", "window_hours": 24}})
    enqueue(session, alert, event, now=T0, settings=DeliverySettings())
    session.commit()
    log = LogChannel()
    registry = ChannelRegistry([log])
    for name in ("email", "sms", "webhook"):
        registry.register(log, name)
    config = DispatchConfig(get_settings().secret_key.get_secret_value(), public_url, policy=BackoffPolicy(jitter=0))
    Dispatcher(session_factory(), registry, config, clock=Clock(T0)).run_once()
    return alert, [Sent(env.address, env.language, subject, text) for env, subject, text in log.sent]


def two_recipients(session, *, ngo_reports: bool = False):
    """An authority (French email) and an NGO (English SMS), both told about the alert."""
    prefet = make_subscription(session, name="Préfet de Mopti", organisation="Préfecture de Mopti",
                               address=PREFET, language="fr", may_report_outcome=True)
    ngo = make_subscription(session, name="Field officer", organisation="ONG Sahel Paix", kind="partner",
                            channel="sms", address=NGO_PHONE, language="en", may_report_outcome=ngo_reports)
    return prefet, ngo
