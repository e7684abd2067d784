"""alerts: what non-admins see of who acknowledged or resolved an alert; digest nonce uses

Revision ID: 0008
Revises: 0007

``acknowledged_by`` / ``resolved_by`` name a person (a user name, or the name, e-mail or
phone of the recipient who followed an acknowledgement link): admins only. The ``*_label``
columns hold what every other reader sees instead: an organisation or a role.

``digest_nonce_uses``: each (nonce, nc) of an OpenRosa Digest Authorization is accepted once,
so a captured header cannot be replayed with another body (rows live an hour).
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
    op.create_table(
        "digest_nonce_uses",
        sa.Column("nonce", sa.String(200), primary_key=True),
        sa.Column("nc", sa.String(16), primary_key=True),
        sa.Column("used_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("digest_nonce_uses")
    op.drop_column("alerts", "resolved_by_label")
    op.drop_column("alerts", "acknowledged_by_label")
