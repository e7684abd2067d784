"""Incremental runs load only what the rules need: a national quota pulls in the other
corridors of its own country, never those of countries without a quota."""

from __future__ import annotations

from alerts.alerts.repository import Network
from alerts.rules.config import parse_rules
from alerts.rules.model import Corridor
from alerts.runner.incremental import quota_corridors, quota_countries

NETWORK = Network(
    corridors=(Corridor("ML-1", countries=("ML",)), Corridor("ML-2", countries=("ML",)),
               Corridor("TG-1", countries=("TG",)), Corridor("TG-2", countries=("TG", "BJ"))),
    flow_points=(), calendars=(), hazards=(),
    corridor_index={11: 0, 12: 1, 21: 2, 22: 3},
)


def _rules(scope: str):
    return parse_rules({"rules": [{
        "id": "quota", "type": "mass", "params": {"level": "country", "quota": 100, "species": ["cattle"]},
        "severity": {"on": "ratio", "levels": {"severe": 1.0}}, "suppress_hours": 0, "scope": scope}]})


def test_a_quota_in_another_country_loads_nothing_more():
    countries = quota_countries(_rules("country:TG"))
    assert countries == {"TG"}
    assert quota_corridors(NETWORK, [11], countries) == []


def test_a_quota_country_pulls_in_its_other_corridors():
    countries = quota_countries(_rules("country:TG"))
    assert quota_corridors(NETWORK, [21], countries) == [21, 22]


def test_an_everywhere_quota_pulls_in_every_corridor_of_the_touched_countries():
    countries = quota_countries(_rules("everywhere"))
    assert quota_corridors(NETWORK, [11], countries) == [11, 12]


def test_incremental_history_starts_at_a_whole_season_n_seasons_back():
    from datetime import UTC, datetime

    from alerts.runner.incremental import history_start

    rules = _rules("everywhere")  # defaults: seasons start 08-01, 3 seasons of history
    assert rules.history_seasons == 3
    assert history_start(datetime(2026, 2, 3, tzinfo=UTC), rules) == datetime(2022, 8, 1, tzinfo=UTC)
    assert history_start(datetime(2026, 8, 1, tzinfo=UTC), rules) == datetime(2023, 8, 1, tzinfo=UTC)


def test_history_seasons_is_checked():
    import pytest

    from ttt.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as err:
        parse_rules({"defaults": {"history_seasons": 0}, "rules": _rules("everywhere").raw["rules"]})
    assert err.value.errors[0]["field"] == "defaults.history_seasons"
