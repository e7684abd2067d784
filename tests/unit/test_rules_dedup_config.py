"""Merging findings into alerts, and loading rule sets (clear errors, stable versions)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alerts.rules.config import load_rules, parse_rules
from alerts.rules.dedup import merge
from alerts.rules.model import Evidence, Finding
from ttt.errors import ValidationFailed

T0 = datetime(2025, 10, 10, tzinfo=UTC)


def finding(key_day=0, ids=("a",), severity="moderate", rule="mass", place="fp:P1", suppress=48.0, observed=1,
            type="mass"):
    start = T0 + timedelta(days=key_day)
    return Finding(
        rule=rule, type=type, severity=severity, corridor="C1", flow_point="P1",
        window_start=start, window_end=start + timedelta(days=1), headline={"en": rule, "fr": rule},
        dedup_key=f"{rule}|{place}|{start:%Y-%m-%d}", place=place,
        evidence=Evidence(rule, "v1", observed, None, 1, tuple(ids)), suppress_hours=suppress,
    )


def test_first_finding_creates_and_replay_changes_nothing():
    r1 = merge([finding()], [])
    assert [c.event for c in r1.changes] == ["created"]
    assert merge([finding()], r1.alerts).changes == []


def test_repeat_with_new_observations_updates_occurrences_and_severity_only_rises():
    alerts = merge([finding(ids=("a",), severity="severe")], []).alerts
    r = merge([finding(ids=("a", "b"), severity="moderate")], alerts)
    (c,) = r.changes
    assert c.event == "updated" and c.alert.occurrences == 2 and c.alert.severity == "severe"
    assert c.alert.observation_ids == {"a", "b"} and c.finding.evidence.observations == ("a", "b")
    r2 = merge([finding(ids=("a", "b", "c"), severity="extreme")], r.alerts)
    assert r2.changes[0].event == "escalated" and r2.changes[0].alert.severity == "extreme"


def test_next_day_inside_suppression_window_updates_the_same_alert():
    alerts = merge([finding(0, ("a",))], []).alerts
    r = merge([finding(1, ("b",))], alerts)
    (c,) = r.changes
    assert c.event == "updated" and c.alert.window_end == T0 + timedelta(days=2)
    assert len(r.alerts) == 1
    # replaying day 2 again: nothing, it is one of the alert's keys now
    assert merge([finding(1, ("b",))], r.alerts).changes == []
    # a week later is a new alert; another rule or place is a new alert
    assert merge([finding(7, ("c",))], r.alerts).changes[0].event == "created"
    assert merge([finding(1, ("x",), rule="other")], r.alerts).changes[0].event == "created"
    assert merge([finding(1, ("b",), suppress=0)], alerts).changes[0].event == "created"


def test_resolved_alert_holds_under_more_of_the_same_and_reopens_when_materially_worse():
    (state,) = merge([finding(observed=2400)], []).alerts
    state.status, state.id = "resolved", 7
    assert merge([finding(observed=2400)], [state]).changes == []  # a replay
    # one more herd in the same window: still resolved, nobody is paged
    assert merge([finding(ids=("a", "z"), observed=2460)], [state]).changes == []
    # the next day, within suppress_hours: more of the same is held too
    assert merge([finding(1, ids=("y",), observed=2500)], [state]).changes == []
    # materially worse (1.5 x the figure when it was resolved), or a higher severity: reopened
    for worse in (finding(ids=("a", "z"), observed=3600), finding(ids=("a", "z"), observed=2400, severity="severe")):
        r = merge([worse], [state])
        (c,) = r.changes
        assert c.event == "reopened" and c.alert.reopened_from == 7 and c.alert.id is None
    # a dismissed alert holds the same way
    state.status, state.verification = "open", "dismissed"
    assert merge([finding(ids=("a", "z"), observed=2460)], [state]).changes == []
    assert merge([finding(ids=("a", "z"), observed=5000)], [state]).changes[0].event == "reopened"
    # past the suppression reach the situation is new
    assert merge([finding(5, ids=("q",), observed=2400)], [state]).changes[0].event == "created"


def test_point_and_corridor_findings_about_the_same_herds_are_one_incident_with_both_measures():
    point = finding(ids=("a", "b"), rule="mass_flow_point", place="fp:P1", observed=2600)
    corridor = replace(finding(ids=("a", "b", "c"), rule="mass_corridor", place="corridor:C1", observed=3100),
                       flow_point=None)
    for order in ([point, corridor], [corridor, point]):
        r = merge(order, [])
        (c,) = r.changes
        assert c.event == "created" and len(r.alerts) == 1
        a = c.alert
        assert a.observation_ids == {"a", "b", "c"} and a.occurrences == 2
        assert set(a.evidence["measures"]) == {"mass_flow_point", "mass_corridor"}
        assert a.evidence["measures"]["mass_flow_point"]["observed"] == 2600
        assert a.evidence["measures"]["mass_corridor"]["observed"] == 3100
        assert a.evidence["measures"]["mass_corridor"]["place"] == "corridor:C1"
        assert a.first.rule == a.rule == "mass_flow_point"  # the most precise place leads the incident
    # found in a later run: the corridor joins the point's alert (an update, not a new alert)
    alerts = merge([point], []).alerts
    r = merge([corridor], alerts)
    assert [c.event for c in r.changes] == ["updated"] and len(r.alerts) == 1
    # the next day's corridor finding is suppressed into the same incident too
    nxt = finding(1, ids=("d",), rule="mass_corridor", place="corridor:C1", observed=3300)
    assert [c.event for c in merge([nxt], r.alerts).changes] == ["updated"]
    # other types are not joined by shared herds (off corridor and a new origin are two stories)
    a = merge([finding(ids=("a",), rule="u1", type="unexpected")], []).alerts
    assert merge([finding(ids=("a",), rule="u2", type="unexpected")], a).changes[0].event == "created"


def test_one_batch_with_two_days_makes_one_alert():
    r = merge([finding(0, ("a",)), finding(1, ("b",))], [])
    assert len(r.changes) == 1 and r.changes[0].event == "created" and r.changes[0].alert.occurrences == 2


# --- config -------------------------------------------------------------------------------


def test_default_rules_load_with_a_content_version():
    rs = load_rules()
    assert len(rs.version) == 12
    assert {r.type for r in rs.rules} == {"mass", "early", "late", "unexpected", "hazard"}
    mass = rs.get("mass_flow_point")
    assert mass.params["window_hours"] == 24 and mass.params["k"] == 3.0 and mass.params["trailing_days"] == 28
    assert rs.tlu_factors["camels"] == 1.0 and rs.tlu_factors["sheep"] == 0.1
    assert rs.get("quota_togo_cattle").params["quota"] == 50000


def test_version_changes_with_parameters_not_with_formatting(tmp_path):
    text = Path(load_rules().source).read_text()
    a = tmp_path / "a.yaml"
    a.write_text("# a comment\n" + text)
    assert load_rules(a).version == load_rules().version
    b = tmp_path / "b.yaml"
    b.write_text(text.replace("floor: 2000", "floor: 2500"))
    assert load_rules(b).version != load_rules().version


def test_every_problem_is_reported_with_its_place():
    bad = {
        "defaults": {"season_start": "13-01", "tlu_factors": {"yak": 1}},
        "rules": [
            {"id": "m", "type": "mass", "params": {"k": -1, "levle": "x"}, "scope": "planet:mars"},
            {"id": "m", "type": "early", "severity": {"levels": {"huge": 1}}},
            {"id": "z", "type": "tsunami"},
            {"id": "o", "type": "hazard", "overrides": ["nope"]},
        ],
    }
    with pytest.raises(ValidationFailed) as exc:
        parse_rules(bad)
    fields = {e["field"] for e in exc.value.errors}
    assert {
        "defaults.season_start", "defaults.tlu_factors.yak", "rules[0].params.k", "rules[0].params.levle",
        "rules[0].scope", "rules[1].severity.levels.huge", "rules[2].type", "rules[3].overrides",
    } <= fields
    k = next(e for e in exc.value.errors if e["field"] == "rules[0].params.k")
    assert "expected a number >= 0" in k["message"] and "-1" in k["message"]


def test_unreadable_or_broken_files_say_so(tmp_path):
    with pytest.raises(ValidationFailed, match="cannot read"):
        load_rules(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("rules: [ {id: x")
    with pytest.raises(ValidationFailed, match="not valid YAML"):
        load_rules(broken)


def test_decreasing_severity_levels_are_refused():
    with pytest.raises(ValidationFailed, match="must not decrease"):
        parse_rules({"rules": [{"id": "m", "type": "mass", "severity": {"levels": {"moderate": 2, "severe": 1}}}]})


def test_the_active_rule_set_follows_ttt_rules_file_and_reloads_on_change(tmp_path, monkeypatch):
    from alerts.runner.engine import active_rules
    from ttt.config import get_settings

    path = tmp_path / "site.yaml"
    path.write_text("rules:\n  - id: only_mass\n    type: mass\n    params: {floor: 100}\n")
    monkeypatch.setenv("TTT_RULES_FILE", str(path))
    get_settings.cache_clear()
    try:
        first = active_rules()
        assert [r.id for r in first.rules] == ["only_mass"] and first.source == str(path)
        path.write_text("rules:\n  - id: only_mass\n    type: mass\n    params: {floor: 200}\n")
        import os

        os.utime(path, (os.stat(path).st_atime, os.stat(path).st_mtime + 5))
        second = active_rules()
        assert second.get("only_mass").params["floor"] == 200 and second.version != first.version
    finally:
        monkeypatch.delenv("TTT_RULES_FILE")
        get_settings.cache_clear()
    assert active_rules().source.endswith("default.yaml")
