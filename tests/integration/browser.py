"""A live server and a real Chromium for page tests (Debian's /usr/bin/chromium driven by
Playwright; never a downloaded browser). Screenshots go to tests/artifacts/."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, app) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the live server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)


class Browser:
    """One Chromium; pages record every request so a test can assert where they went."""

    def __init__(self) -> None:
        from playwright.sync_api import sync_playwright

        if not Path(CHROMIUM).exists():
            pytest.skip("chromium is not installed (scripts/ensure_chromium.sh installs it)")
        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        self.requests: list[str] = []

    def page(self, width: int = 1366, height: int = 768, locale: str = "en-GB"):
        # bypass_csp only lets the test's own waits evaluate script; the pages keep their policy
        context = self.browser.new_context(viewport={"width": width, "height": height}, locale=locale, bypass_csp=True)
        page = context.new_page()
        page.on("request", lambda r: self.requests.append(r.url))
        return page

    def hosts(self) -> set[str]:
        return {urlsplit(u).netloc for u in self.requests if urlsplit(u).scheme in ("http", "https", "ws", "wss")}

    def close(self) -> None:
        self.browser.close()
        self._pw.stop()


PAGE_BYTES = """() => {
  const entries = [...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")];
  return {body: entries.reduce((n, e) => n + (e.encodedBodySize || 0), 0),
          transferred: entries.reduce((n, e) => n + (e.transferSize || 0), 0)};
}"""


def page_bytes(page) -> dict[str, int]:
    """What the current page cost: bodies as sent (compressed or not) and bytes on the wire
    (cached files that were only revalidated count their headers)."""
    return page.evaluate(PAGE_BYTES)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=False)
    return path


@pytest.fixture
def live(app):
    """The app served on a free local port for the browser."""
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def chromium():
    b = Browser()
    yield b
    b.close()
