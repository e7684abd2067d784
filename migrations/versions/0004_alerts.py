"""alerts

Revision ID: 0004
Revises: 0003
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry  # noqa: F401
from sqlalchemy.dialects import postgresql  # noqa: F401

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_geospatial_table('alerts',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('type', sa.String(length=12), nullable=False),
    sa.Column('event_kind', sa.String(length=30), nullable=True),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=14), nullable=False),
    sa.Column('dedup_key', sa.Text(), nullable=False),
    sa.Column('rule_id', sa.String(length=80), nullable=True),
    sa.Column('corridor_code', sa.String(length=40), nullable=True),
    sa.Column('flow_point_code', sa.String(length=40), nullable=True),
    sa.Column('pcodes', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('geom', Geometry(srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('window_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('headline', sa.Text(), nullable=False),
    sa.Column('headline_fr', sa.Text(), nullable=True),
    sa.Column('evidence', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('occurrences', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by', sa.Text(), nullable=True),
    sa.Column('acknowledge_note', sa.Text(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.Text(), nullable=True),
    sa.Column('resolve_note', sa.Text(), nullable=True),
    sa.Column('escalation_tier', sa.Integer(), nullable=False),
    sa.Column('place', sa.Text(), nullable=True),
    sa.Column('rule_version', sa.String(length=40), nullable=True),
    sa.Column('dedup_keys', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('observation_ids', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('reprisal_risk', sa.Boolean(), nullable=True),
    sa.CheckConstraint("status in ('open', 'acknowledged', 'resolved')", name=op.f('ck_alerts_status')),
    sa.CheckConstraint("type in ('mass', 'early', 'late', 'unexpected', 'hazard', 'event')", name=op.f('ck_alerts_type')),
    sa.CheckConstraint("severity in ('minor', 'moderate', 'severe', 'extreme')", name=op.f('ck_alerts_severity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts'))
    )
    op.create_geospatial_index('idx_alerts_geom', 'alerts', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_alerts_corridor_code'), 'alerts', ['corridor_code'], unique=False)
    op.create_index(op.f('ix_alerts_created_at'), 'alerts', ['created_at'], unique=False)
    op.create_index(op.f('ix_alerts_flow_point_code'), 'alerts', ['flow_point_code'], unique=False)
    op.create_index('uq_alerts_live_dedup_key', 'alerts', ['dedup_key'], unique=True, postgresql_where=sa.text("status <> 'resolved'"))
    op.create_index('ix_alerts_rule_place_live', 'alerts', ['rule_id', 'place'], unique=False,
                    postgresql_where=sa.text("status <> 'resolved'"))
    op.create_index('ix_alerts_dedup_keys', 'alerts', ['dedup_keys'], unique=False, postgresql_using='gin')
    op.create_table('rule_runs',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('rules_version', sa.String(length=40), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('observations', sa.Integer(), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind in ('queue', 'time', 'manual')", name=op.f('ck_rule_runs_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_runs'))
    )
    op.create_index('ix_rule_runs_kind_until', 'rule_runs', ['kind', 'until'], unique=False)


def downgrade() -> None:
    op.drop_table('rule_runs')
    op.drop_table('alerts')
