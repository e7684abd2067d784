"""alerts: verification, corroboration, outcome, history, reopening, late and held alerts;
subscriptions choose which changes they hear; a reporter's subscription carries the
feedback on their own reports.

Revision ID: 0010
Revises: 0014

A dismissed alert is over like a resolved one: the "one live alert per dedup key" index
leaves both out, so a reopened alert can take the key again.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0010'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = "status <> 'resolved' AND verification <> 'dismissed'"


def upgrade() -> None:
    add = lambda *a, **k: op.add_column('alerts', sa.Column(*a, **k))  # noqa: E731
    add('verification', sa.String(length=10), nullable=False, server_default='new')
    add('verified_at', sa.DateTime(timezone=True), nullable=True)
    add('verified_by', sa.Text(), nullable=True)
    add('verify_note', sa.Text(), nullable=True)
    add('corroborations', sa.Integer(), nullable=False, server_default='0')
    add('reporters', postgresql.JSONB(astext_type=sa.Text()), nullable=False, server_default='[]')
    add('outcome', postgresql.JSONB(astext_type=sa.Text()), nullable=True)
    add('history', postgresql.JSONB(astext_type=sa.Text()), nullable=False, server_default='[]')
    add('reopened_from', sa.BigInteger(), sa.ForeignKey('alerts.id', ondelete='SET NULL'), nullable=True)
    add('held', sa.Boolean(), nullable=False, server_default=sa.false())
    add('late', sa.Boolean(), nullable=False, server_default=sa.false())
    add('reminded_at', sa.DateTime(timezone=True), nullable=True)
    op.create_check_constraint(op.f('ck_alerts_verification'), 'alerts',
                               "verification in ('new', 'verifying', 'confirmed', 'dismissed')")
    op.drop_index('uq_alerts_live_dedup_key', table_name='alerts')
    op.create_index('uq_alerts_live_dedup_key', 'alerts', ['dedup_key'], unique=True, postgresql_where=sa.text(LIVE))
    op.drop_index('ix_alerts_rule_place_live', table_name='alerts')
    op.create_index('ix_alerts_rule_place_live', 'alerts', ['rule_id', 'place'], postgresql_where=sa.text(LIVE))
    op.create_index('ix_alerts_created_at_type', 'alerts', ['created_at', 'type'])
    op.add_column('subscriptions', sa.Column('hears', postgresql.ARRAY(sa.Text()), nullable=False,
                                             server_default='{new,update,verification,resolution}'))
    op.add_column('subscriptions', sa.Column('reporter', sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column('subscriptions', 'reporter')
    op.drop_column('subscriptions', 'hears')
    op.drop_index('ix_alerts_created_at_type', table_name='alerts')
    op.drop_index('ix_alerts_rule_place_live', table_name='alerts')
    op.create_index('ix_alerts_rule_place_live', 'alerts', ['rule_id', 'place'],
                    postgresql_where=sa.text("status <> 'resolved'"))
    op.drop_index('uq_alerts_live_dedup_key', table_name='alerts')
    op.create_index('uq_alerts_live_dedup_key', 'alerts', ['dedup_key'], unique=True,
                    postgresql_where=sa.text("status <> 'resolved'"))
    op.drop_constraint(op.f('ck_alerts_verification'), 'alerts', type_='check')
    for col in ('reminded_at', 'late', 'held', 'reopened_from', 'history', 'outcome', 'reporters',
                'corroborations', 'verify_note', 'verified_by', 'verified_at', 'verification'):
        op.drop_column('alerts', col)
