"""Delivery channels behind one interface (:class:`Channel`) and a registry by name."""

from alerts.delivery.channels.base import (
    Channel,
    ChannelRegistry,
    Envelope,
    Outcome,
    build_channel,
    channel_types,
    register_channel_type,
)
from alerts.delivery.channels.email import EmailChannel, EmailConfig
from alerts.delivery.channels.log import LogChannel
from alerts.delivery.channels.sms import SmsChannel, SmsGatewayConfig
from alerts.delivery.channels.webhook import WebhookChannel, WebhookConfig

__all__ = [
    "Channel", "ChannelRegistry", "Envelope", "Outcome", "build_channel", "channel_types",
    "register_channel_type", "EmailChannel", "EmailConfig", "LogChannel", "SmsChannel",
    "SmsGatewayConfig", "WebhookChannel", "WebhookConfig",
]
