"""Splitting an incremental run into chunks of places, so its memory stays bounded.

A run after an upload that touched hundreds of flow points would otherwise hold every row
of their corridors' history at once (a season at 500 points is a million rows, ~300 MB).
Every rule judges one place at a time (a flow point, a corridor, or a country for national
quotas), so the places can be evaluated in chunks, each loading only its own places'
history, and give exactly the findings of one big run, provided that:

- a flow point goes with its corridor, and everything sharing a quota country goes together
  (these are the indivisible "atoms" packed into chunks);
- a chunk keeps only findings about places it *owns*: rows of another chunk's flow point
  that it loaded through a shared corridor are incomplete there, and that chunk judges them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from alerts.alerts.repository import Network
from alerts.rules.model import Finding

CHUNK_ROWS = 200_000  # rows of history a chunk aims to stay under (an atom may be larger)
OFF_NETWORK = "off-network"


@dataclass
class Chunk:
    """Places evaluated together: the corridors and flow points whose rows are loaded, and
    the place keys (as in ``Finding.place``) whose findings this chunk reports."""

    corridor_ids: list[int] = field(default_factory=list)
    flow_point_ids: list[int] = field(default_factory=list)
    owned: set[str] = field(default_factory=set)
    rows: int = 0

    def owns(self, finding: Finding) -> bool:
        """Whether this chunk judges the finding's place (hazard places name the hazard first)."""
        place = finding.place.split("|", 1)[1] if finding.place.startswith("hazard:") else finding.place
        return place in self.owned


def plan_chunks(network: Network, corridor_ids: Iterable[int], flow_point_ids: Iterable[int],
                rows_by_place: Mapping[tuple[int, int], int], quota_countries: set[str] | None,
                budget: int = CHUNK_ROWS) -> list[Chunk]:
    """Chunks covering the given corridors and flow points (database ids).

    ``rows_by_place`` estimates the history rows per (corridor id, flow point id), 0 for
    none; ``quota_countries`` as from ``alerts.runner.incremental.quota_countries`` (``{"*"}`` = every
    country). The first chunk also owns observations off the network.
    """
    corridors = sorted(set(corridor_ids))
    points = sorted(set(flow_point_ids))
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a, b):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    by_country: dict[str, list[tuple[str, int]]] = {}
    for cid in corridors:
        find(("c", cid))
        for country in _corridor(network, cid).countries if cid in network.corridor_index else ():
            by_country.setdefault(country.upper(), []).append(("c", cid))
    db_corridor = {i: cid for cid, i in network.corridor_index.items()}
    for fid in points:
        find(("f", fid))
        fp = network.flow_points[network.fp_index[fid]] if fid in network.fp_index else None
        if fp is None:
            continue
        own = db_corridor.get(fp.corridor)
        if own in corridors:
            union(("f", fid), ("c", own))
        if fp.country:
            by_country.setdefault(fp.country.upper(), []).append(("f", fid))
    if quota_countries:
        for country, nodes in by_country.items():
            if "*" in quota_countries or country in quota_countries:
                for node in nodes[1:]:
                    union(nodes[0], node)

    atoms: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for node in [("c", c) for c in corridors] + [("f", f) for f in points]:
        atoms.setdefault(find(node), []).append(node)
    weights = _atom_rows(atoms, rows_by_place)

    chunks = [Chunk(owned={OFF_NETWORK})]
    for root in sorted(atoms):
        if chunks[-1].rows and chunks[-1].rows + weights[root] > budget:
            chunks.append(Chunk())
        chunk = chunks[-1]
        chunk.rows += weights[root]
        for kind, db_id in atoms[root]:
            if kind == "c":
                chunk.corridor_ids.append(db_id)
                if db_id in network.corridor_index:
                    c = _corridor(network, db_id)
                    chunk.owned.add(f"corridor:{c.code}")
                    chunk.owned.update(f"country:{x.upper()}" for x in c.countries)
            else:
                chunk.flow_point_ids.append(db_id)
                if db_id in network.fp_index:
                    fp = network.flow_points[network.fp_index[db_id]]
                    chunk.owned.add(f"fp:{fp.code}")
                    if fp.country:
                        chunk.owned.add(f"country:{fp.country.upper()}")
    return chunks


def _corridor(network: Network, db_id: int):
    return network.corridors[network.corridor_index[db_id]]


def _atom_rows(atoms: Mapping[tuple[str, int], list[tuple[str, int]]],
               rows_by_place: Mapping[tuple[int, int], int]) -> dict[tuple[str, int], int]:
    """Rows each atom loads: those on its corridors or at its flow points (each counted once)."""
    owner: dict[tuple[str, int], tuple[str, int]] = {}
    for root, nodes in atoms.items():
        for node in nodes:
            owner[node] = root
    weights = dict.fromkeys(atoms, 0)
    for (cid, fid), n in rows_by_place.items():
        for root in {owner.get(("c", cid)), owner.get(("f", fid))} - {None}:
            weights[root] += n
    return weights
