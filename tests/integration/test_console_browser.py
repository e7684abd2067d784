"""The console in a real Chromium: sign in, map, inbox, act on an alert, corridor page and CSV,
roles; and the offline API docs. The browser must never ask any host but ours."""

from __future__ import annotations

import pytest

from tests.integration.browser import Browser, LiveServer, screenshot
from tests.integration.console_factories import seed_two_countries

pytestmark = pytest.mark.browser


@pytest.fixture
def live(app):
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def chromium():
    b = Browser()
    yield b
    b.close()


def sign_in(page, base: str, token: str) -> None:
    page.goto(f"{base}/console/sign-in")
    page.fill("input[name=token]", token)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/console")


def test_analyst_scoped_to_one_country_works_the_queue(live, chromium, session, make_user):
    seeded = seed_two_countries(session)
    _, token = make_user("analyst", scopes=["ML"])
    page = chromium.page()
    sign_in(page, live.url, token)

    # the map shows this country's open alert and not the other's
    page.select_option("select[name=lang]", "en")
    page.wait_for_selector("#map.leaflet-container")
    page.wait_for_function("document.getElementById('map-status').textContent.includes('alerts')")
    assert page.text_content("#map-status").startswith("1 ")
    assert page.locator(".leaflet-interactive").count() >= 3  # corridor, flow point, alert
    page.wait_for_timeout(500)  # let the renderer settle before the picture
    screenshot(page, "console-map-1366")

    page.click("nav >> text=Alerts")
    rows = page.locator("table.list tbody tr")
    assert rows.count() == 1 and "Mopti" in rows.first.inner_text()
    screenshot(page, "console-inbox-1366")

    # acknowledge, then resolve with an outcome, through the page's forms
    rows.first.locator("a").click()
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

    # at tablet size too
    tablet = chromium.page(width=820, height=1180)
    tablet.context.add_cookies(page.context.cookies())
    tablet.goto(f"{live.url}/console/alerts")
    screenshot(tablet, "console-inbox-820")
    tablet.goto(f"{live.url}/console")
    tablet.wait_for_selector("#map.leaflet-container")
    screenshot(tablet, "console-map-820")

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
    page.click("#operations-users-get_me_api_v1_me_get .opblock-summary")
    page.click("#operations-users-get_me_api_v1_me_get .try-out__btn")
    page.click("#operations-users-get_me_api_v1_me_get .execute")
    page.wait_for_selector("#operations-users-get_me_api_v1_me_get .live-responses-table .response-col_status")
    status = page.inner_text("#operations-users-get_me_api_v1_me_get .live-responses-table .response-col_status")
    assert status.strip().startswith("200")
    screenshot(page, "api-docs-1366")
    page.goto(f"{live.url}/redoc")
    page.wait_for_selector("redoc .api-content, [role=navigation]", timeout=20000)
    assert chromium.hosts() == {f"127.0.0.1:{live.port}"}
