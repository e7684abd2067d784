"""observations: indexes to ask "was this origin / destination ever seen at this point?"

Revision ID: 0007
Revises: 0006

The rules' novelty screen (alerts.rules.screen, alerts.runner.incremental) looks up each origin and
destination of a fresh batch in the earlier seasons of its flow point; with these indexes a
lookup is one index probe instead of a walk through the point's whole history. Built
CONCURRENTLY so an upgrade on a live database does not block ingestion.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_observations_flow_point_origin": ("flow_point_id", "origin", "observed_at"),
    "ix_observations_flow_point_destination": ("flow_point_id", "destination", "observed_at"),
}


def upgrade() -> None:
    with op.get_context().autocommit_block():
        for name, columns in INDEXES.items():
            op.create_index(name, "observations", list(columns), postgresql_concurrently=True, if_not_exists=True)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        for name in INDEXES:
            op.drop_index(name, table_name="observations", postgresql_concurrently=True, if_exists=True)
