"""The console in a real Chromium: sign in, map, inbox, act on an alert, corridor page and CSV,
roles; and the offline API docs. The browser must never ask any host but ours."""

from __future__ import annotations

import pytest

from tests.integration.browser import page_bytes, screenshot
from tests.integration.console_factories import seed_two_countries

pytestmark = pytest.mark.browser


def sign_in(page, base: str, token: str) -> None:
    page.goto(f"{base}/console/sign-in")
    page.fill("input[name=token]", token)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/console")


def test_analyst_scoped_to_one_country_works_the_queue(live, chromium, session, make_user, client, auth):
    seeded = seed_two_countries(session)
    _, token = make_user("analyst", scopes=["ML"])
    _, informant = make_user("enumerator", scopes=["ML"])
    report = client.post("/api/v1/alerts", headers=auth(informant), json={
        "event_kind": "crop_destruction", "severity": "moderate", "flow_point": "ML-FP-1",
        "headline": "Herd in the rice fields near Boni"})
    assert report.status_code == 201, report.text
    page = chromium.page()
    sign_in(page, live.url, token)

    # the map shows this country's open alert and not the other's
    page.select_option("select[name=lang]", "en")
    page.wait_for_selector("#map.leaflet-container")
    page.wait_for_selector("#map-status[data-alerts]")
    assert page.get_attribute("#map-status", "data-alerts") == "1" and page.text_content("#map-status").startswith("1 ")
    assert page.locator("path.leaflet-interactive[fill='#2f7d4a']").count() == 1  # only Boni, not Seytenga
    assert page.locator(".leaflet-interactive").count() >= 3  # corridor, flow point, alert
    page.wait_for_timeout(500)  # let the renderer settle before the picture
    assert page_bytes(page)["body"] < 1_000_000  # the first load, scripts and data included
    screenshot(page, "console-map-1366")

    page.click("nav >> text=Alerts")
    rows = page.locator("table.list tbody tr")
    assert page_bytes(page)["transferred"] < 200_000  # a later page: only what changed comes again
    assert rows.count() == 2  # the informant's report waits for a decision, so it comes first
    assert "rice fields" in rows.nth(0).inner_text() and "Mopti" in rows.nth(1).inner_text()
    screenshot(page, "console-inbox-1366")

    # confirm the event report: it is then delivered like any alert
    rows.nth(0).locator("a").click()
    page.check("input[name=verdict][value=confirmed]")
    page.fill("form[data-api$='/verify'] textarea[name=note]", "Confirmed by the chef de village")
    page.click("form[data-api$='/verify'] button")
    page.wait_for_selector(".badge.vf-confirmed")
    assert client.get(f"/api/v1/alerts/{report.json()['id']}", headers=auth(token)).json()["verification"] == "confirmed"
    page.click("nav >> text=Alerts")
    rows = page.locator("table.list tbody tr")

    # acknowledge, then resolve with an outcome, through the page's forms
    rows.filter(has_text="Mopti herds").locator("a").click()
    page.fill("form[data-api$='/acknowledge'] textarea[name=note]", "Seen by the regional office")
    page.click("form[data-api$='/acknowledge'] button")
    page.wait_for_selector(".badge.st-acknowledged")
    page.select_option("select[name=mode]", "mediation")
    page.fill("input[name=injured]", "2")
    page.fill("input[name=acted_by]", "Commission foncière de Boni")
    page.click("form[data-api$='/resolve'] button")
    try:
        page.wait_for_selector(".badge.st-resolved", timeout=10000)
    except Exception:
        screenshot(page, "debug-resolve")
        raise
    screenshot(page, "console-alert-1366")
    r = page.request.get(f"{live.url}/api/v1/alerts/{seeded['alerts']['ML']}")
    assert r.json()["status"] == "resolved"

    # a corridor page with its chart and CSV download
    page.goto(f"{live.url}/console/corridors/ML-C01")
    page.wait_for_function("document.getElementById('chart').complete && document.getElementById('chart').naturalWidth > 0")
    with page.expect_download() as dl:
        page.click("#csv")
    assert dl.value.suggested_filename.endswith(".csv")
    with open(dl.value.path(), encoding="utf-8") as fh:
        assert "#" in fh.read()  # HXL tags row
    screenshot(page, "console-corridor-1366")

    # administration: pause a subscription of this country from its row
    from tests.integration.test_delivery_factories import make_subscription

    make_subscription(session, name="Préfecture de Mopti", pcodes=["ML05"])
    session.commit()
    page.goto(f"{live.url}/console/admin/subscriptions")
    row = page.locator("table.api-table tbody tr", has_text="Préfecture de Mopti")
    row.locator("button", has_text="Pause").click()
    page.wait_for_selector("table.api-table tbody tr >> text=Resume")
    subs = page.request.get(f"{live.url}/api/v1/subscriptions").json()["items"]
    assert [s["active"] for s in subs if s["name"] == "Préfecture de Mopti"] == [False]
    screenshot(page, "console-admin-1366")

    # every page at an office laptop's size and a tablet's, kept as artefacts
    tablet = chromium.page(width=820, height=1180)
    tablet.context.add_cookies(page.context.cookies())
    pages = {"map": "/console", "inbox": "/console/alerts", "alert": f"/console/alerts/{seeded['alerts']['ML']}",
             "corridors": "/console/corridors", "corridor": "/console/corridors/ML-C01",
             "flow-point": "/console/flow-points/ML-FP-1", "admin": "/console/admin/quality"}
    for name, path in pages.items():
        for p, size in ((page, 1366), (tablet, 820)):
            p.goto(live.url + path)
            p.wait_for_load_state("networkidle")
            assert p.locator("main").inner_text().strip(), path
            screenshot(p, f"console-{name}-{size}")

    assert chromium.hosts() == {f"127.0.0.1:{live.port}"}


def test_partner_finds_no_administration(live, chromium, session, make_user):
    seed_two_countries(session)
    _, token = make_user("partner", scopes=["BF"])
    page = chromium.page()
    sign_in(page, live.url, token)
    assert page.locator("a[href^='/console/admin']").count() == 0
    page.goto(f"{live.url}/console/admin/subscriptions")
    assert page.locator("h1").inner_text() in ("Not available", "Non disponible")
    assert chromium.hosts() == {f"127.0.0.1:{live.port}"}


def test_api_docs_render_offline_and_authorize_takes_a_token(live, chromium, make_user):
    _, token = make_user("analyst")
    page = chromium.page()
    page.goto(f"{live.url}/docs")
    page.wait_for_selector(".swagger-ui .btn.authorize")
    page.click(".swagger-ui .btn.authorize")
    page.fill(".auth-container input", token)
    page.click(".auth-btn-wrapper .authorize")
    page.click(".btn-done")
    op = page.locator(".opblock.opblock-get", has=page.locator(".opblock-summary-path[data-path='/api/v1/me']"))
    op.locator(".opblock-summary").click()
    op.locator(".try-out__btn").click()
    op.locator(".execute").click()
    status = op.locator(".live-responses-table tbody .response-col_status").first.inner_text()
    assert status.strip().startswith("200")
    screenshot(page, "api-docs-1366")
    page.goto(f"{live.url}/redoc")
    page.wait_for_selector("redoc .api-content, [role=navigation]", timeout=20000)
    assert chromium.hosts() == {f"127.0.0.1:{live.port}"}
