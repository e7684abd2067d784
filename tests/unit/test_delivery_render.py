"""SMS parts are counted honestly; message snapshots round-trip (wording: test_delivery_words)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.delivery.message import AlertMessage, message_from_mapping, severity_rank
from alerts.delivery.render import render_sms
from alerts.delivery.sms_text import GSM_BASIC, GSM_EXTENSION, count_sms, fit_sms, fold_to_gsm
from tests.unit.test_delivery_samples import hazard_alert, mass_alert

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


def test_sms_without_folding_goes_ucs2_and_is_counted_as_such():
    msg = mass_alert(flow_point_name="Kèta-Forêt sèche", ack_url=None)
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
