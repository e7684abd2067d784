"""Messages read well in French and English, and SMS parts are counted honestly."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.delivery.message import AlertMessage, message_from_mapping, severity_rank
from alerts.delivery.render import render_digest, render_email, render_parts, render_sms, webhook_payload
from alerts.delivery.sms_text import GSM_BASIC, GSM_EXTENSION, count_sms, fit_sms, fold_to_gsm
from tests.unit.test_delivery_samples import T0, hazard_alert, mass_alert


def test_french_email_answers_what_where_evidence_action_and_ack():
    email = render_email(mass_alert(), "fr")
    assert email.subject == "[TTT] Nouvelle alerte (grave) : Mouvement massif à Boni : 12 500 animaux en 24 h"
    text = email.text
    assert "Quoi : Mouvement massif (gravité grave), du 23/11/2026 08:00 UTC au 24/11/2026 08:00 UTC." in text
    assert "Où : corridor Douentza-Boni (ML-C01), point de suivi Boni (FMP-07), Mopti (ML05), Douentza (ML0503)" in text
    assert "Observé : 12\u202f500 animaux en 24 h. Seuil : 4\u202f000 (référence habituelle : 1\u202f800)." in text
    assert "Règle mass v3." in text
    assert "Action recommandée : Prévenir les autorités locales" in text
    assert "https://ttt.example.org/ack/" in text
    assert '<a href="https://ttt.example.org/ack/' in email.html


def test_english_email_uses_english_numbers():
    text = render_email(mass_alert(), "en").text
    assert "Observed: 12,500 animals in 24 h. Threshold: 4,000 (usual level: 1,800)." in text
    assert "Recommended action: Warn local authorities" in text


def test_html_escapes_text_from_the_field():
    msg = mass_alert(headline={"fr": "Boni <script>alert(1)</script> & co"})
    html = render_email(msg, "fr").html
    assert "<script>" not in html
    assert "&lt;script&gt;" in html and "&amp; co" in html


def test_unknown_language_falls_back_and_escalation_is_said():
    parts = render_parts(hazard_alert(), "fr-ML")
    assert parts["what"].startswith("Danger sur un corridor (gravité extrême) : feu de brousse.")
    assert "transmise au niveau suivant" in parts["what"]
    assert render_parts(hazard_alert(), "ha")["what"].startswith("Hazard on a corridor")


def test_resolved_alert_needs_no_action():
    assert render_parts(mass_alert(event="resolved", status="resolved"), "en")["action"].startswith("No action needed")


def test_digest_lists_every_alert():
    digest = render_digest([mass_alert(), hazard_alert()], "fr", T0)
    assert digest.subject == "[TTT] Résumé du 24/11/2026 : 2 alerte(s)"
    assert "1. Nouvelle alerte (grave)" in digest.text and "2. Alerte en escalade" in digest.text


def test_webhook_payload_has_structured_where_and_plain_evidence():
    payload = webhook_payload(mass_alert(), "en", event_id="msg_1")
    data = payload["data"]
    assert payload["type"] == "alert.created"
    assert data["where"]["corridor"] == {"code": "ML-C01", "name": "Douentza-Boni"}
    assert [p["pcode"] for p in data["where"]["places"]] == ["ML05", "ML0503"]
    assert data["evidence"]["facts"]["observed"] == 12500
    assert data["evidence"]["text"].startswith("Observed: 12,500 animals")
    assert data["ack_url"].startswith("https://ttt.example.org/ack/")
    assert data["geometry"] == {"type": "Point", "coordinates": [-1.52, 15.33]}


# --- SMS --------------------------------------------------------------------------------


def test_gsm7_limits_and_extension_characters():
    assert count_sms("a" * 160).parts == 1
    assert count_sms("a" * 161).parts == 2
    assert count_sms("a" * 306).parts == 2 and count_sms("a" * 307).parts == 3
    euro = count_sms("€" * 80)
    assert (euro.encoding, euro.units, euro.parts) == ("GSM-7", 160, 1)
    # an escape pair is never split across parts: 152 'a' + '€' cannot share the first part
    assert count_sms("a" * 152 + "€" + "a" * 153).parts == 3


def test_accented_french_and_ucs2():
    assert count_sms("éèùàÉÇ").encoding == "GSM-7"  # these are in the GSM alphabet
    ucs = count_sms("fête")
    assert ucs.encoding == "UCS-2" and ucs.parts == 1
    assert count_sms("ê" * 70).parts == 1 and count_sms("ê" * 71).parts == 2
    assert count_sms("ê" * 134).parts == 2 and count_sms("ê" * 135).parts == 3
    assert fold_to_gsm("Fête à Ségou, reçu « œuvre »") == 'Fete à Ségou, recu " oeuvre "'


def test_sms_fits_and_keeps_the_ack_link():
    msg = mass_alert()
    for lang in ("fr", "en"):
        text = render_sms(msg, lang, max_parts=2)
        count = count_sms(text)
        assert count.encoding == "GSM-7" and count.parts <= 2
        assert text.endswith(msg.ack_url)
    one = render_sms(msg, "fr", max_parts=1)
    assert count_sms(one).parts == 1 and one.endswith(msg.ack_url)
    assert one.startswith("TTT GRAVE: Mouvement massif")


def test_sms_without_folding_goes_ucs2_and_is_counted_as_such():
    msg = mass_alert(headline={"fr": "Arrivée précoce à Kèta : fête du bétail, forêt sèche"}, ack_url=None)
    text = render_sms(msg, "fr", max_parts=3, fold=False)
    count = count_sms(text)
    assert count.encoding == "UCS-2" and count.parts <= 3


def test_fit_sms_cuts_at_a_word_and_keeps_tail():
    text = fit_sms(["mot " * 200 + "http://x/ack/abc"], max_parts=1, keep_tail="http://x/ack/abc")
    assert text.endswith("... http://x/ack/abc") and count_sms(text).parts == 1
    assert " mo..." not in text


# --- message snapshot ----------------------------------------------------------------------


def test_snapshot_round_trip_and_clear_errors():
    msg = hazard_alert()
    again = AlertMessage.from_dict(msg.to_dict())
    assert again.to_dict() == msg.to_dict()
    assert again.geometry.equals(msg.geometry)
    bad = msg.to_dict() | {"updated_at": "yesterday"}
    with pytest.raises(ValueError, match="alert 7: field 'updated_at' must be an ISO 8601"):
        message_from_mapping(bad)
    with pytest.raises(ValueError, match="field 'severity' is required"):
        message_from_mapping(msg.to_dict() | {"severity": None})


def test_severity_order():
    assert severity_rank("minor") < severity_rank("moderate") < severity_rank("severe") < severity_rank("extreme")
    assert severity_rank("bogus") == -1


# --- properties -----------------------------------------------------------------------------

ALPHABET = st.sampled_from(list(GSM_BASIC.replace("\r", "") + GSM_EXTENSION.replace("\f", "") + "êçœ«»’…€ا😀 "))


def _parts_by_hand(text: str) -> int:
    """Independent count: encode, then cut into parts of the allowed size without splitting."""
    gsm = set(GSM_BASIC) | set(GSM_EXTENSION)
    if all(c in gsm for c in text):
        units = [2 if c in GSM_EXTENSION else 1 for c in text]
        single, multi = 160, 153
    else:
        units = [len(c.encode("utf-16-le")) // 2 for c in text]
        single, multi = 70, 67
    if sum(units) <= single:
        return 1
    parts, room = 1, multi
    for u in units:
        if u > room:
            parts, room = parts + 1, multi
        room -= u
    return parts


@settings(max_examples=300, deadline=None)
@given(st.text(ALPHABET, max_size=700))
def test_part_count_matches_an_independent_count(text):
    assert count_sms(text).parts == _parts_by_hand(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(ALPHABET, min_size=1, max_size=600), min_size=1, max_size=3), st.integers(1, 3))
def test_fitted_sms_always_fits_and_keeps_the_link(candidates, max_parts):
    tail = "https://ttt.example.org/ack/MTIzOjE6OjE3OTY2OTI3NzM.mtXiU1FjRHaewgBBPKV3Kw"
    text = fit_sms([c + " " + tail for c in candidates], max_parts=max_parts, keep_tail=tail)
    assert count_sms(text).parts <= max_parts
    assert text.endswith(tail)
