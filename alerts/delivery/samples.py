"""Example messages: the channel check (``ttt deliveries test``), the SMS cost shown to
admins, and tests. They use made-up places, never data from the database."""

from __future__ import annotations

from datetime import UTC, datetime

from shapely.geometry import Point

from alerts.delivery.message import AlertMessage, Place


def channel_check_message(now: datetime | None = None) -> AlertMessage:
    """Says it is a test, in every language; never reads as an alert."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    return AlertMessage(id=0, version=1, updated_at=now, type="mass", severity="minor", event="test",
                        places=(Place("XX", "Test", 0),))


def typical_alert(now: datetime | None = None) -> AlertMessage:
    """A mass movement at a flow point with long names: what an SMS usually has to carry."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    return AlertMessage(
        id=1, version=1, updated_at=now, created_at=now, type="mass", severity="severe",
        corridor_code="ML-C01", corridor_name="Douentza-Boni", flow_point_code="ML05-FMP-04",
        flow_point_name="Boni", places=(Place("ML05", "Mopti", 1), Place("ML0503", "Douentza", 2)),
        evidence={"observed": 7000, "unit": "animals", "window_hours": 24, "threshold": 2400,
                  "baseline": {"kind": "same_time_earlier_seasons", "median": 631, "mad": 234.2, "samples": 41},
                  "observation_count": 41},
        geometry=Point(-1.52, 15.33), window_start=now,
        ack_url="https://ttt.example.org/a/MTIzNDU2OjM6OTg3NjU0OjE3OTY2OTI3NzM.mtXiU1FjRHaewgBBPKV3Kw",
    )
