"""observations and the rules queue

Revision ID: 0003
Revises: 0002
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry  # noqa: F401
from sqlalchemy.dialects import postgresql  # noqa: F401

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_geospatial_table('observations',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('flow_point_id', sa.Integer(), nullable=True),
    sa.Column('corridor_id', sa.Integer(), nullable=True),
    sa.Column('observed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('location_source', sa.String(length=10), nullable=False),
    sa.Column('direction', sa.String(length=8), nullable=True),
    sa.Column('direction_deg', sa.Double(), nullable=True),
    sa.Column('movement', sa.String(length=10), nullable=False),
    sa.Column('cattle', sa.Integer(), nullable=False),
    sa.Column('sheep', sa.Integer(), nullable=False),
    sa.Column('goats', sa.Integer(), nullable=False),
    sa.Column('camels', sa.Integer(), nullable=False),
    sa.Column('donkeys', sa.Integer(), nullable=False),
    sa.Column('horses', sa.Integer(), nullable=False),
    sa.Column('other', sa.Integer(), nullable=False),
    sa.Column('men', sa.Integer(), nullable=False),
    sa.Column('women', sa.Integer(), nullable=False),
    sa.Column('boys', sa.Integer(), nullable=False),
    sa.Column('girls', sa.Integer(), nullable=False),
    sa.Column('origin', sa.Text(), nullable=True),
    sa.Column('destination', sa.Text(), nullable=True),
    sa.Column('flow_type', sa.String(length=10), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('cross_border', sa.Boolean(), nullable=True),
    sa.Column('has_certificate', sa.Boolean(), nullable=True),
    sa.Column('already_counted', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('enumerator_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('distance_m', sa.Double(), nullable=True),
    sa.Column('km_along', sa.Double(), nullable=True),
    sa.Column('off_corridor', sa.Boolean(), nullable=False),
    sa.Column('adm2_pcode', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['corridor_id'], ['corridors.id'], name=op.f('fk_observations_corridor_id_corridors'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enumerator_id'], ['users.id'], name=op.f('fk_observations_enumerator_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['flow_point_id'], ['flow_points.id'], name=op.f('fk_observations_flow_point_id_flow_points'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_observations'))
    )
    op.create_geospatial_index('idx_observations_geom', 'observations', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index('ix_observations_corridor_observed', 'observations', ['corridor_id', 'observed_at'], unique=False)
    op.create_index('ix_observations_enumerator', 'observations', ['enumerator_id'], unique=False)
    op.create_index('ix_observations_flow_point_observed', 'observations', ['flow_point_id', 'observed_at'], unique=False)
    op.create_index('ix_observations_observed_at', 'observations', ['observed_at'], unique=False)
    op.create_table('rule_queue',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('observation_id', sa.UUID(), nullable=False),
    sa.Column('enqueued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['observation_id'], ['observations.id'], name=op.f('fk_rule_queue_observation_id_observations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_queue')),
    sa.UniqueConstraint('observation_id', name=op.f('uq_rule_queue_observation_id'))
    )


def downgrade() -> None:
    op.drop_table('rule_queue')
    op.drop_table('observations')
