"""The console's quality page lists the open data-gap notices (real Chromium, live server)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from corridors.quality import repository as quality
from tests.integration.console_factories import seed_two_countries
from tests.integration.test_console_browser import sign_in

pytestmark = pytest.mark.browser


def test_a_data_manager_sees_the_open_data_gaps_on_the_quality_page(live, chromium, session, make_user):
    seed_two_countries(session)
    fp = session.execute(text("SELECT id, code FROM flow_points ORDER BY code")).first()
    quality.open_notice(session, fp.id, dt.date(2025, 10, 10), {"days_without_report": 6})
    session.commit()
    _, token = make_user("analyst")
    page = chromium.page()
    sign_in(page, live.url, token)
    page.goto(f"{live.url}/console/admin/quality")
    rows = page.locator("table[data-source^='/api/v1/quality/notices'] tbody tr")
    rows.first.wait_for()
    assert rows.count() == 1 and fp.code in rows.first.inner_text() and "2025-10-10" in rows.first.inner_text()
    assert chromium.hosts() == {f"127.0.0.1:{live.port}"}
