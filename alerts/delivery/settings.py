"""Delivery settings (prefix TTT_) beyond the core ones in ttt.config, split by concern.

SMTP host/port/from/TLS, the SMS gateway URL and token, the public URL, the secret key and
the scheduler intervals live in :class:`ttt.config.Settings`; everything here has a default
that works out of the box. Builders turn settings into channel configs and policies.
"""

from __future__ import annotations

from datetime import time, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from alerts.delivery.backoff import BackoffPolicy
from alerts.delivery.cap import CapOptions
from alerts.delivery.channels import (
    ChannelRegistry,
    EmailChannel,
    EmailConfig,
    LogChannel,
    SmsChannel,
    SmsGatewayConfig,
    WebhookChannel,
    WebhookConfig,
)
from alerts.delivery.channels.sms import DEFAULT_BODY_TEMPLATE, check_body_template


class DeliverySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TTT_", env_file=".env", extra="ignore")

    sms_gateway_auth_header: str = "Authorization"
    sms_gateway_body_template: dict[str, Any] = dict(DEFAULT_BODY_TEMPLATE)
    sms_sender: str = "TTT"
    sms_max_parts: int = 2
    sms_fold_to_gsm: bool = True
    smtp_verify_tls: bool = True
    webhook_timeout_s: float = 10.0
    webhook_require_https: bool = False
    delivery_max_age_h: float = 24.0
    delivery_backoff_base_s: float = 30.0
    delivery_backoff_max_s: float = 1800.0
    delivery_batch: int = 200
    delivery_concurrency: int = 4
    digest_time: str = "07:00"
    local_timezone: str = "UTC"
    escalation_after_h: float = 4.0
    escalation_min_severity: str = "severe"
    escalation_max_tier: int = 3
    ack_ttl_days: int = 14
    map_basemap_url: str = ""  # XYZ tiles under the alert page's map; empty: none (no third party)
    map_basemap_attribution: str = ""
    cap_sender: str | None = None
    cap_status: str = "Actual"
    delivery_retention_days: int = 400
    scheduler_lock_key: int = 7_340_001

    @field_validator("digest_time")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        try:
            time.fromisoformat(value)
        except ValueError:
            raise ValueError(f"TTT_DIGEST_TIME must be HH:MM (24 h), got {value!r}") from None
        return value

    @field_validator("local_timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"TTT_LOCAL_TIMEZONE must be an IANA zone such as Africa/Bamako, got {value!r}") from None
        return value

    @field_validator("sms_gateway_body_template")
    @classmethod
    def _template(cls, value: dict[str, Any]) -> dict[str, Any]:
        check_body_template(value)
        return value

    @property
    def digest_at(self) -> time:
        return time.fromisoformat(self.digest_time)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.local_timezone)


@lru_cache
def get_delivery_settings() -> DeliverySettings:
    return DeliverySettings()


def backoff_policy(ds: DeliverySettings) -> BackoffPolicy:
    return BackoffPolicy(base_s=ds.delivery_backoff_base_s, max_delay_s=max(ds.delivery_backoff_max_s, ds.delivery_backoff_base_s),
                         max_age=timedelta(hours=ds.delivery_max_age_h))


def cap_options(settings, ds: DeliverySettings) -> CapOptions:
    host = urlsplit(settings.public_url).hostname or "localhost"
    return CapOptions(sender=ds.cap_sender or f"ttt@{host}", status=ds.cap_status, public_url=settings.public_url)


def build_registry(settings, ds: DeliverySettings) -> ChannelRegistry:
    """The channels this deployment uses, from its settings (email may be routed to the log)."""
    token = settings.sms_gateway_token.get_secret_value() if settings.sms_gateway_token else None
    auth_value = None
    if token:
        auth_value = token if " " in token else f"Bearer {token}"
    email = EmailChannel(EmailConfig(
        host=settings.smtp_host, port=settings.smtp_port, sender=settings.smtp_from,
        starttls=settings.smtp_starttls, ssl=settings.smtp_ssl, verify_tls=ds.smtp_verify_tls,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        timeout_s=settings.smtp_timeout_s,
    ))
    registry = ChannelRegistry([
        SmsChannel(SmsGatewayConfig(url=settings.sms_gateway_url, auth_header=ds.sms_gateway_auth_header,
                                    auth_value=auth_value, body_template=ds.sms_gateway_body_template,
                                    sender=ds.sms_sender, max_parts=ds.sms_max_parts, fold_to_gsm=ds.sms_fold_to_gsm,
                                    timeout_s=ds.webhook_timeout_s)),
        WebhookChannel(WebhookConfig(timeout_s=ds.webhook_timeout_s, allow_http=not ds.webhook_require_https)),
        LogChannel(),
    ])
    if getattr(settings, "default_channel_for_email", "email") == "log":
        registry.register(registry.get("log"), "email")
    else:
        registry.register(email)
    return registry
