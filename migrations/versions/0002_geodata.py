"""geodata: corridors, flow points, hazards, calendars, admin areas, resources

Revision ID: 0002
Revises: 0001
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry  # noqa: F401
from sqlalchemy.dialects import postgresql  # noqa: F401

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_geospatial_table('corridors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('tolerance_m', sa.Double(), nullable=False),
    sa.Column('countries', sa.ARRAY(sa.String(length=2)), nullable=False),
    sa.Column('pcodes', sa.ARRAY(sa.Text()), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('length_km', sa.Double(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status in ('open', 'closed')", name=op.f('ck_corridors_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corridors')),
    sa.UniqueConstraint('code', name=op.f('uq_corridors_code'))
    )
    op.create_geospatial_index('idx_corridors_geom', 'corridors', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('flow_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('corridor_id', sa.Integer(), nullable=True),
    sa.Column('adm0_pcode', sa.String(length=20), nullable=True),
    sa.Column('adm1_pcode', sa.String(length=20), nullable=True),
    sa.Column('adm2_pcode', sa.String(length=20), nullable=True),
    sa.Column('km_along', sa.Double(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['corridor_id'], ['corridors.id'], name=op.f('fk_flow_points_corridor_id_corridors'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flow_points')),
    sa.UniqueConstraint('code', name=op.f('uq_flow_points_code'))
    )
    op.create_geospatial_index('idx_flow_points_geom', 'flow_points', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_flow_points_adm2_pcode'), 'flow_points', ['adm2_pcode'], unique=False)
    op.create_index(op.f('ix_flow_points_corridor_id'), 'flow_points', ['corridor_id'], unique=False)
    op.create_geospatial_table('hazards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('geom', Geometry(srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind in ('bushfire', 'flood', 'drought', 'disease', 'insecurity', 'conflict', 'other')", name=op.f('ck_hazards_kind')),
    sa.CheckConstraint("severity in ('minor', 'moderate', 'severe', 'extreme')", name=op.f('ck_hazards_severity')),
    sa.CheckConstraint('ends_at is null or ends_at >= starts_at', name=op.f('ck_hazards_ends_after_start')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hazards'))
    )
    op.create_geospatial_index('idx_hazards_geom', 'hazards', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_table('calendars',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('corridor_code', sa.String(length=40), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('opens', sa.String(length=5), nullable=False),
    sa.Column('closes', sa.String(length=5), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(corridor_code is not null) <> (country is not null)', name=op.f('ck_calendars_one_scope')),
    sa.CheckConstraint("direction in ('descent', 'return')", name=op.f('ck_calendars_direction')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendars'))
    )
    op.create_index(op.f('ix_calendars_corridor_code'), 'calendars', ['corridor_code'], unique=False)
    op.create_index(op.f('ix_calendars_country'), 'calendars', ['country'], unique=False)
    op.create_geospatial_table('admin_areas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pcode', sa.String(length=20), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('parent_pcode', sa.String(length=20), nullable=True),
    sa.Column('geom', Geometry(srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('cod_version', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_areas')),
    sa.UniqueConstraint('pcode', name=op.f('uq_admin_areas_pcode'))
    )
    op.create_geospatial_index('idx_admin_areas_geom', 'admin_areas', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_admin_areas_parent_pcode'), 'admin_areas', ['parent_pcode'], unique=False)
    op.create_geospatial_table('resources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('corridor_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind in ('water_point', 'market', 'pasture', 'veterinary_post', 'rest_area', 'fodder')", name=op.f('ck_resources_kind')),
    sa.ForeignKeyConstraint(['corridor_id'], ['corridors.id'], name=op.f('fk_resources_corridor_id_corridors'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resources')),
    sa.UniqueConstraint('code', name=op.f('uq_resources_code'))
    )
    op.create_geospatial_index('idx_resources_geom', 'resources', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_resources_corridor_id'), 'resources', ['corridor_id'], unique=False)


def downgrade() -> None:
    op.drop_table('resources')
    op.drop_table('admin_areas')
    op.drop_table('calendars')
    op.drop_table('hazards')
    op.drop_table('flow_points')
    op.drop_table('corridors')
