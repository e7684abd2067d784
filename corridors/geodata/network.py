"""The cached corridor network index other areas use to place points (ingestion, rules).

``load_network_index(session)`` asks the database for a cheap fingerprint of the corridors
(codes, tolerances, edit times) and rebuilds the shapely index only when it changed, so
every API worker and the scheduler see corridor edits at their next call without a restart.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from corridors.geodata import repository
from corridors.geometry import IndexCache, NetworkIndex

_CACHE = IndexCache()


def load_network_index(session: Session) -> NetworkIndex:
    """The NetworkIndex of the corridors as this session sees them (cached per version)."""
    version = repository.network_version(session)
    return _CACHE.get(version, lambda: NetworkIndex(repository.network_lines(session), version))


def invalidate_network_index() -> None:
    """Forget the cached index (the next call rebuilds); corridor writes call this."""
    _CACHE.invalidate()


__all__ = ["load_network_index", "invalidate_network_index"]
