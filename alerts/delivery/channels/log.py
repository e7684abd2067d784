"""The development default: writes what would be sent to the log and keeps the last ones.

Lets a developer run the whole pipeline without a mail server and still see every message.
"""

from __future__ import annotations

import logging
from collections import deque

from alerts.delivery.channels.base import Channel, Envelope, Outcome, register_channel_type
from alerts.delivery.render import render_digest, render_email

logger = logging.getLogger("ttt.delivery.log")


@register_channel_type("log")
class LogChannel(Channel):
    name = "log"

    def __init__(self, keep: int = 200) -> None:
        self.sent: deque[tuple[Envelope, str, str]] = deque(maxlen=keep)

    def send(self, envelope: Envelope) -> Outcome:
        if envelope.is_digest:
            content = render_digest(envelope.messages, envelope.language, envelope.digest_day)
        else:
            content = render_email(envelope.message, envelope.language)
        self.sent.append((envelope, content.subject, content.text))
        logger.info("delivery %s to %s: %s\n%s", envelope.delivery_id, envelope.address, content.subject, content.text)
        return Outcome.success(None, f"logged: {content.subject}")
