"""deliveries of data-gap notices

A delivery row is about an alert (as before) or about a data-gap notice (``notice_id``),
never both. Notice rows go through the same outbox and dispatcher; ``alert_version`` holds
the notice's step (1 opened, 2 closed) and a subscription hears each step of a notice once.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column('deliveries', 'alert_id', existing_type=sa.BigInteger(), nullable=True)
    op.add_column('deliveries', sa.Column('notice_id', sa.Integer(), nullable=True))
    op.create_foreign_key(op.f('fk_deliveries_notice_id_quality_notices'), 'deliveries', 'quality_notices',
                          ['notice_id'], ['id'], ondelete='CASCADE')
    op.create_index(op.f('ix_deliveries_notice_id'), 'deliveries', ['notice_id'], unique=False)
    op.create_check_constraint(op.f('ck_deliveries_about'), 'deliveries', '(alert_id IS NULL) <> (notice_id IS NULL)')
    op.create_index('uq_deliveries_once_per_notice_step', 'deliveries', ['subscription_id', 'notice_id', 'alert_version'],
                    unique=True, postgresql_where=sa.text('notice_id IS NOT NULL'))


def downgrade() -> None:
    op.execute("DELETE FROM deliveries WHERE notice_id IS NOT NULL")
    op.drop_index('uq_deliveries_once_per_notice_step', table_name='deliveries')
    op.drop_constraint(op.f('ck_deliveries_about'), 'deliveries', type_='check')
    op.drop_index(op.f('ix_deliveries_notice_id'), table_name='deliveries')
    op.drop_constraint(op.f('fk_deliveries_notice_id_quality_notices'), 'deliveries', type_='foreignkey')
    op.drop_column('deliveries', 'notice_id')
    op.alter_column('deliveries', 'alert_id', existing_type=sa.BigInteger(), nullable=False)
