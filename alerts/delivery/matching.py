"""Which subscriptions want to hear about an alert: a pure function, easy to test and explain.

A subscription matches when it is active, its tier has been reached, the alert's type is
one it asked for (none listed = all), the severity is at least its minimum, and the alert
is somewhere it watches. "Somewhere" is any of its corridors, P-codes or area: a prefect
watching region ML05 and corridor ML-C01 hears about both; a subscription with no place
filter hears about everywhere. P-codes are hierarchical (``ML05`` covers ``ML0503``), so
a region subscriber also gets alerts coded at cercle or commune level.

A resolution is told to whoever was told about the alert, even if the alert's severity
has since dropped below their minimum: "it is over" matters to the people who acted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from shapely.geometry.base import BaseGeometry

from alerts.delivery.message import severity_rank


@dataclass(frozen=True)
class SubscriptionFilter:
    id: int
    alert_types: tuple[str, ...] = ()
    min_severity: str = "minor"
    corridors: tuple[str, ...] = ()
    pcodes: tuple[str, ...] = ()
    area: BaseGeometry | None = None
    tier: int = 1
    active: bool = True


@dataclass(frozen=True)
class AlertFacts:
    type: str
    severity: str
    corridor_code: str | None = None
    pcodes: tuple[str, ...] = ()
    geometry: BaseGeometry | None = None
    escalation_tier: int = 1


def _pcode_match(watched: Iterable[str], alert_pcodes: Iterable[str]) -> bool:
    codes = [p.upper() for p in alert_pcodes if p]
    return any(code.startswith(w.upper()) for w in watched if w for code in codes)


def where_matches(sub: SubscriptionFilter, alert: AlertFacts) -> bool:
    if not (sub.corridors or sub.pcodes or sub.area is not None):
        return True
    if sub.corridors and alert.corridor_code and alert.corridor_code.upper() in {c.upper() for c in sub.corridors}:
        return True
    if sub.pcodes and _pcode_match(sub.pcodes, alert.pcodes):
        return True
    return bool(sub.area is not None and alert.geometry is not None and sub.area.intersects(alert.geometry))


def matches(sub: SubscriptionFilter, alert: AlertFacts, *, resolution: bool = False) -> bool:
    """True when ``sub`` should receive this alert (see the module docstring)."""
    if not sub.active or sub.tier > max(alert.escalation_tier, 1):
        return False
    if sub.alert_types and alert.type not in sub.alert_types:
        return False
    if not resolution and severity_rank(alert.severity) < severity_rank(sub.min_severity):
        return False
    return where_matches(sub, alert)


def matching_ids(subs: Sequence[SubscriptionFilter], alert: AlertFacts, *, resolution: bool = False,
                 already_told: Iterable[int] = ()) -> list[int]:
    """Ids of subscriptions to deliver to. For a resolution, only those already told."""
    if resolution:
        told = set(already_told)
        return [s.id for s in subs if s.id in told and s.active]
    return [s.id for s in subs if matches(s, alert)]
