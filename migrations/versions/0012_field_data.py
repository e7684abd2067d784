"""field data: edits (observation history), review state and QA flags, zero reports, data gaps

Revision ID: 0012
Revises: 0010

- observations gain ``replaces`` (the instance an edit replaces), ``review`` (received,
  flagged, approved; rejected ones live in observation_history), ``flags`` (automatic QA
  flags with reasons) and who reviewed it when.
- observation_history keeps every version that left ``observations``: replaced by an edit,
  or rejected by a reviewer. The row is kept as JSON (``to_jsonb`` of the observation, minus
  its geometry, which has its own column), so a column added to observations later needs no
  change here, and a rejected observation can be restored exactly.
- zero_reports: "on duty, no herds passed" for a flow point over whole UTC days.
- flow_points.report_days_per_week: the reporting rhythm set for a point (NULL: learned).
- quality_notices: data-gap notices for data managers (never alerts, never authorities).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = '0012'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('observations', sa.Column('replaces', sa.UUID(), nullable=True))
    op.add_column('observations', sa.Column('review', sa.String(length=10), server_default='received', nullable=False))
    op.add_column('observations', sa.Column('flags', postgresql.JSONB(astext_type=sa.Text()),
                                            server_default=sa.text("'[]'::jsonb"), nullable=False))
    op.add_column('observations', sa.Column('reviewed_by', sa.Integer(), nullable=True))
    op.add_column('observations', sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('observations', sa.Column('review_note', sa.Text(), nullable=True))
    op.create_foreign_key(op.f('fk_observations_reviewed_by_users'), 'observations', 'users', ['reviewed_by'], ['id'],
                          ondelete='SET NULL')
    op.create_check_constraint(op.f('ck_observations_review'), 'observations',
                               "review in ('received', 'flagged', 'approved')")
    op.create_index('ix_observations_replaces', 'observations', ['replaces'], unique=False,
                    postgresql_where=sa.text('replaces IS NOT NULL'))
    op.create_index('ix_observations_review', 'observations', ['review', 'observed_at'], unique=False,
                    postgresql_where=sa.text("review <> 'received'"))

    op.create_geospatial_table('observation_history',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('observation_id', sa.UUID(), nullable=False),
    sa.Column('reason', sa.String(length=10), nullable=False),
    sa.Column('replaced_by', sa.UUID(), nullable=True),
    sa.Column('replaces', sa.UUID(), nullable=True),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('archived_by', sa.Integer(), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('enumerator_id', sa.Integer(), nullable=True),
    sa.Column('row', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.CheckConstraint("reason in ('replaced', 'rejected')", name=op.f('ck_observation_history_reason')),
    sa.ForeignKeyConstraint(['archived_by'], ['users.id'], name=op.f('fk_observation_history_archived_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_observation_history'))
    )
    op.create_index('ix_observation_history_observation_id', 'observation_history', ['observation_id'], unique=True)
    op.create_index('ix_observation_history_replaced_by', 'observation_history', ['replaced_by'], unique=False)
    op.create_index('ix_observation_history_replaces', 'observation_history', ['replaces'], unique=False)

    op.create_table('zero_reports',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('flow_point_id', sa.Integer(), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('enumerator_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint('last_day >= first_day', name=op.f('ck_zero_reports_days_in_order')),
    sa.ForeignKeyConstraint(['enumerator_id'], ['users.id'], name=op.f('fk_zero_reports_enumerator_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['flow_point_id'], ['flow_points.id'], name=op.f('fk_zero_reports_flow_point_id_flow_points'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_zero_reports'))
    )
    op.create_index('ix_zero_reports_flow_point_days', 'zero_reports', ['flow_point_id', 'first_day', 'last_day'], unique=False)

    op.add_column('flow_points', sa.Column('report_days_per_week', sa.SmallInteger(), nullable=True))

    op.create_table('quality_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('flow_point_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_known_day', sa.Date(), nullable=True),
    sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.ForeignKeyConstraint(['flow_point_id'], ['flow_points.id'], name=op.f('fk_quality_notices_flow_point_id_flow_points'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quality_notices'))
    )
    op.create_index('ix_quality_notices_open', 'quality_notices', ['kind', 'flow_point_id'], unique=True,
                    postgresql_where=sa.text('closed_at IS NULL'))


def downgrade() -> None:
    op.drop_index('ix_quality_notices_open', table_name='quality_notices', postgresql_where=sa.text('closed_at IS NULL'))
    op.drop_table('quality_notices')
    op.drop_column('flow_points', 'report_days_per_week')
    op.drop_index('ix_zero_reports_flow_point_days', table_name='zero_reports')
    op.drop_table('zero_reports')
    op.drop_index('ix_observation_history_replaces', table_name='observation_history')
    op.drop_index('ix_observation_history_replaced_by', table_name='observation_history')
    op.drop_index('ix_observation_history_observation_id', table_name='observation_history')
    op.drop_table('observation_history')
    op.drop_index('ix_observations_review', table_name='observations', postgresql_where=sa.text("review <> 'received'"))
    op.drop_index('ix_observations_replaces', table_name='observations', postgresql_where=sa.text('replaces IS NOT NULL'))
    op.drop_constraint(op.f('ck_observations_review'), 'observations', type_='check')
    op.drop_constraint(op.f('fk_observations_reviewed_by_users'), 'observations', type_='foreignkey')
    for col in ('review_note', 'reviewed_at', 'reviewed_by', 'flags', 'review', 'replaces'):
        op.drop_column('observations', col)
