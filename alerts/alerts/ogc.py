"""The alerts' collection in the OGC API - Features: what each role may read of it.

Alerts waiting for confirmation are told to nobody; roles without exact locations
(``ttt.location_policy``) see the whole 0.1 degree cells covering an alert; users with P-code
scopes see the alerts inside them.
"""

from __future__ import annotations

import dataclasses

from corridors.geodata.ogc_core import Collection
from corridors.geodata.repository import CollectionSource, Published
from ttt.location_policy import sees_exact, sql_cell_box
from ttt.scope import pcodes_in_sql

EXACT_SOURCE = CollectionSource(
    table="(SELECT * FROM alerts WHERE NOT held) a",  # an alert waiting for confirmation is told to nobody
    id_expr="a.id",
    geom_expr="a.geom",
    id_cast="bigint",
    time_start="a.created_at",
    properties=(
        ("type", "a.type"),
        ("event_kind", "a.event_kind"),
        ("severity", "a.severity"),
        ("status", "a.status"),
        ("verification", "a.verification"),
        ("headline", "a.headline"),
        ("headline_fr", "a.headline_fr"),
        ("corridor", "a.corridor_code"),
        ("flow_point", "a.flow_point_code"),
        ("window_start", "a.window_start"),
        ("window_end", "a.window_end"),
        ("created_at", "a.created_at"),
        ("updated_at", "a.updated_at"),
        ("pcodes", "a.pcodes"),
    ),
    scope_sql=pcodes_in_sql("a.pcodes"),
)

# Alerts for the same roles: the whole grid cells covering the alert's geometry.
COARSE_SOURCE = dataclasses.replace(EXACT_SOURCE, geom_expr=sql_cell_box("a.geom"))


def source_for(user) -> CollectionSource:
    return EXACT_SOURCE if sees_exact(user.role) else COARSE_SOURCE


PUBLISHED = Published(
    Collection("alerts", "Alerts", "Early-warning alerts (mass, early, late, unexpected movements; hazards; events).",
               True, counted=False),  # numberMatched only when one page holds the result
    source_for,
    scoped=True,
)
