"""network: pgRouting and the routable corridor network (nodes, edges, attached points).

Revision ID: 0013
Revises: 0008

The tables hold the graph built from the corridor geometries (corridors.network.build):
edges split where corridors meet or pass within the snapping tolerance, and flow points and
resources attached to their nearest edge. ``network_state`` records which version of the
geodata the tables were built from, so the graph is rebuilt lazily when the geodata change.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = '0013'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pgrouting")
    op.create_geospatial_table('network_nodes',
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('degree', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_nodes'))
    )
    op.create_geospatial_table('network_edges',
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('source', sa.BigInteger(), nullable=False),
    sa.Column('target', sa.BigInteger(), nullable=False),
    sa.Column('corridor_code', sa.String(length=40), nullable=True),
    sa.Column('length_m', sa.Double(), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('geom', Geometry(geometry_type='LINESTRING', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.CheckConstraint('length_m >= 0', name=op.f('ck_network_edges_length')),
    sa.ForeignKeyConstraint(['source'], ['network_nodes.id'], name=op.f('fk_network_edges_source_network_nodes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target'], ['network_nodes.id'], name=op.f('fk_network_edges_target_network_nodes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_edges'))
    )
    op.create_geospatial_index('idx_network_edges_geom', 'network_edges', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_network_edges_corridor_code'), 'network_edges', ['corridor_code'], unique=False)
    op.create_table('network_points',
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('resource_kind', sa.String(length=20), nullable=True),
    sa.Column('edge_id', sa.BigInteger(), nullable=False),
    sa.Column('fraction', sa.Double(), nullable=False),
    sa.Column('distance_m', sa.Double(), nullable=False),
    sa.CheckConstraint("kind in ('flow_point', 'resource')", name=op.f('ck_network_points_kind')),
    sa.CheckConstraint('fraction >= 0 and fraction <= 1', name=op.f('ck_network_points_fraction')),
    sa.ForeignKeyConstraint(['edge_id'], ['network_edges.id'], name=op.f('fk_network_points_edge_id_network_edges'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('kind', 'code', name=op.f('pk_network_points'))
    )
    op.create_index(op.f('ix_network_points_edge_id'), 'network_points', ['edge_id'], unique=False)
    op.create_table('network_state',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.Text(), nullable=False),
    sa.Column('built_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_network_state_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_state'))
    )


def downgrade() -> None:
    op.drop_table('network_state')
    op.drop_index(op.f('ix_network_points_edge_id'), table_name='network_points')
    op.drop_table('network_points')
    op.drop_index(op.f('ix_network_edges_corridor_code'), table_name='network_edges')
    op.drop_geospatial_index('idx_network_edges_geom', table_name='network_edges', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('network_edges')
    op.drop_geospatial_table('network_nodes')
    op.execute("DROP EXTENSION IF EXISTS pgrouting")
