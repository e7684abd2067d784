"""Moved to tests/channel_servers.py; re-exported for older imports."""

from tests.channel_servers import *  # noqa: F401,F403
from tests.channel_servers import (  # noqa: F401
    HttpReceiver,
    Received,
    SmtpSink,
    free_port,
    http_receiver,
    smtp_sink,
    standard_webhooks_signature,
)
