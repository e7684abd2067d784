"""delivery: subscriptions, alert messages, deliveries (the outbox), attempts

Revision ID: 0005
Revises: 0004
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_geospatial_table('subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('organisation', sa.Text(), nullable=True),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('alert_types', sa.ARRAY(sa.Text()), nullable=False),
    sa.Column('min_severity', sa.String(length=10), nullable=False),
    sa.Column('corridors', sa.ARRAY(sa.Text()), nullable=False),
    sa.Column('pcodes', sa.ARRAY(sa.Text()), nullable=False),
    sa.Column('area', Geometry(srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('tier', sa.Integer(), nullable=False),
    sa.Column('secret', sa.Text(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind in ('authority', 'partner', 'staff')", name=op.f('ck_subscriptions_kind')),
    sa.CheckConstraint("channel in ('email', 'sms', 'webhook', 'log')", name=op.f('ck_subscriptions_channel')),
    sa.CheckConstraint("mode in ('immediate', 'digest')", name=op.f('ck_subscriptions_mode')),
    sa.CheckConstraint('tier >= 1', name=op.f('ck_subscriptions_tier')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscriptions'))
    )
    op.create_geospatial_index('idx_subscriptions_area', 'subscriptions', ['area'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_table('alert_messages',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('alert_id', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=12), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_alert_messages_alert_id_alerts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_messages')),
    sa.UniqueConstraint('alert_id', 'version', name='uq_alert_messages_alert_version')
    )
    op.create_table('deliveries',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('alert_id', sa.BigInteger(), nullable=False),
    sa.Column('alert_version', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=12), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('provider_id', sa.Text(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.CheckConstraint("status in ('pending', 'sent', 'failed', 'superseded')", name=op.f('ck_deliveries_status')),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_deliveries_alert_id_alerts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], name=op.f('fk_deliveries_subscription_id_subscriptions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')),
    sa.UniqueConstraint('subscription_id', 'alert_id', 'alert_version', name='uq_deliveries_once_per_version')
    )
    op.create_index(op.f('ix_deliveries_alert_id'), 'deliveries', ['alert_id'], unique=False)
    op.create_index(op.f('ix_deliveries_subscription_id'), 'deliveries', ['subscription_id'], unique=False)
    op.create_index('ix_deliveries_due', 'deliveries', ['next_attempt_at'], unique=False,
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_table('delivery_attempts',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('delivery_id', sa.BigInteger(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('response_excerpt', sa.Text(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=True),
    sa.Column('worker', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], name=op.f('fk_delivery_attempts_delivery_id_deliveries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_attempts'))
    )
    op.create_index(op.f('ix_delivery_attempts_delivery_id'), 'delivery_attempts', ['delivery_id'], unique=False)


def downgrade() -> None:
    op.drop_table('delivery_attempts')
    op.drop_table('deliveries')
    op.drop_table('alert_messages')
    op.drop_table('subscriptions')
