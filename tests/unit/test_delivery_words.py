"""Every message kind, in every language we ship, reads as a recipient needs it: the state
word first, the place by name, this recipient's page link, plain words (no statistics
jargon, rule ids or versions), numbers written the language's way, no contacts."""

from __future__ import annotations

import dataclasses
import html
import json
import re
from datetime import UTC, datetime

import pytest
from lxml import etree

from alerts.delivery.cap import CapOptions, FeedEntry, build_cap, build_feed
from alerts.delivery.render import (
    render_digest,
    render_email,
    render_parts,
    render_sms,
    render_sms_digest,
    webhook_payload,
)
from alerts.delivery.samples import channel_check_message, typical_alert
from alerts.delivery.sms_text import count_sms, fold_to_gsm
from ttt.i18n import languages, translator

NOW = datetime(2026, 11, 24, 8, 30, tzinfo=UTC)
LINK = "https://ttt.example.org/a/MTIzNDU2OjM6OTg3NjU0OjE3OTY2OTI3NzM.mtXiU1FjRHaewgBBPKV3Kw"
KINDS = ("created", "updated", "escalated", "confirmed", "dismissed", "reopened", "resolved", "reminder",
         "closed")
JARGON = re.compile(r"\b(mad|median|samples?|same_time_earlier_seasons|rule|v?23f7eefe4be1|mass_flow_point|"
                    r"version|none|threshold|tolerance|min_history)\b|[{}]|\bid\b", re.IGNORECASE)
STATE = {  # what a reader checks first, per language
    "fr": {"created": "NOUVELLE ALERTE", "resolved": "FIN D'ALERTE", "dismissed": "FAUSSE ALERTE",
           "reopened": "ALERTE ROUVERTE", "confirmed": "ALERTE CONFIRMÉE", "reminder": "RAPPEL",
           "closed": "FIN DE VIGILANCE", "updated": "ALERTE MISE À JOUR", "escalated": "ALERTE NON CONFIRMÉE",
           "test": "MESSAGE D'ESSAI"},
    "en": {"created": "NEW ALERT", "resolved": "END OF ALERT", "dismissed": "FALSE ALARM",
           "reopened": "ALERT REOPENED", "confirmed": "ALERT CONFIRMED", "reminder": "REMINDER",
           "closed": "ALL CLEAR", "updated": "ALERT UPDATED", "escalated": "NOT YET ACKNOWLEDGED",
           "test": "TEST MESSAGE"},
    "ar": {"created": "تنبيه جديد", "resolved": "انتهاء التنبيه", "dismissed": "إنذار كاذب", "test": "رسالة تجريبية"},
}


def alert(event: str = "created", **changes):
    evidence = changes.pop("evidence", None) or {"rule": "mass_flow_point", "rule_version": "23f7eefe4be1", "observed": 7012.0, "unit": "animals",
                "window_hours": 24, "threshold": 2400.0, "observations": ["a"] * 41,
                "baseline": {"kind": "same_time_earlier_seasons", "median": 631.0, "mad": 234.2, "samples": 41}}
    return dataclasses.replace(typical_alert(NOW), event=event, ack_url=LINK, evidence=evidence, **changes)


def state_of(language: str, event: str) -> str:
    return STATE.get(language, {}).get(event) or render_parts(alert(event), language)["state"]


def test_every_language_we_ship_has_a_catalogue():
    assert set(languages()) >= {"fr", "en", "ar"}


@pytest.mark.parametrize("language", languages())
@pytest.mark.parametrize("event", KINDS)
def test_every_message_kind_in_every_language(language, event):
    m = alert(event)
    state = state_of(language, event)
    email = render_email(m, language)
    sms = render_sms(m, language, max_parts=2)
    hook = webhook_payload(m, language)["data"]
    cap = build_cap(m, CapOptions(languages=(language,)))
    info = {el.tag.split("}")[1]: el.text for el in cap.find("{*}info")}
    feed = etree.fromstring(build_feed([FeedEntry(m, "https://x/a.cap")], feed_url="https://x/f", language=language))
    title = feed.find("{*}entry/{*}title").text

    # the state word comes first, everywhere
    assert email.subject.startswith(f"[TTT] {state}")
    assert email.text.startswith(state)
    assert sms.startswith(fold_to_gsm(state))
    assert hook["headline"].startswith(state) and info["headline"].startswith(state) and title.startswith(state)
    # the place by its name, and this recipient's page
    for text in (email.subject, email.text, email.html, sms, hook["headline"], info["description"], title):
        assert "Boni" in text
    assert LINK in email.text and f'href="{LINK}"' in email.html and sms.endswith(LINK) and hook["ack_url"] == LINK
    # plain words: no statistics jargon, rule ids or versions; no contact of anyone
    for text in (email.subject, email.text, sms, hook["headline"], hook["what"], hook["evidence"]["text"],
                 hook["recommended_action"], info["headline"], info["description"], info["instruction"], title):
        assert not JARGON.search(text.replace(LINK, "")), text
        assert "@" not in text
    # SMS cost: within the configured parts
    assert count_sms(sms).parts <= 2


