"""Shared HTTP sending for the webhook and SMS gateway channels (httpx, with a timeout).

Every request goes through the outbound policy (:mod:`ttt.outbound`): public destinations
only (unless allow-listed), checked again at connect time, no redirects. What is kept of an
attempt is its status and a short reason written by us: never the receiver's answer (it may
be a page from an internal service) and never the URL's credentials.

Which statuses are worth retrying: 408, 425, 429 and every 5xx are transient; any other
4xx means the receiver rejects this request and will keep rejecting it; network errors and
timeouts are retried. A ``Retry-After`` header is noted in the error so operators see it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from alerts.delivery.channels.base import Outcome
from ttt.outbound import OutboundRefused, mask_url, request

RETRYABLE_STATUSES = frozenset({408, 425, 429})


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date, RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def classify_response(response: httpx.Response) -> Outcome:
    code = response.status_code
    if 200 <= code < 300:
        return Outcome.success(code)
    error = f"HTTP {code} {response.reason_phrase}".strip()
    if 300 <= code < 400:
        error += " (redirects are not followed)"
    if response.headers.get("retry-after"):
        error += f" (Retry-After: {response.headers['retry-after']})"
    if code in RETRYABLE_STATUSES or code >= 500:
        return Outcome.retry(error, code, retry_after_s=retry_after_seconds(response.headers.get("retry-after")))
    return Outcome.fail(error, code)


def post(url: str, *, content: bytes, headers: Mapping[str, str], timeout_s: float,
         client: httpx.Client | None = None) -> Outcome:
    """POST and classify; never raises for network trouble."""
    shown = mask_url(url)
    try:
        response = request("POST", url, content=content, headers=dict(headers), timeout_s=timeout_s, client=client)
    except OutboundRefused as exc:
        if exc.detail == "the host name does not resolve":  # DNS trouble may pass
            return Outcome.retry(f"could not reach {shown}: {exc.detail}")
        return Outcome.fail(f"refused to post to {shown}: {exc.detail}")
    except httpx.TimeoutException as exc:
        return Outcome.retry(f"timeout after {timeout_s:g} s posting to {shown}: {type(exc).__name__}")
    except httpx.HTTPError as exc:
        return Outcome.retry(f"could not reach {shown}: {type(exc).__name__}")
    return classify_response(response)
