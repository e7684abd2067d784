"""Browser fixtures shared by every test that drives a real browser (the recipients' alert
page; a staff console can reuse them as they are).

The browser is Debian's own Chromium (``make test`` installs the ``chromium`` package with
apt when it is missing, see scripts/ensure_chromium.sh), driven by the pip ``playwright``
package through ``executable_path``: ``playwright install`` (a download of another browser
build) is never needed. Without Chromium the browser tests are skipped with that reason.
Screenshots go to ``tests/artifacts/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.integration.conftest import (  # noqa: F401  (fixtures: a migrated database, the app)
    _tables,
    app,
    auth,
    clean_db,
    client,
    engine,
    make_user,
    session,
)
from tests.integration.test_ingest_support import live_url  # noqa: F401  (fixture: uvicorn on a free port)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def browser():
    """A headless Chromium for one test (Playwright's sync API allows one running instance per
    process: a longer-lived one would collide with other browser tests, e.g. the console's)."""
    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed: `make test` installs it (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip package playwright is not installed")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser, live_url):  # noqa: F811
    """``phone(locale="fr-FR") -> page``: a 390x844 touch screen that may only talk to our server.

    Every request leaving for another host is refused and listed in ``page.foreign_requests``,
    so a test can assert that a page needs no third party (tiles, fonts, analytics)."""
    contexts = []
    ours = urlsplit(live_url).netloc

    def open_page(locale: str = "fr-FR", viewport: dict | None = None):
        context = browser.new_context(viewport=viewport or PHONE, locale=locale, is_mobile=True, has_touch=True,
                                      device_scale_factor=1)
        contexts.append(context)
        page = context.new_page()
        page.foreign_requests = []

        def guard(route):
            if urlsplit(route.request.url).netloc == ours or route.request.url.startswith("data:"):
                return route.continue_()
            page.foreign_requests.append(route.request.url)
            return route.abort()

        page.route("**/*", guard)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
