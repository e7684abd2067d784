"""Who hears about an alert, and when the daily digest goes out."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from shapely.geometry import LineString, box

from alerts.delivery.matching import AlertFacts, SubscriptionFilter, matches, matching_ids
from alerts.delivery.outbox import next_digest_at

ALERT = AlertFacts(type="mass", severity="severe", corridor_code="ML-C01", pcodes=("ML0503",),
                   geometry=LineString([(-2.0, 15.0), (-1.5, 14.5)]))


def sub(**kw) -> SubscriptionFilter:
    return SubscriptionFilter(id=kw.pop("id", 1), **kw)


def test_no_filter_hears_everything_and_each_filter_narrows():
    assert matches(sub(), ALERT)
    assert not matches(sub(alert_types=("hazard",)), ALERT)
    assert matches(sub(alert_types=("hazard", "mass")), ALERT)
    assert matches(sub(min_severity="severe"), ALERT) and not matches(sub(min_severity="extreme"), ALERT)
    assert not matches(sub(active=False), ALERT)


def test_place_filters_are_alternatives_and_pcodes_are_hierarchical():
    assert matches(sub(pcodes=("ML05",)), ALERT)  # region covers the cercle
    assert matches(sub(pcodes=("ml05",)), ALERT)
    assert not matches(sub(pcodes=("ML050301",)), ALERT)  # a commune does not cover its cercle
    assert matches(sub(corridors=("NE-C12", "ML-C01")), ALERT)
    assert matches(sub(corridors=("NE-C12",), pcodes=("ML05",)), ALERT)  # either place is enough
    assert not matches(sub(corridors=("NE-C12",), pcodes=("NE03",)), ALERT)
    assert matches(sub(area=box(-1.8, 14.6, -1.6, 14.9)), ALERT)
    assert not matches(sub(area=box(5, 5, 6, 6)), ALERT)


def test_tiers_and_resolution_go_to_those_told():
    assert not matches(sub(tier=2), ALERT)
    assert matches(sub(tier=2), AlertFacts(**{**ALERT.__dict__, "escalation_tier": 2}))
    subs = [sub(id=1), sub(id=2, min_severity="extreme"), sub(id=3, active=False)]
    assert matching_ids(subs, ALERT) == [1]
    assert matching_ids(subs, ALERT, resolution=True, already_told=[2, 3]) == [2]


def test_next_digest_time_in_local_time():
    bamako = ZoneInfo("Africa/Bamako")  # UTC+0
    niamey = ZoneInfo("Africa/Niamey")  # UTC+1
    at7 = time(7, 0)
    assert next_digest_at(datetime(2026, 11, 24, 6, 59, tzinfo=UTC), at7, bamako) == datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    assert next_digest_at(datetime(2026, 11, 24, 7, 0, tzinfo=UTC), at7, bamako) == datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
    assert next_digest_at(datetime(2026, 11, 24, 6, 30, tzinfo=UTC), at7, niamey) == datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
