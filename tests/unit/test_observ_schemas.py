"""The observation contract: what is accepted, what is refused and how the refusal reads."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from corridors.observations.schemas import (
    ObservationIn,
    ValidationOptions,
    content_hash,
    dedupe_within_batch,
    parse_direction,
    validate_records,
)

NOW = datetime(2026, 2, 10, 12, 0, tzinfo=UTC)
OPTS = ValidationOptions(now=NOW)

CONTRACT = {
    "id": "6f1c2a9e-1b0e-4c1a-9a51-2f0c3d9e7b11", "flow_point": "ML05-FMP-03",
    "observed_at": "2026-02-03T07:15:00+00:00", "location": {"lon": -4.196, "lat": 14.4843},
    "direction": "S",
    "counts": {"cattle": 120, "sheep": 40, "goats": 35, "camels": 0, "donkeys": 2, "horses": 0,
               "other": 0},
    "herders": {"men": 3, "women": 0, "boys": 2, "girls": 0},
    "origin": "ML0506", "destination": "BF5202", "flow_type": "transit", "reason": "pasture",
    "cross_border": True, "has_certificate": False, "already_counted": False, "notes": "",
}


def rec(**changes):
    r = copy.deepcopy(CONTRACT)
    for k, v in changes.items():
        if v is ...:
            r.pop(k, None)
        else:
            r[k] = v
    return r


def errors_of(raw, opts=OPTS):
    (res,) = validate_records([raw], opts)
    return {e["field"]: e["message"] for e in res.errors}


def test_the_issue_contract_example_is_accepted_as_is():
    (res,) = validate_records([CONTRACT], OPTS)
    assert res.ok and res.errors == []
    obs = res.observation
    assert str(obs.id) == CONTRACT["id"]
    assert obs.counts.cattle == 120 and obs.counts.total == 197
    assert obs.herders.boys == 2
    assert obs.observed_at == datetime(2026, 2, 3, 7, 15, tzinfo=UTC)
    assert obs.heading == 180.0
    assert obs.flow_type == "transit" and obs.cross_border is True


def test_missing_species_count_as_zero_and_flow_point_may_be_absent_with_a_location():
    raw = rec(counts={"camels": "12"}, flow_point=..., herders=...)
    (res,) = validate_records([raw], OPTS)
    assert res.ok, res.errors
    assert res.observation.counts.camels == 12
    assert res.observation.counts.cattle == 0
    assert res.observation.flow_point is None


def test_neither_flow_point_nor_location_is_refused_with_what_was_expected():
    errs = errors_of(rec(flow_point=..., location=...))
    assert "flow_point" in next(iter(errs.values()))
    assert "location" in next(iter(errs.values()))


@pytest.mark.parametrize(
    ("value", "words"),
    [(-1, "negative"), (1.5, "whole number"), ("lots", "'lots'"), (True, "boolean"),
     (100_001, "above the limit")],
)
def test_bad_counts_are_named_by_dotted_path_and_say_what_was_expected(value, words):
    errs = errors_of(rec(counts={"cattle": value}))
    assert list(errs) == ["counts.cattle"]
    assert "whole number of animals from 0 to 100000" in errs["counts.cattle"]
    assert words in errs["counts.cattle"]


def test_the_count_limit_is_configurable():
    raw = rec(counts={"cattle": 5000})
    assert "counts.cattle" in errors_of(raw, ValidationOptions(now=NOW, max_count=1000))
    assert errors_of(raw) == {}


def test_an_unknown_species_is_refused_not_silently_dropped():
    errs = errors_of(rec(counts={"cattel": 40}))
    assert "counts.cattel" in errs and "cattle" in errs["counts.cattel"]


def test_future_dates_beyond_clock_skew_are_refused_but_a_small_skew_is_tolerated():
    soon = (NOW + timedelta(minutes=5)).isoformat()
    later = (NOW + timedelta(days=1)).isoformat()
    assert errors_of(rec(observed_at=soon)) == {}
    errs = errors_of(rec(observed_at=later))
    assert "future" in errs["observed_at"]


def test_dates_need_a_timezone_offset_but_z_is_utc():
    assert "timezone" in errors_of(rec(observed_at="2026-02-03T07:15:00"))["observed_at"]
    assert "timezone" in errors_of(rec(observed_at="2026-02-03"))["observed_at"]
    assert errors_of(rec(observed_at="2026-02-03T07:15:00Z")) == {}
    (res,) = validate_records([rec(observed_at="2026-02-03T09:15:00+02:00")], OPTS)
    assert res.observation.observed_at == datetime(2026, 2, 3, 7, 15, tzinfo=UTC)


def test_wrong_types_and_out_of_bounds_positions():
    errs = errors_of(rec(location={"lon": 200, "lat": "north"}, counts=[1, 2], cross_border="maybe"))
    assert "longitude" in errs["location.lon"]
    assert "location.lat" in errs
    assert errs["counts"] == "expected an object of species counts"
    assert "true or false" in errs["cross_border"]


def test_null_island_is_a_missing_fix_not_a_place():
    assert "no fix" in errors_of(rec(location={"lon": 0, "lat": 0}))["location"]


def test_bad_id_and_unknown_field():
    errs = errors_of(rec(id="not-a-uuid", cattle=3))
    assert "UUID" in errs["id"]
    assert "unknown field" in errs["cattle"]


@pytest.mark.parametrize(
    ("given", "deg"),
    [("N", 0.0), ("nne", 22.5), ("SW", 225.0), ("SO", 225.0), ("O", 270.0), ("NO", 315.0),
     ("NNW", 337.5), ("south-west", 225.0), ("Sud-Ouest", 225.0), (90, 90.0), ("135", 135.0), ("360", 0.0), (None, None)],
)
def test_direction_accepts_compass_points_in_english_and_french_or_degrees(given, deg):
    assert parse_direction(given) == deg


def test_direction_errors():
    assert "compass" in errors_of(rec(direction="up"))["direction"]
    assert "0-360" in errors_of(rec(direction=400))["direction"]


def test_french_answers_are_understood():
    (res,) = validate_records(
        [rec(direction="SO", flow_type="Sortant", cross_border="oui", has_certificate="non")], OPTS
    )
    obs = res.observation
    assert obs.direction == "SW" and obs.flow_type == "leaving"
    assert obs.cross_border is True and obs.has_certificate is False


def test_one_bad_record_never_affects_the_others():
    good2 = rec(id="0b5d0b8e-8f7e-4a55-9d0e-0f6f2f1d9a01")
    results = validate_records([CONTRACT, rec(counts={"cattle": -5}), "garbage", good2], OPTS)
    assert [r.ok for r in results] == [True, False, False, True]
    assert [r.index for r in results] == [0, 1, 2, 3]
    assert results[2].errors == [{"field": "record", "message": "expected a JSON object"}]
    assert results[1].id == CONTRACT["id"]  # a rejected record is still named


def test_content_hash_same_meaning_same_hash_different_content_different_hash():
    a = ObservationIn.model_validate(CONTRACT, context={"options": OPTS})
    same = ObservationIn.model_validate(
        rec(observed_at="2026-02-03T09:15:00+02:00", direction=180, counts={"cattle": "120",
            "sheep": 40, "goats": 35, "donkeys": 2}),
        context={"options": OPTS},
    )
    other = ObservationIn.model_validate(rec(counts={"cattle": 121}), context={"options": OPTS})
    assert content_hash(a) == content_hash(same)
    assert content_hash(a) != content_hash(other)


def test_repeated_ids_inside_one_batch_are_duplicates_or_conflicts():
    results = validate_records(
        [CONTRACT, copy.deepcopy(CONTRACT), rec(counts={"cattle": 1})], OPTS
    )
    assert dedupe_within_batch(results) == {1: "duplicate", 2: "conflict"}


# --------------------------------------------------------------------------- properties

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_values = st.one_of(st.none(), st.booleans(), st.integers(-10**9, 10**9), st.floats(allow_nan=True),
                    st.text(max_size=12), st.lists(st.integers(), max_size=2),
                    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))
_keys = st.sampled_from([*CONTRACT, "counts", "cattle", "x"])
_records = st.one_of(
    st.dictionaries(_keys, _values, max_size=8),
    st.builds(lambda changes: {**CONTRACT, **changes}, st.dictionaries(_keys, _values, max_size=3)),
    _values,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_records, max_size=6))
def test_any_input_gets_one_result_per_record_and_never_an_exception(batch):
    results = validate_records([*batch, CONTRACT], OPTS)
    assert len(results) == len(batch) + 1
    assert results[-1].ok  # a good record after any garbage is still accepted
    for r in results:
        assert r.ok == (r.errors == [])
        for e in r.errors:
            assert set(e) == {"field", "message"} and e["field"] and e["message"]
