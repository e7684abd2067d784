"""The observations' collection in the OGC API - Features: what each role may read of it.

Exact herd locations for roles that may see them (``ttt.location_policy``); the others see
the nearest 0.1 degree grid node; enumerators see only their own submissions; users with
P-code scopes see the observations inside them.
"""

from __future__ import annotations

import dataclasses

from corridors.geodata.ogc_core import Collection
from corridors.geodata.repository import CollectionSource, Published
from ttt.facts import SPECIES
from ttt.location_policy import GENERALISED, sees_exact, sql_snap
from ttt.scope import pcode_in_sql

_OBS_COMMON = (
    ("observed_at", "o.observed_at"),
    ("flow_point", "f.code"),
    ("corridor", "c.code"),
    ("movement", "o.movement"),
    ("flow_type", "o.flow_type"),
    *((s, f"o.{s}") for s in SPECIES),
    ("off_corridor", "o.off_corridor"),
    ("adm2_pcode", "o.adm2_pcode"),
    ("source", "o.source"),
)
_OBS_JOINS = "LEFT JOIN flow_points f ON f.id = o.flow_point_id LEFT JOIN corridors c ON c.id = o.corridor_id"

EXACT_SOURCE = CollectionSource(
    table="observations o",
    id_expr="o.id",
    geom_expr="o.geom",
    id_cast="uuid",
    joins=_OBS_JOINS,
    time_start="o.observed_at",
    properties=(*_OBS_COMMON, ("km_along", "o.km_along"), ("location", "'exact'")),
    scope_sql=pcode_in_sql("o.adm2_pcode"),
)
# Roles without the right to exact herd locations (ttt.location_policy) see the nearest
# 0.1 degree (about 11 km) grid node of the flow point, else of the herd, and no km along the
# corridor (corridor + km would pin the herd); bbox filters apply to what is shown, so they
# cannot probe for the exact spot.
COARSE_SOURCE = CollectionSource(
    table="observations o",
    id_expr="o.id",
    geom_expr=sql_snap("coalesce(f.geom, o.geom)"),
    id_cast="uuid",
    joins=_OBS_JOINS,
    time_start="o.observed_at",
    properties=(
        *_OBS_COMMON,
        ("km_along", "NULL::float8"),
        ("location", f"'{GENERALISED}'"),
    ),
    scope_sql=pcode_in_sql("o.adm2_pcode"),
)

def own_observations(src: CollectionSource, user_id: int) -> CollectionSource:
    """The source restricted to one enumerator's submissions (as in the JSON API)."""
    return dataclasses.replace(src, table=f"(SELECT * FROM observations WHERE enumerator_id = {int(user_id)}) o")


def source_for(user) -> CollectionSource:
    src = EXACT_SOURCE if sees_exact(user.role) else COARSE_SOURCE
    return own_observations(src, user.id) if user.role == "enumerator" else src


PUBLISHED = Published(
    Collection("observations", "Herd observations",
               "Counted herds. Exact locations for admin/analyst roles; others see the nearest 0.1 degree grid node.",
               True, counted=False),  # numberMatched only when one page holds the result
    source_for,
    scoped=True,
)
