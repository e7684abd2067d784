"""stats: daily rollups

Revision ID: 0006
Revises: 0005
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry  # noqa: F401
from sqlalchemy.dialects import postgresql  # noqa: F401

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('daily_rollups',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('flow_point_id', sa.Integer(), nullable=False),
    sa.Column('corridor_id', sa.Integer(), nullable=False),
    sa.Column('movement', sa.String(length=10), nullable=False),
    sa.Column('observations', sa.BigInteger(), nullable=False),
    sa.Column('cattle', sa.BigInteger(), nullable=False),
    sa.Column('sheep', sa.BigInteger(), nullable=False),
    sa.Column('goats', sa.BigInteger(), nullable=False),
    sa.Column('camels', sa.BigInteger(), nullable=False),
    sa.Column('donkeys', sa.BigInteger(), nullable=False),
    sa.Column('horses', sa.BigInteger(), nullable=False),
    sa.Column('other', sa.BigInteger(), nullable=False),
    sa.Column('men', sa.BigInteger(), nullable=False),
    sa.Column('women', sa.BigInteger(), nullable=False),
    sa.Column('boys', sa.BigInteger(), nullable=False),
    sa.Column('girls', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'flow_point_id', 'corridor_id', 'movement', name=op.f('pk_daily_rollups'))
    )


def downgrade() -> None:
    op.drop_table('daily_rollups')
