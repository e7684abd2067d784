"""Every model module in one place, for Alembic and the schema tests.

It lives apart from ttt.db because it imports every domain (alerts included), and domain
packages import ttt.db: keeping it here keeps `corridors` free of `alerts`, even indirectly.
"""

from __future__ import annotations

from ttt.db import Base


def import_all_models() -> type[Base]:
    """Import every model module so Base.metadata knows every table; returns Base."""
    import alerts.alerts.models  # noqa: F401
    import alerts.delivery.models  # noqa: F401
    import corridors.feeds.models  # noqa: F401
    import corridors.geodata.models  # noqa: F401
    import corridors.network.models  # noqa: F401
    import corridors.observations.models  # noqa: F401
    import corridors.stats.models  # noqa: F401
    import ttt.audit  # noqa: F401
    import ttt.users  # noqa: F401
    import ttt.web_sessions  # noqa: F401

    return Base
