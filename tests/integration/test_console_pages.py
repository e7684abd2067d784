"""The staff console over HTTP: sign-in, cookies, CSRF, roles and scopes, offline docs."""

from __future__ import annotations

import re

import pytest

from tests.integration.console_factories import seed_two_countries


@pytest.fixture
def seeded(session):
    return seed_two_countries(session)


def sign_in(client, token: str, next_url: str = "/console"):
    form = client.get("/console/sign-in")
    pre = re.search(r'name="pre" value="([^"]+)"', form.text).group(1)
    return client.post("/console/sign-in", data={"token": token, "pre": pre, "next": next_url}, follow_redirects=False)


def csrf_of(client) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get("/console").text).group(1)


def test_landing_links_console_docs_and_ogc(client):
    r = client.get("/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    for href in ("/console/sign-in", "/docs", "/ogc"):
        assert f'href="{href}"' in r.text


def test_console_needs_sign_in_and_a_bad_token_is_refused(client):
    r = client.get("/console/alerts", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/console/sign-in")
    client.headers["Accept-Language"] = "en-GB,en;q=0.8"
    r = sign_in(client, "ttt_not-a-token")
    assert r.status_code == 401 and "unknown, expired or revoked" in r.text
    assert "ttt_session" not in client.cookies


def test_sign_in_sets_a_protected_cookie_and_sign_out_ends_it(client, make_user):
    _, token = make_user("analyst")
    r = sign_in(client, token)
    assert r.status_code == 303 and r.headers["location"] == "/console"
    cookie = r.headers["set-cookie"]
    assert "ttt_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert token not in cookie
    assert client.get("/console").status_code == 200
    csrf = csrf_of(client)
    # sign-out without the CSRF secret does nothing; with it the session ends server-side too
    sid = client.cookies.get("ttt_session")
    client.post("/console/sign-out", data={"csrf": "wrong"})
    client.cookies.set("ttt_session", sid)
    assert client.get("/console", follow_redirects=False).status_code == 200
    client.post("/console/sign-out", data={"csrf": csrf})
    client.cookies.set("ttt_session", sid)
    assert client.get("/console", follow_redirects=False).status_code == 303


def test_revoking_the_token_ends_the_console_session(client, make_user):
    from ttt.db import session_scope
    from ttt.users import revoke_user

    principal, token = make_user("analyst")
    sign_in(client, token)
    assert client.get("/console").status_code == 200
    with session_scope() as s:
        revoke_user(s, principal.name)
    assert client.get("/console", follow_redirects=False).status_code == 303
    assert client.get("/api/v1/me").status_code == 401


def test_cookie_calls_to_the_api_need_the_csrf_header_for_changes(client, make_user, seeded):
    _, token = make_user("analyst")
    sign_in(client, token)
    alert_id = seeded["alerts"]["ML"]
    assert client.get(f"/api/v1/alerts/{alert_id}").status_code == 200  # reads need no CSRF
    r = client.post(f"/api/v1/alerts/{alert_id}/acknowledge", json={"note": "seen"})
    assert r.status_code == 403 and "X-CSRF-Token" in r.json()["detail"]
    r = client.post(f"/api/v1/alerts/{alert_id}/acknowledge", json={"note": "seen"},
                    headers={"X-CSRF-Token": csrf_of(client)})
    assert r.status_code == 200 and r.json()["status"] == "acknowledged"
    audit = client.get("/api/v1/audit")  # analysts may not read the audit log: same rule as the API
    assert audit.status_code == 403


def test_scoped_analyst_sees_only_their_country(client, make_user, seeded):
    _, token = make_user("analyst", scopes=["ML"])
    sign_in(client, token)
    inbox = client.get("/console/alerts?lang=en").text
    assert "Mopti herds" in inbox and "Dori herds" not in inbox
    assert "Boni" in inbox and "Corridor de Mopti" in inbox  # names, not only codes
    assert client.get(f"/console/alerts/{seeded['alerts']['BF']}").status_code == 404
    page = client.get("/console").text
    assert "ML-C01" in page and "BF-C01" not in page


def test_partner_has_no_administration_pages(client, make_user, seeded):
    _, token = make_user("partner", scopes=["ML"])
    sign_in(client, token)
    assert "/console/admin/" not in client.get("/console").text
    for section in ("subscriptions", "users", "feeds", "quality"):
        assert client.get(f"/console/admin/{section}").status_code == 403
    _, admin = make_user("admin")
    client.cookies.clear()
    sign_in(client, admin)
    assert client.get("/console/admin/users").status_code == 200


def test_pages_ask_for_nothing_outside_our_server(client, make_user, seeded):
    _, token = make_user("admin")
    sign_in(client, token)
    alert_id = seeded["alerts"]["ML"]
    for path in ("/", "/console", "/console/alerts", f"/console/alerts/{alert_id}", "/console/corridors",
                 "/console/corridors/ML-C01", "/console/flow-points/ML-FP-1", "/docs", "/redoc"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert not re.search(r'(src|href)="(https?:)?//', r.text), path
        assert "script-src 'self'" in r.headers["content-security-policy"], path


def test_docs_offer_an_authorize_button_that_takes_a_bearer_token(client):
    doc = client.get("/openapi.json").json()
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {**doc["components"]["securitySchemes"]["bearerAuth"],
                                                                   "type": "http", "scheme": "bearer"}
    assert doc["paths"]["/api/v1/alerts"]["get"]["security"] == [{"bearerAuth": []}]
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_language_is_chosen_and_remembered(client, make_user):
    _, token = make_user("analyst")
    sign_in(client, token)
    fr = client.get("/console/alerts?lang=fr")
    assert '<html lang="fr"' in fr.text and "Alertes" in fr.text
    assert '<html lang="fr"' in client.get("/console/corridors").text  # remembered
    en = client.get("/console/alerts?lang=en")
    assert '<html lang="en"' in en.text and ">Alerts<" in en.text


def test_flow_point_ranking_feeds_the_map_and_respects_scopes(client, make_user, auth, seeded):
    _, token = make_user("partner", scopes=["BF"])
    r = client.get("/api/v1/stats/flow-points?from=2025-10-01&to=2025-10-31", headers=auth(token))
    assert r.status_code == 200
    items = r.json()["items"]
    assert [i["flow_point"] for i in items] == ["BF-FP-1"] and items[0]["animals"]["total"] == seeded["animals"]["BF-FP-1"]
