"""The demo network routes round the planted bushfire: the fire near Kaya closes BF-C01, the
HAZARD alert carries the way round it (the Djibo - Dori link BF-C03, then BF-C02), and the
email the subscriber receives names that alternative, and its page draws it."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from alerts.delivery.jobs import build_dispatcher
from tests.integration.test_delivery_factories import make_subscription
from tests.integration.test_delivery_scheduler import smtp_settings as smtp_settings  # noqa: F401  (fixture)
from ttt.demo import seed_demo
from ttt.demo_data import LINKS, TOWNS

pytestmark = pytest.mark.slow


def _hazard_alert(client, admin):
    alerts = client.get("/api/v1/alerts?limit=500&type=hazard", headers=admin).json()["items"]
    return next(a for a in alerts if a["corridor"] == "BF-C01" and a["rule"] == "hazard_corridor")


@pytest.fixture
def paging_old_events(tmp_path, monkeypatch):
    """The demo's counts are months old by now, and alerts about old events go to the digest
    only (late_after_hours): a rule set without that limit pages as the season would have."""
    import yaml

    from alerts.rules.config import DEFAULT_RULES_FILE
    from ttt.config import get_settings

    rules = yaml.safe_load(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))
    rules["lifecycle"]["late_after_hours"] = None
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(rules), encoding="utf-8")
    monkeypatch.setenv("TTT_RULES_FILE", str(path))
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_the_bushfire_alert_names_the_way_round_it_in_its_email(client, make_user, auth, session, smtp_settings,  # noqa: F811
                                                               paging_old_events):
    sink = smtp_settings
    admin = auth(make_user("admin")[1])
    seed_demo(scale=0.3)
    make_subscription(session, name="Gouvernorat du Centre-Nord", address="centre-nord@example.org",
                      corridors=["BF-C01"], alert_types=["hazard"], language="fr")
    session.commit()

    r = client.post("/api/v1/rules/evaluate", headers=admin)
    assert r.status_code == 200, r.text
    alert = _hazard_alert(client, admin)
    rerouting = alert["evidence"]["rerouting"]
    best = rerouting["alternatives"][0]
    assert best["corridors"] == ["BF-C03", "BF-C02"]  # from Djibo, round by Dori and Sebba
    # the planted bushfire, and the demo's fire feed may add fire areas of its own
    assert {h["detail"]["kind"] for h in best["hazards_avoided"]} == {"bushfire"}
    assert best["detour_km"] > 0 and best["extra_walking_days"] > 0
    assert "BF" in best["countries"] and any(a["pcode"] == "BF5602" for a in best["areas"])  # Séno (Dori)
    words = rerouting["text"]["fr"]
    assert words.startswith("Itinéraire de remplacement : couloir Gorom-Gorom – Dori – Fada N'Gourma via Djibo – Dori, +")
    assert "jours de marche en plus, aucun point d'eau connu" in words

    build_dispatcher().run_once()
    mails = [m for m in sink.messages if "centre-nord@example.org" in m["To"]]
    assert mails, "the subscriber of BF-C01 got no email"
    bodies = [" ".join(m.get_body(("plain",)).get_content().split()) for m in mails]
    assert any(words in b for b in bodies), bodies

    # the page the email links to draws that way round on its map, with its legend in French
    token = next(re.search(r"/a/([A-Za-z0-9._~-]+)", b).group(1) for b in bodies if words in b)
    page = client.get(f"/a/{token}").text  # no Authorization: the signed link is the credential
    svg = etree.fromstring(page[page.index("<svg"):page.index("</svg>") + 6])
    assert {"corridor", "hazard", "route"} <= {el.get("class") for el in svg.iter()}
    assert "itinéraire de remplacement ouvert" in page
    assert "open alternative route" in client.get(f"/a/{token}?lang=en").text


def _closed_link() -> dict:
    code, name, towns, countries = next(link for link in LINKS if link[0] == "BF-C03")
    line = [[TOWNS[t][1], TOWNS[t][0]] for t in towns]
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": line},
            "properties": {"code": code, "name": name, "countries": countries, "status": "closed"}}


def test_without_another_way_the_alert_says_what_closes_it(client, make_user, auth):
    admin = auth(make_user("admin")[1])
    seed_demo(scale=0.3)
    # a mapper closes the Djibo - Dori link: no way round the fire is left
    assert client.post("/api/v1/corridors", json=_closed_link(), headers=admin).status_code in (200, 201)
    assert client.post("/api/v1/rules/evaluate", headers=admin).status_code == 200
    rerouting = _hazard_alert(client, admin)["evidence"]["rerouting"]
    assert rerouting["alternatives"] == []
    words = rerouting["text"]["fr"]
    assert words.startswith("Aucun itinéraire de remplacement ouvert : "), words
    assert "feu de brousse sur le couloir BF-C01" in words and "couloir BF-C03 fermé" in words, words
