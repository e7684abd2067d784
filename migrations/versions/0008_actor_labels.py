"""alerts: what non-admins see of who acknowledged or resolved an alert

Revision ID: 0008
Revises: 0007

``acknowledged_by`` / ``resolved_by`` name a person (a user name, or the name, e-mail or
phone of the recipient who followed an acknowledgement link): admins only. The ``*_label``
columns hold what every other reader sees instead: an organisation or a role.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("alerts", sa.Column("acknowledged_by_label", sa.Text(), nullable=True))
    op.add_column("alerts", sa.Column("resolved_by_label", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("alerts", "resolved_by_label")
    op.drop_column("alerts", "acknowledged_by_label")
