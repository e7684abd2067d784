"""network: pgRouting and the routable corridor network (nodes, edges, attached points).

Revision ID: 0013
Revises: 0007

The tables hold the graph built from the corridor geometries (corridors.network.build):
edges split where corridors meet or pass within the snapping tolerance, and flow points and
resources attached to their nearest edge. ``network_state`` records which version of the
geodata the tables were built from, so the graph is rebuilt lazily when the geodata change.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0013'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pgrouting")
    op.execute("""
        CREATE TABLE network_nodes (
            id bigint PRIMARY KEY,
            geom geometry(Point, 4326) NOT NULL,
            degree integer NOT NULL DEFAULT 0
        )""")
    op.execute("""
        CREATE TABLE network_edges (
            id bigint PRIMARY KEY,
            source bigint NOT NULL REFERENCES network_nodes(id) ON DELETE CASCADE,
            target bigint NOT NULL REFERENCES network_nodes(id) ON DELETE CASCADE,
            corridor_code varchar(40),
            length_m double precision NOT NULL CHECK (length_m >= 0),
            country varchar(2),
            geom geometry(LineString, 4326) NOT NULL
        )""")
    op.execute("CREATE INDEX ix_network_edges_geom ON network_edges USING gist (geom)")
    op.execute("CREATE INDEX ix_network_edges_corridor ON network_edges (corridor_code)")
    op.execute("""
        CREATE TABLE network_points (
            kind varchar(12) NOT NULL CHECK (kind in ('flow_point', 'resource')),
            code varchar(40) NOT NULL,
            resource_kind varchar(20),
            edge_id bigint NOT NULL REFERENCES network_edges(id) ON DELETE CASCADE,
            fraction double precision NOT NULL CHECK (fraction >= 0 AND fraction <= 1),
            distance_m double precision NOT NULL,
            PRIMARY KEY (kind, code)
        )""")
    op.execute("CREATE INDEX ix_network_points_edge ON network_points (edge_id)")
    op.execute("""
        CREATE TABLE network_state (
            id integer PRIMARY KEY CHECK (id = 1),
            version text NOT NULL,
            built_at timestamptz NOT NULL DEFAULT now()
        )""")


def downgrade() -> None:
    for table in ("network_state", "network_points", "network_edges", "network_nodes"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
    op.execute("DROP EXTENSION IF EXISTS pgrouting")
