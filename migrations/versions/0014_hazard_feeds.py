"""hazard feeds (FIRMS, GDACS, CAP, ACLED) and the provenance of the hazards they bring

Revision ID: 0014
Revises: 0013
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'hazard_feeds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('url', sa.Text(), nullable=False),
        sa.Column('credential', sa.Text(), nullable=True),
        sa.Column('area_bbox', postgresql.ARRAY(sa.Float()), nullable=True),
        sa.Column('area_pcodes', postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column('every_minutes', sa.Integer(), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('hazard_kind', sa.String(length=20), nullable=True),
        sa.Column('kind_map', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('severity_map', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('expire_hours', sa.Float(), nullable=True),
        sa.Column('options', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('created_by', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('last_error_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('next_pull_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('etag', sa.Text(), nullable=True),
        sa.Column('last_modified', sa.Text(), nullable=True),
        sa.Column('last_report', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.CheckConstraint("kind in ('firms_csv', 'gdacs_geojson', 'cap_feed', 'acled_csv')",
                           name=op.f('ck_hazard_feeds_kind')),
        sa.CheckConstraint('every_minutes >= 1', name=op.f('ck_hazard_feeds_every_minutes')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_hazard_feeds')),
    )
    op.create_index(op.f('ix_hazard_feeds_next_pull_at'), 'hazard_feeds', ['next_pull_at'], unique=False)
    op.add_column('hazards', sa.Column('feed_id', sa.Integer(), nullable=True))
    op.add_column('hazards', sa.Column('source_id', sa.Text(), nullable=True))
    op.add_column('hazards', sa.Column('source_version', sa.Text(), nullable=True))
    op.add_column('hazards', sa.Column('pulled_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f('ix_hazards_feed_id'), 'hazards', ['feed_id'], unique=False)
    op.create_foreign_key(op.f('fk_hazards_feed_id_hazard_feeds'), 'hazards', 'hazard_feeds', ['feed_id'], ['id'],
                          ondelete='SET NULL')
    op.create_unique_constraint(op.f('uq_hazards_feed_id'), 'hazards', ['feed_id', 'source_id'])


def downgrade() -> None:
    op.drop_constraint(op.f('uq_hazards_feed_id'), 'hazards', type_='unique')
    op.drop_constraint(op.f('fk_hazards_feed_id_hazard_feeds'), 'hazards', type_='foreignkey')
    op.drop_index(op.f('ix_hazards_feed_id'), table_name='hazards')
    for column in ('pulled_at', 'source_version', 'source_id', 'feed_id'):
        op.drop_column('hazards', column)
    op.drop_index(op.f('ix_hazard_feeds_next_pull_at'), table_name='hazard_feeds')
    op.drop_table('hazard_feeds')
