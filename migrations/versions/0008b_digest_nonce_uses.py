"""openrosa: each (nonce, nc) of a Digest Authorization is accepted once

Revision ID: 0008b
Revises: 0016

A captured Authorization header (same nonce, same count) cannot be replayed with another
body; rows live an hour (longer than any nonce), the verifier deletes older ones. A revision
of its own after the head: 0008 was already merged without it.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008b'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "digest_nonce_uses",
        sa.Column("nonce", sa.String(200), primary_key=True),
        sa.Column("nc", sa.String(16), primary_key=True),
        sa.Column("used_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("digest_nonce_uses")
