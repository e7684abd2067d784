"""Sample alert messages shared by the delivery unit tests."""

from __future__ import annotations

from datetime import UTC, datetime

from shapely.geometry import LineString, Point, Polygon

from alerts.delivery.message import AlertMessage, Place

T0 = datetime(2026, 11, 24, 8, 30, 12, 345678, tzinfo=UTC)


def mass_alert(**overrides) -> AlertMessage:
    fields = dict(
        id=42, version=1, updated_at=T0, created_at=T0, type="mass", severity="severe",
        corridor_code="ML-C01", corridor_name="Douentza-Boni", flow_point_code="FMP-07", flow_point_name="Boni",
        places=(Place("ML05", "Mopti", 1), Place("ML0503", "Douentza", 2)),
        headline={"fr": "Mouvement massif à Boni : 12 500 animaux en 24 h",
                  "en": "Mass movement at Boni: 12,500 animals in 24 h"},
        evidence={"observed": 12500, "unit": "animals", "window_hours": 24, "threshold": 4000,
                  "baseline": 1800, "rule": "mass", "rule_version": "3", "observation_count": 37},
        geometry=Point(-1.52, 15.33),
        window_start=datetime(2026, 11, 23, 8, tzinfo=UTC), window_end=datetime(2026, 11, 24, 8, tzinfo=UTC),
        ack_url="https://ttt.example.org/ack/MTIzNDU2OjM6OTg3NjU0OjE3OTY2OTI3NzM.mtXiU1FjRHaewgBBPKV3Kw",
        url="https://ttt.example.org/api/v1/alerts/42",
    )
    fields.update(overrides)
    return AlertMessage(**fields)


def hazard_alert(**overrides) -> AlertMessage:
    fields = dict(
        id=7, version=2, updated_at=T0, created_at=datetime(2026, 11, 20, 6, tzinfo=UTC), type="hazard",
        severity="extreme", event="escalated", kind="bushfire", corridor_code="NE-C12",
        places=(Place("NE03", "Dosso", 1),),
        headline={"fr": "Feu de brousse sur le corridor NE-C12", "en": "Bushfire on corridor NE-C12"},
        geometry=LineString([(3.10, 13.05), (3.25, 12.90), (3.40, 12.70)]),
    )
    fields.update(overrides)
    return AlertMessage(**fields)


def polygon_alert(**overrides) -> AlertMessage:
    fields = dict(
        id=9, version=1, updated_at=T0, type="unexpected", severity="moderate",
        headline={"fr": "Troupeaux hors corridor près de Tessaoua"},
        evidence={"distance_m": 7400, "corridor_width_m": 2000},
        geometry=Polygon([(7.9, 13.7), (8.1, 13.7), (8.1, 13.9), (7.9, 13.9)]),
    )
    fields.update(overrides)
    return AlertMessage(**fields)
