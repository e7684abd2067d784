"""The signed alert page on real PostGIS: reachable without login from every message, per
recipient, with a map, receipts per recipient (never a contact shown), outcome reports."""

from __future__ import annotations

from datetime import timedelta

from lxml import etree
from sqlalchemy import text

from alerts.delivery.ack import make_token
from alerts.delivery.jobs import escalate_unacknowledged
from alerts.delivery.settings import DeliverySettings
from tests.integration.recipient_factories import NGO_PHONE, PREFET, make_place, send_alert, two_recipients
from tests.integration.test_delivery_factories import T0, make_alert
from ttt.config import get_settings

PAGE_BUDGET = 200_000  # bytes: page and map together, for a slow phone link


def key() -> str:
    return get_settings().secret_key.get_secret_value()


def test_each_recipient_gets_its_own_page_with_a_map_in_its_language(client, session):
    make_place(session)
    two_recipients(session)
    alert, sent = send_alert(session)
    by_address = {s.address: s for s in sent}
    fr, en = by_address[PREFET], by_address[NGO_PHONE]
    assert fr.link != en.link and fr.link.startswith("https://ttt.example.org/a/")
    page = client.get(f"/a/{fr.token}")  # no Authorization header
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    body = page.text
    assert '<html lang="fr" dir="ltr">' in body and 'name="viewport"' in body
    assert "NOUVELLE ALERTE" in body and "Beaucoup plus d&#39;animaux que d&#39;habitude à Boni" in body
    assert "Environ 7\u202f000 animaux sont passés en 24 h, alors qu&#39;environ 630 est habituel" in body
    assert "point de suivi des flux Boni (FMP-07), sur le corridor Douentza-Boni (ML-C01)" in body
    assert "Vérification : pas encore vérifiée" in body and "Confirmer la réception" in body
    for jargon in ("mad", "median", "samples", "mass_flow_point", "23f7eefe4be1"):
        assert jargon not in body
    assert PREFET not in body and NGO_PHONE not in body  # nobody's contact
    # the map is drawn here, inline: corridor, flow point; nothing fetched from elsewhere
    svg = etree.fromstring(body[body.index("<svg"):body.index("</svg>") + 6])
    classes = {el.get("class") for el in svg.iter()}
    assert {"corridor", "flow-point", "area"} <= classes
    assert "http" not in body[body.index("<svg"):body.index("</svg>")].replace("http://www.w3.org/2000/svg", "")
    assert len(page.content) < PAGE_BUDGET
    alone = client.get(f"/a/{fr.token}/map.svg")
    assert alone.status_code == 200 and alone.headers["content-type"].startswith("image/svg+xml")
    english = client.get(f"/a/{en.token}").text
    assert '<html lang="en"' in english and "NEW ALERT" in english and "About 7,000 animals" in english
    arabic = client.get(f"/a/{en.token}?lang=ar").text
    assert '<html lang="ar" dir="rtl">' in arabic and "تنبيه جديد" in arabic


