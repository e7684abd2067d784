"""A real local HTTP server serving the sample feed files (tests/data/feeds) the way
publishers do: Content-Type, ETag and Last-Modified, 304 to a matching conditional request.
Tests change what a path answers (``serve``/``fail``) between pulls."""

from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FEEDS = Path(__file__).parents[1] / "data" / "feeds"
LAST_MODIFIED = "Mon, 01 Dec 2025 06:00:00 GMT"
TYPES = {".csv": "text/csv", ".geojson": "application/geo+json", ".xml": "application/cap+xml",
         ".atom": "application/atom+xml"}


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, bytes, str, bool]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                path = self.path.split("?", 1)[0]
                owner.requests.append((path, dict(self.headers)))
                status, body, ctype, validators = owner.routes.get(path, (404, b"not found", "text/plain", False))
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if validators and status == 200 and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                if validators:
                    self.send_header("ETag", etag)
                    self.send_header("Last-Modified", LAST_MODIFIED)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def serve(self, path: str, sample: str | bytes, *, validators: bool = True, status: int = 200) -> str:
        """Answer ``path`` with a sample file (name under tests/data/feeds) or bytes."""
        body = sample if isinstance(sample, bytes) else (FEEDS / sample).read_bytes()
        ctype = "text/html" if isinstance(sample, bytes) else TYPES.get(Path(sample).suffix, "application/octet-stream")
        self.routes[path] = (status, body, ctype, validators)
        return self.url(path)

    def fail(self, path: str, status: int = 500) -> str:
        self.routes[path] = (status, b"<html><body>Internal Server Error</body></html>", "text/html", False)
        return self.url(path)

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
