"""SMS through a configurable HTTP gateway (JSON POST), since every country uses another.

The body is a JSON template whose string values may hold placeholders: ``{to}``, ``{text}``,
``{sender}``, ``{delivery_id}``, ``{encoding}``, ``{parts}``. Substitution is done on the
parsed structure, not on raw text, so a quote or newline in an alert can never break the
JSON; a value that is exactly ``"{parts}"`` becomes a number. Example for a gateway that
wants ``{"messages": [{"to": ..., "body": ...}]}``::

    {"messages": [{"to": "{to}", "body": "{text}", "from": "{sender}"}]}

Texts are fitted into ``max_parts`` parts (see :mod:`alerts.delivery.sms_text`).
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from alerts.delivery.channels.base import Channel, Envelope, Outcome, register_channel_type
from alerts.delivery.channels.http import post
from alerts.delivery.render import render_sms, render_sms_digest
from alerts.delivery.sms_text import count_sms

PHONE_RE = re.compile(r"^\+[1-9]\d{6,14}$")
DEFAULT_BODY_TEMPLATE: dict[str, Any] = {"to": "{to}", "text": "{text}", "from": "{sender}"}
PLACEHOLDERS = frozenset({"to", "text", "sender", "delivery_id", "encoding", "parts"})


def check_body_template(template: Any) -> None:
    """Refuse a template with an unknown placeholder, or one that never sends ``{text}``."""
    seen: set[str] = set()

    def walk(node: Any, path: str) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]")
        elif isinstance(node, str):
            for _, name, _, _ in string.Formatter().parse(node):
                if name is None:
                    continue
                if name not in PLACEHOLDERS:
                    raise ValueError(f"SMS body template{path}: unknown placeholder '{{{name}}}' "
                                     f"(known: {', '.join(sorted(PLACEHOLDERS))})")
                seen.add(name)

    walk(template, "")
    if "text" not in seen or "to" not in seen:
        raise ValueError("the SMS body template must contain '{to}' and '{text}'")


def fill(template: Any, values: Mapping[str, Any]) -> Any:
    """The template with placeholders replaced inside each string value."""
    if isinstance(template, Mapping):
        return {k: fill(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [fill(v, values) for v in template]
    if isinstance(template, str):
        whole = re.fullmatch(r"\{(\w+)\}", template)
        if whole and whole.group(1) in values:
            return values[whole.group(1)]
        return template.format_map({k: str(v) for k, v in values.items()})
    return template


@dataclass(frozen=True)
class SmsGatewayConfig:
    url: str | None = None
    auth_header: str = "Authorization"
    auth_value: str | None = None  # e.g. "Bearer <token>"; kept out of logs
    body_template: Mapping[str, Any] = field(default_factory=lambda: dict(DEFAULT_BODY_TEMPLATE))
    sender: str = "TTT"
    max_parts: int = 2
    fold_to_gsm: bool = True
    timeout_s: float = 10.0
    extra_headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_body_template(self.body_template)
        if self.max_parts < 1:
            raise ValueError(f"SMS max_parts must be >= 1, got {self.max_parts}")


@register_channel_type("sms")
class SmsChannel(Channel):
    name = "sms"

    def __init__(self, config: SmsGatewayConfig | None = None, client: httpx.Client | None = None) -> None:
        self.config = config or SmsGatewayConfig()
        self.client = client

    def check_address(self, address: str) -> str | None:
        if not address or not PHONE_RE.match(address.replace(" ", "")):
            return f"'{address}' is not a phone number in international format (expected e.g. +22376000000)"
        return None

    def text(self, envelope: Envelope) -> str:
        cfg = self.config
        if envelope.is_digest:
            return render_sms_digest(envelope.messages, envelope.language, max_parts=cfg.max_parts, fold=cfg.fold_to_gsm)
        return render_sms(envelope.message, envelope.language, max_parts=cfg.max_parts, fold=cfg.fold_to_gsm)

    def body(self, envelope: Envelope) -> bytes:
        text = self.text(envelope)
        count = count_sms(text)
        values = {
            "to": envelope.address.replace(" ", ""),
            "text": text,
            "sender": self.config.sender,
            "delivery_id": str(envelope.delivery_id),
            "encoding": count.encoding,
            "parts": count.parts,
        }
        return json.dumps(fill(self.config.body_template, values), ensure_ascii=False).encode("utf-8")

    def send(self, envelope: Envelope) -> Outcome:
        if not self.config.url:
            return Outcome.retry("no SMS gateway configured (set TTT_SMS_GATEWAY_URL)")
        problem = self.check_address(envelope.address)
        if problem:
            return Outcome.fail(problem)
        try:
            body = self.body(envelope)
        except Exception as exc:  # a template bug must not crash the dispatcher
            return Outcome.fail(f"could not render the SMS: {type(exc).__name__}: {exc}")
        headers = {"content-type": "application/json", **dict(self.config.extra_headers)}
        if self.config.auth_value:
            headers[self.config.auth_header] = self.config.auth_value
        headers["idempotency-key"] = f"ttt-{envelope.delivery_id}"
        return post(self.config.url, content=body, headers=headers, timeout_s=self.config.timeout_s, client=self.client)
