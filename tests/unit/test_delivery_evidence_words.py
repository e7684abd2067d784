"""Evidence the rules engine writes as records (herds, animals, windows) reads as plain words."""

from __future__ import annotations

from alerts.delivery.render import render_parts
from tests.unit.test_delivery_samples import mass_alert

EARLY_EVIDENCE = {
    "rule": "early_calendar", "rule_version": "bc8adea9", "observations": ["a", "b", "c"],
    "observed": {"herds": 3, "animals": 217, "max_days": 26},
    "baseline": {"kind": "calendar", "opens": "2025-11-01", "closes": "2026-01-31"},
    "threshold": {"tolerance_days": 7, "near_days": 60},
}


def test_record_evidence_is_told_in_words_in_english_and_french():
    msg = mass_alert(type="early", evidence=EARLY_EVIDENCE)
    en = render_parts(msg, "en")["evidence"]
    fr = render_parts(msg, "fr")["evidence"]
    assert "{" not in en and "'" not in en and "{" not in fr
    assert "herds: 3" in en and "animals: 217" in en and "window opens: 2025-11-01" in en
    assert "tolerance (days): 7" in en
    assert "troupeaux : 3" in fr and "animaux : 217" in fr and "ouverture : 2025-11-01" in fr
    assert "Based on 3 observation(s)" in en and "Fondé sur 3 observation(s)" in fr


def test_numeric_evidence_keeps_its_sentence():
    en = render_parts(mass_alert(), "en")["evidence"]
    assert "Observed: 12,500 animals in 24 h." in en and "usual level: 1,800" in en
