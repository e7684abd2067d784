"""wake-ups: NOTIFY the scheduler when there is new work (LISTEN/NOTIFY, see ttt/wakeups.py)

Revision ID: 0015
Revises: 0011

Statement-level triggers, so a batch of 1,000 observations is one notification, not 1,000;
PostgreSQL sends it at commit (never for a rolled-back write) and folds identical ones of a
transaction into one. Channels: ``ttt_rules`` (observations queued for the rules; hazards or
calendars changed: what can raise or update an alert) and ``ttt_outbox`` (delivery
rows written). Whatever writes (the API, the CLI, plain SQL) wakes the scheduler.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0015'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGERS = {  # table -> (channel, events)
    "rule_queue": ("ttt_rules", "INSERT"),
    "hazards": ("ttt_rules", "INSERT OR UPDATE OR DELETE"),
    "calendars": ("ttt_rules", "INSERT OR UPDATE OR DELETE"),
    "deliveries": ("ttt_outbox", "INSERT"),
}


def upgrade() -> None:
    op.execute("""
        CREATE FUNCTION ttt_notify_work() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify(TG_ARGV[0], '');
            RETURN NULL;
        END $$""")
    for table, (channel, events) in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER ttt_notify_{table} AFTER {events} ON {table} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION ttt_notify_work('{channel}')")


def downgrade() -> None:
    for table in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS ttt_notify_{table} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS ttt_notify_work()")
