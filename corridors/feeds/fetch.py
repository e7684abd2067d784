"""The one place hazard feeds go out to the network.

Every request goes through the outbound policy (``ttt.outbound``: public addresses only
unless ``TTT_OUTBOUND_ALLOW`` lets a network through, no redirects, no proxy variables).
Conditional requests (``If-None-Match``/``If-Modified-Since``) spare the publisher
and us a download when nothing changed. Errors carry a short reason for the feed status,
never the URL with its credential.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urljoin

import httpx

from ttt.outbound import OutboundRefused, check_url, request

TIMEOUT_S = 30.0
MAX_BYTES = 50 * 1024 * 1024
USER_AGENT = "ttt-hazard-feeds/0.1 (+transhumance early warning)"


class FetchFailed(Exception):
    """The publisher could not be read; the message is safe to show and store."""


@dataclass(frozen=True)
class Fetched:
    status: int  # 200, or 304 when unchanged since the validators given
    body: bytes
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None


def resolve_url(url: str, credential: str | None) -> tuple[str, dict[str, str]]:
    """The URL to call and the auth headers: ``{credential}`` in the URL is replaced (FIRMS
    MAP_KEY in the path, ACLED key in the query); otherwise a credential goes in
    ``Authorization`` (as given when it names its scheme, else as a bearer token)."""
    headers: dict[str, str] = {}
    if "{credential}" in url:
        return url.replace("{credential}", quote(credential or "", safe="")), headers
    if credential:
        headers["Authorization"] = credential if " " in credential.strip() else f"Bearer {credential.strip()}"
    return url, headers


def refusal(url: str) -> str | None:
    """Why the outbound policy refuses a feed URL when it is stored, or None (a name that
    does not resolve now is accepted: it is checked again at every pull)."""
    try:
        check_url(url.replace("{credential}", "credential"), unresolvable_ok=True)
    except OutboundRefused as exc:
        return str(exc.detail)
    return None


def fetch(url: str, *, credential: str | None = None, etag: str | None = None, last_modified: str | None = None,
          timeout_s: float = TIMEOUT_S, base: str | None = None) -> Fetched:
    """GET ``url`` (relative URLs are resolved against ``base``, e.g. a CAP index)."""
    target = urljoin(base, url) if base else url
    target, headers = resolve_url(target, credential)
    headers["User-Agent"] = USER_AGENT
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        response = request("GET", target, timeout_s=timeout_s, headers=headers)
    except OutboundRefused as exc:
        raise FetchFailed(f"refused by the outbound policy: {exc.detail}") from None
    except httpx.TimeoutException:
        raise FetchFailed(f"no answer within {timeout_s:g} s") from None
    except httpx.HTTPError as exc:
        raise FetchFailed(f"the publisher cannot be reached ({type(exc).__name__})") from None
    if response.status_code == 304:
        return Fetched(304, b"", etag, last_modified)
    if 300 <= response.status_code < 400:
        raise FetchFailed(f"the publisher answered HTTP {response.status_code} (a redirect; redirects are not followed: "
                          "give the final URL)")
    if response.status_code != 200:
        raise FetchFailed(f"the publisher answered HTTP {response.status_code}")
    if len(response.content) > MAX_BYTES:
        raise FetchFailed(f"the answer is larger than {MAX_BYTES // (1024 * 1024)} MB")
    return Fetched(200, response.content, response.headers.get("ETag"), response.headers.get("Last-Modified"),
                   response.headers.get("Content-Type"))
