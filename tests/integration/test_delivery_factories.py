"""Moved to tests/integration/delivery_factories.py; re-exported for older imports."""

from tests.integration.delivery_factories import *  # noqa: F401,F403
from tests.integration.delivery_factories import T0, Clock, make_alert, make_subscription  # noqa: F401
