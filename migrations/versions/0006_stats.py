"""stats: daily rollups kept in step with observations by statement-level triggers

Revision ID: 0006
Revises: 0005

One row per (UTC day, flow point, corridor, movement) with summed counts in daily_rollups,
and the same per UTC month in monthly_rollups (so a season-long ranking over hundreds of
points reads thousands of rows, not hundreds of thousands). AFTER INSERT /
UPDATE / DELETE triggers FOR EACH STATEMENT read the transition tables (new_rows, old_rows)
and apply one grouped upsert per statement, ordered by key so concurrent ingests lock rollup
rows in the same order (no deadlocks). Rows whose observations fall to 0 are removed. An
AFTER TRUNCATE trigger empties the rollups (with DELETE: a TRUNCATE naming both tables, as the
test fixtures do, would refuse a nested TRUNCATE). Missing flow point / corridor are stored as 0
(primary keys cannot hold NULL).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = ("cattle", "sheep", "goats", "camels", "donkeys", "horses", "other", "men", "women", "boys", "girls")
DAY_SQL = "(d.observed_at AT TIME ZONE 'UTC')::date"
MONTH_SQL = "date_trunc('month', d.observed_at AT TIME ZONE 'UTC')::date"
TABLES = {"daily_rollups": ("day", DAY_SQL), "monthly_rollups": ("month", MONTH_SQL)}


def _apply_sql(delta: str, cleanup: bool) -> str:
    return "\n".join(_apply_table_sql(delta, cleanup, table) for table in TABLES)


def _apply_table_sql(delta: str, cleanup: bool, table: str) -> str:
    """SQL applying the signed rows of `delta` (columns: sign, observation columns) to `table`."""
    period, period_sql = TABLES[table]
    key_sql = (period_sql, "coalesce(d.flow_point_id, 0)", "coalesce(d.corridor_id, 0)", "d.movement")
    keys = (period, "flow_point_id", "corridor_id", "movement")
    sums = ", ".join(["sum(d.sign)"] + [f"sum(d.sign * d.{c})" for c in COUNTS])
    nonzero = " OR ".join(["sum(d.sign) <> 0"] + [f"sum(d.sign * d.{c}) <> 0" for c in COUNTS])
    sets = ", ".join(f"{c} = r.{c} + excluded.{c}" for c in ("observations", *COUNTS))
    sql = f"""
    INSERT INTO {table} AS r ({', '.join(keys)}, observations, {', '.join(COUNTS)})
    SELECT {', '.join(key_sql)}, {sums}
    FROM ({delta}) AS d
    GROUP BY 1, 2, 3, 4
    HAVING {nonzero}
    ORDER BY 1, 2, 3, 4
    ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sets};
    """
    if cleanup:
        sql += f"""
    DELETE FROM {table} AS r
    USING (SELECT DISTINCT {', '.join(f'{k} AS {n}' for k, n in zip(key_sql, keys, strict=True))}
           FROM ({delta}) AS d) AS k
    WHERE r.observations = 0 AND {' AND '.join(f'r.{n} = k.{n}' for n in keys)};
    """
    return sql


FUNCTIONS = {
    "stats_rollup_insert": _apply_sql("SELECT 1 AS sign, n.* FROM new_rows AS n", cleanup=False),
    "stats_rollup_delete": _apply_sql("SELECT -1 AS sign, o.* FROM old_rows AS o", cleanup=True),
    "stats_rollup_update": _apply_sql(
        "SELECT 1 AS sign, n.* FROM new_rows AS n UNION ALL SELECT -1 AS sign, o.* FROM old_rows AS o", cleanup=True),
}
TRIGGERS = {
    "stats_rollup_insert": "AFTER INSERT ON observations REFERENCING NEW TABLE AS new_rows",
    "stats_rollup_delete": "AFTER DELETE ON observations REFERENCING OLD TABLE AS old_rows",
    "stats_rollup_update": "AFTER UPDATE ON observations REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
}


def upgrade() -> None:
    for table, (period, _) in TABLES.items():
        op.create_table(table,
        sa.Column(period, sa.Date(), nullable=False),
        sa.Column('flow_point_id', sa.Integer(), nullable=False),
        sa.Column('corridor_id', sa.Integer(), nullable=False),
        sa.Column('movement', sa.String(length=10), nullable=False),
        sa.Column('observations', sa.BigInteger(), nullable=False),
        *[sa.Column(c, sa.BigInteger(), nullable=False) for c in COUNTS],
        sa.PrimaryKeyConstraint(period, 'flow_point_id', 'corridor_id', 'movement', name=op.f(f'pk_{table}'))
        )
    # Daily rows: plain indexes and free space on each page, so the trigger's updates of the
    # counts are HOT updates (no index writes) and ingestion stays cheap. Monthly rows (read by
    # dashboards, rankings and areas over whole seasons): covering indexes, so a season is read
    # from the index alone.
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} SET (fillfactor = 70)")
    op.create_index('ix_daily_rollups_corridor_day', 'daily_rollups', ['corridor_id', 'day'], unique=False)
    op.create_index('ix_daily_rollups_flow_point_day', 'daily_rollups', ['flow_point_id', 'day'], unique=False)
    included = ['movement', 'observations', *COUNTS]
    op.create_index('ix_monthly_rollups_corridor_month', 'monthly_rollups', ['corridor_id', 'month'], unique=False,
                    postgresql_include=['flow_point_id', *included])
    op.create_index('ix_monthly_rollups_flow_point_month', 'monthly_rollups', ['flow_point_id', 'month'], unique=False,
                    postgresql_include=included)
    for name, body in FUNCTIONS.items():
        op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $fn$\nBEGIN\n{body}\n"
                   "RETURN NULL;\nEND\n$fn$")
        op.execute(f"CREATE TRIGGER {name} {TRIGGERS[name]} FOR EACH STATEMENT EXECUTE FUNCTION {name}()")
    op.execute("CREATE FUNCTION stats_rollup_truncate() RETURNS trigger LANGUAGE plpgsql AS $fn$\n"
               "BEGIN\nDELETE FROM daily_rollups;\nDELETE FROM monthly_rollups;\nRETURN NULL;\nEND\n$fn$")
    op.execute("CREATE TRIGGER stats_rollup_truncate AFTER TRUNCATE ON observations "
               "FOR EACH STATEMENT EXECUTE FUNCTION stats_rollup_truncate()")
    # observations already present (none on a fresh install) are rolled up once
    op.execute(FUNCTIONS["stats_rollup_insert"].replace("new_rows", "observations"))


def downgrade() -> None:
    for name in (*FUNCTIONS, "stats_rollup_truncate"):
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON observations")
        op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    for table in TABLES:
        op.drop_table(table)
