"""Delivering alerts: subscriptions, the outbox, channels (email, SMS, webhook, log), the
dispatcher, acknowledgement links, digests and escalation. See docs/DELIVERY.md."""
