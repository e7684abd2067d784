"""delivery: one acknowledgement per recipient, outcomes reported from the alert page

Revision ID: 0011
Revises: 0012

Receipts move from the alert row (one per alert, and a new version each time) to a table
of their own: each delivery's signed link records that recipient's receipt. Authorities
whose subscription allows it report what was done from the same page.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('subscriptions', sa.Column('may_report_outcome', sa.Boolean(), server_default=sa.text('false'),
                                             nullable=False))
    op.create_table('acknowledgements',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('alert_id', sa.BigInteger(), nullable=False),
    sa.Column('alert_version', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.BigInteger(), nullable=True),
    sa.Column('subscription_id', sa.Integer(), nullable=True),
    sa.Column('organisation', sa.Text(), nullable=True),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('tier', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_acknowledgements_alert_id_alerts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], name=op.f('fk_acknowledgements_delivery_id_deliveries'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], name=op.f('fk_acknowledgements_subscription_id_subscriptions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acknowledgements')),
    sa.UniqueConstraint('delivery_id', name=op.f('uq_acknowledgements_delivery_id'))
    )
    op.create_index(op.f('ix_acknowledgements_alert_id'), 'acknowledgements', ['alert_id'], unique=False)
    op.create_table('recipient_outcomes',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('alert_id', sa.BigInteger(), nullable=False),
    sa.Column('delivery_id', sa.BigInteger(), nullable=True),
    sa.Column('subscription_id', sa.Integer(), nullable=True),
    sa.Column('organisation', sa.Text(), nullable=True),
    sa.Column('mode', sa.String(length=30), nullable=False),
    sa.Column('killed', sa.Integer(), nullable=True),
    sa.Column('injured', sa.Integer(), nullable=True),
    sa.Column('displaced', sa.Integer(), nullable=True),
    sa.Column('animals_lost', sa.Integer(), nullable=True),
    sa.Column('crop_damage_ha', sa.Float(), nullable=True),
    sa.Column('reprisal_risk', sa.Boolean(), nullable=True),
    sa.Column('acted_by', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_recipient_outcomes_alert_id_alerts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], name=op.f('fk_recipient_outcomes_delivery_id_deliveries'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], name=op.f('fk_recipient_outcomes_subscription_id_subscriptions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recipient_outcomes'))
    )
    op.create_index(op.f('ix_recipient_outcomes_alert_id'), 'recipient_outcomes', ['alert_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_recipient_outcomes_alert_id'), table_name='recipient_outcomes')
    op.drop_table('recipient_outcomes')
    op.drop_index(op.f('ix_acknowledgements_alert_id'), table_name='acknowledgements')
    op.drop_table('acknowledgements')
    op.drop_column('subscriptions', 'may_report_outcome')