def test_two_organisations_acknowledge_independently_and_no_new_version(client, session):
    make_place(session)
    prefet, ngo = two_recipients(session)
    alert, sent = send_alert(session)
    fr, en = sorted(sent, key=lambda s: s.address != PREFET)
    assert client.get(f"/a/{fr.token}").status_code == 200
    assert session.execute(text("SELECT count(*) FROM acknowledgements")).scalar() == 0  # GET records nothing
    done = client.post(f"/a/{fr.token}", data={"note": "Comité prévenu"})
    assert done.status_code == 200 and "Votre accusé de réception a été enregistré" in done.text
    assert "1 organisation a confirmé la réception." in done.text
    other = client.get(f"/a/{en.token}").text
    assert "1 organisation has confirmed receipt." in other and "Confirm receipt" in other
    assert "Préfecture" not in other and PREFET not in other  # never who, nor their contact
    second = client.post(f"/a/{en.token}")
    assert "2 organisations have confirmed receipt." in second.text
    client.post(f"/a/{en.token}")  # a second press changes nothing
    rows = session.execute(text(
        "SELECT subscription_id, organisation, note, alert_version FROM acknowledgements ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(prefet.id, "Préfecture de Mopti", "Comité prévenu", 1),
                                         (ngo.id, "ONG Sahel Paix", None, 1)]
    session.expire_all()
    row = session.get(type(alert), alert.id)
    assert row.version == 1 and row.acknowledged_by_label == "Préfecture de Mopti"  # a receipt is not a new version
    acked = session.execute(text("SELECT count(*) FROM deliveries WHERE acknowledged_at IS NOT NULL")).scalar()
    assert acked == 2


def test_escalation_stops_on_a_receipt_from_the_authority_not_from_a_partner(client, session):
    make_place(session)
    prefet, ngo = two_recipients(session)
    alert, sent = send_alert(session)
    by_address = {s.address: s for s in sent}
    client.post(f"/a/{by_address[NGO_PHONE].token}")  # a partner's receipt
    later = T0 + timedelta(hours=5)
    ds = DeliverySettings(escalation_after_h=4)
    assert escalate_unacknowledged(session, now=later, ds=ds) == [alert.id]
    session.rollback()
    client.post(f"/a/{by_address[PREFET].token}")  # the authority of tier 1
    assert escalate_unacknowledged(session, now=later, ds=ds) == []


def test_links_are_made_when_sent_from_the_current_public_url(client, session):
    make_place(session)
    two_recipients(session)
    alert, first = send_alert(session, public_url="http://wrong.example:8000")
    assert all(s.link.startswith("http://wrong.example:8000/a/") for s in first)
    alert.severity = "extreme"
    alert.version = 2
    _, second = send_alert(session, alert=alert, event="updated", public_url="https://ttt.example.org")
    assert all(s.link.startswith("https://ttt.example.org/a/") for s in second)
    payload = session.execute(text("SELECT payload FROM alert_messages WHERE version = 2")).scalar()
    assert payload["url"] is None  # the stored snapshot freezes no link


def test_bad_and_expired_links_say_so_in_the_recipients_language(client, session):
    make_place(session)
    alert = make_alert(session)
    session.commit()
    expired = make_token(key(), alert_id=alert.id, version=1, now=T0 - timedelta(days=30))
    r = client.get(f"/a/{expired}?lang=fr")
    assert r.status_code == 410 and "Ce lien a expiré." in r.text
    forged = make_token("another key", alert_id=alert.id, version=1)
    r = client.get(f"/a/{forged}?lang=en")
    assert r.status_code == 400 and "This link is not valid." in r.text
    old = client.get(f"/ack/{expired}", follow_redirects=False)
    assert old.status_code == 307 and old.headers["location"] == f"/a/{expired}"


def test_cap_web_and_atom_related_open_the_page_without_login(client, session, make_user, auth):
    make_place(session)
    two_recipients(session)
    alert, _ = send_alert(session)
    h = auth(make_user("analyst")[1])
    ns = {"cap": "urn:oasis:names:tc:emergency:cap:1.2", "atom": "http://www.w3.org/2005/Atom"}
    cap = etree.fromstring(client.get(f"/api/v1/alerts/{alert.id}.cap", headers=h).content)
    web = cap.findtext("cap:info/cap:web", namespaces=ns)
    assert web.startswith(get_settings().public_url.rstrip("/") + "/a/")
    page = client.get(web.split("/a/", 1)[1].join(["/a/", ""]))
    assert page.status_code == 200 and "Confirmer la réception" not in page.text  # read-only: no recipient
    feed = etree.fromstring(client.get("/api/v1/alerts/feed.atom?lang=en", headers=h).content)
    related = feed.find("atom:entry/atom:link[@rel='related']", ns)
    assert related.get("type") == "text/html" and "/a/" in related.get("href")
    assert feed.findtext("atom:entry/atom:title", namespaces=ns) == "NEW ALERT: Many more animals than usual at Boni"


def test_authority_reports_the_outcome_from_the_page(client, session):
    make_place(session)
    prefet, ngo = two_recipients(session)
    alert, sent = send_alert(session)
    by_address = {s.address: s for s in sent}
    token = by_address[PREFET].token
    assert "Dire ce qui a été fait" in client.get(f"/a/{token}").text
    r = client.post(f"/a/{token}/outcome", data={
        "mode": "mediation", "killed": "0", "injured": "2", "displaced": "", "animals_lost": "15",
        "crop_damage_ha": "1,5", "reprisal_risk": "yes", "acted_by": "Comité de Boni", "note": "Accord trouvé"},
        follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/a/{token}?saved=1"
    assert "votre compte rendu est enregistré" in client.get(r.headers["location"]).text
    row = session.execute(text("SELECT mode, killed, injured, displaced, animals_lost, crop_damage_ha, "
                               "reprisal_risk, acted_by, note, organisation FROM recipient_outcomes")).one()
    assert tuple(row) == ("mediation", 0, 2, None, 15, 1.5, True, "Comité de Boni", "Accord trouvé",
                          "Préfecture de Mopti")
    # the report resolves the alert through the lifecycle: its outcome, and everyone told hears the end
    session.expire_all()
    resolved = session.get(type(alert), alert.id)
    assert resolved.status == "resolved" and resolved.outcome["mode"] == "mediation"
    assert resolved.outcome["injured"] == 2 and resolved.resolved_by_label == "Préfecture de Mopti"
    ends = session.execute(text("SELECT count(*) FROM deliveries WHERE event = 'resolved'")).scalar()
    assert ends == 2
    bad = client.post(f"/a/{token}/outcome", data={"mode": "prayer", "killed": "-1"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["detail"]} == {"mode", "killed"}
    ngo_token = by_address[NGO_PHONE].token
    assert "Report what was done" not in client.get(f"/a/{ngo_token}").text
    assert client.post(f"/a/{ngo_token}/outcome", data={"mode": "mediation"}).status_code == 403


def test_admin_sees_what_an_sms_costs_in_the_recipients_alphabet(client, make_user, auth):
    h = auth(make_user("admin")[1])
    base = {"name": "Chef de canton", "channel": "sms", "address": "+23566000000", "kind": "authority"}
    arabic = client.post("/api/v1/subscriptions", headers=h, json=base | {"language": "ar"})
    french = client.post("/api/v1/subscriptions", headers=h, json=base | {"language": "fr"})
    assert arabic.status_code == 201, arabic.text
    assert arabic.json()["sms_cost"] == {"encoding": "UCS-2", "parts": 2, "characters_per_part": 67}
    assert french.json()["sms_cost"]["encoding"] == "GSM-7"
    unknown = client.post("/api/v1/subscriptions", headers=h, json=base | {"language": "xx"})
    assert unknown.status_code == 422 and "fr, en, ar" in unknown.text


def _svg_of(body: str):
    return etree.fromstring(body[body.index("<svg"):body.index("</svg>") + 6])


def test_hazard_outline_and_herds_only_as_coarse_cells_on_the_map(client, session):
    from geoalchemy2.shape import from_shape
    from shapely.geometry import MultiPoint, box

    from corridors.geodata.models import Hazard

    make_place(session)
    two_recipients(session)
    fire = Hazard(kind="bushfire", severity="severe", starts_at=T0 - timedelta(days=1),
                  geom=from_shape(box(-2.1, 15.1, -1.8, 15.35), srid=4326))
    session.add(fire)
    session.flush()
    hazard = make_alert(session, type="hazard", event_kind="bushfire", dedup_key="hz", geometry=box(-2.1, 15.1, -1.8, 15.35),
                        evidence={"observed": {"herds": 4, "animals": 900},
                                  "baseline": {"hazard": str(fire.id), "kind": "bushfire", "hazard_severity": "severe"},
                                  "threshold": {"lookback_days": 3}, "details": {"check": "on"}})
    _, sent = send_alert(session, alert=hazard)
    body = client.get(f"/a/{sent[0].token}").text
    assert "hazard" in {el.get("class") for el in _svg_of(body).iter()}
    assert "feu de brousse" in body or "bushfire" in body
    herds = make_alert(session, type="unexpected", dedup_key="off", flow_point_code=None,
                       geometry=MultiPoint([(-1.612345, 15.411111), (-1.598765, 15.422222)]),
                       evidence={"observed": {"herds": 2, "animals": 300, "max_distance_m": 9100.0},
                                 "threshold": {"tolerance_m": 5000.0}, "details": {"check": "off_corridor"}})
    _, sent = send_alert(session, alert=herds)
    body = client.get(f"/a/{sent[-1].token}").text
    svg = _svg_of(body)
    assert "herds" in {el.get("class") for el in svg.iter()}
    assert "9,1 km" in body or "9.1 km" in body
    for secret in ("15.411", "15.422", "1.612", "1.598"):
        assert secret not in body
