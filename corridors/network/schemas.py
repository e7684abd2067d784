"""Response shapes of the network API (documented in /openapi.json)."""

from __future__ import annotations

from typing import Any

from ttt.http.schemas import FeatureCollection, Open


class GraphOut(FeatureCollection):
    """Nodes (``type: node``, ``degree``, ``dangling``) and edges (``type: edge``, ``corridor``,
    ``connector``, ``length_km``, ``flow_points``, ``resources``) of the routable network."""

    version: str


class RouteProperties(Open):
    rank: int
    length_km: float
    detour_km: float
    detour_pct: float
    walking_days: float
    extra_walking_days: float
    species: str
    corridors: list[str]
    flow_points: list[dict[str, Any]]
    resources: list[dict[str, Any]]
    resources_count: dict[str, int]
    hazards_avoided: list[dict[str, Any]]
    hazards_crossed: list[dict[str, Any]]
    areas: list[dict[str, Any]]
    countries: list[str]
    text: dict[str, str]


class RoutesOut(FeatureCollection):
    """Up to k open routes, best first; ``unobstructed_km`` is the shortest route with nothing
    closed, the yardstick of every detour."""

    unobstructed_km: float
    at: str
    species: str
    walking_km_per_day: float