@pytest.mark.parametrize("language", languages())
def test_test_message_says_test_and_never_new_alert(language):
    m = dataclasses.replace(channel_check_message(NOW), ack_url=LINK)
    new = render_parts(alert("created"), language)["state"]
    email = render_email(m, language)
    sms = render_sms(m, language)
    for text in (email.subject, email.text, html.unescape(email.html), sms):
        assert state_of(language, "test") in text or fold_to_gsm(state_of(language, "test")) in text
        assert new not in text and "New alert" not in text
    assert "not an alert" in render_email(m, "en").text


@pytest.mark.parametrize("language", languages())
def test_digest_in_every_language(language):
    messages = [alert("created"), alert("resolved", id=2, flow_point_name="Hombori")]
    digest = render_digest(messages, language, NOW)
    sms = render_sms_digest(messages, language)
    assert "Boni" in digest.text and "Hombori" in digest.text and LINK in digest.text
    assert state_of(language, "resolved") in digest.text
    assert not JARGON.search(digest.text.replace(LINK, ""))
    assert count_sms(sms).parts <= 2 and "Boni" in sms


def test_numbers_and_units_in_plain_words():
    en = render_parts(alert(), "en")["evidence"]
    fr = render_parts(alert(), "fr")["evidence"]
    assert en.startswith("About 7,000 animals passed in 24 h, where about 630 is usual at this time of year.")
    assert fr.startswith("Environ 7\u202f000 animaux sont passés en 24 h, alors qu'environ 630 est habituel")
    assert "Based on 41 counts from the field." in en
    tlu = render_parts(alert(evidence={"observed": 1500, "unit": "tlu", "window_hours": 24, "threshold": 900,
                                       "baseline": {"kind": "none", "median": None}}), "en")["evidence"]
    assert "1 TLU is 250 kg" in tlu and "No usual figure is known yet" in tlu


def test_novel_origin_counts_herds_not_seasons():
    m = alert(type="unexpected", evidence={"check": "novel_origin", "observed": {"value": "Gao", "herds": 3,
                                                                                  "animals": 410},
                                           "baseline": {"kind": "earlier_seasons", "herds_seen": 20},
                                           "threshold": {"min_history": 20}})
    text = render_parts(m, "en")["evidence"]
    assert text == ("3 herds (410 animals) coming from Gao: never seen here among the 20 herds counted in "
                    "earlier seasons.")


def test_timing_evidence_tells_dates_in_words():
    m = alert(type="early", evidence={"observed": {"herds": 3, "animals": 217, "max_days": 26},
                                      "baseline": {"kind": "calendar", "opens": "2025-11-01", "closes": "2026-01-31"},
                                      "threshold": {"tolerance_days": 7}, "direction": "descent"})
    assert render_parts(m, "fr")["evidence"] == (
        "3 troupeaux (217 animaux) : jusqu'à 26 jours avant l'ouverture officielle de la descente (vers le sud "
        "en saison sèche) le 1 novembre 2025.")


def test_an_informants_name_never_leaves_in_a_webhook():
    m = alert(type="event", kind="conflict", evidence={"reported_by": "Amadou K.", "description": "Heurts au puits"})
    data = webhook_payload(m, "fr")["data"]
    assert "Amadou" not in json.dumps(data, ensure_ascii=False)
    assert data["headline"] == "NOUVELLE ALERTE : Conflit signalé à Boni"
    assert "Heurts au puits" in data["evidence"]["text"]


def test_sms_uses_spare_room_for_place_names_and_arabic_is_counted_as_ucs2():
    m = alert()
    fr = render_sms(m, "fr", max_parts=2)
    assert "Douentza-Boni" in fr and "Boni" in fr and count_sms(fr).encoding == "GSM-7"
    one = render_sms(m, "fr", max_parts=1)
    assert count_sms(one).parts == 1 and "Boni" in one and one.endswith(LINK)
    ar = render_sms(m, "ar", max_parts=2)
    assert count_sms(ar).encoding == "UCS-2" and count_sms(ar).parts <= 2 and "Boni" in ar and ar.endswith(LINK)


def test_cap_parameters_are_json():
    cap = build_cap(alert(), CapOptions(languages=("en",)))
    params = {p.findtext("{*}valueName"): p.findtext("{*}value") for p in cap.iter("{*}parameter")}
    assert json.loads(params["TTT_BASELINE"])["median"] == 631.0
    assert json.loads(params["TTT_OBSERVED"]) == 7012.0


def test_arabic_reads_right_to_left_and_english_numbers_group_by_comma():
    assert translator("ar").direction == "rtl" and translator("fr").direction == "ltr"
    assert translator("en").num(7000) == "7,000" and translator("fr").num(7000) == "7\u202f000"
    assert translator("fr-ML").language == "fr" and translator("ha").language == "en"


def test_a_national_quota_is_told_as_such():
    from alerts.delivery.message import Place

    m = alert(corridor_code=None, corridor_name=None, flow_point_code=None, flow_point_name=None,
              places=(Place("ML", "Mali", 0),),
              evidence={"observed": 61234.0, "threshold": 50000.0, "baseline": {"kind": "quota"}})
    p = render_parts(m, "en")
    assert p["title"] == "NEW ALERT: Season quota exceeded in Mali"
    assert p["evidence"] == "61,234 animals counted this season, above the national quota of 50,000."
