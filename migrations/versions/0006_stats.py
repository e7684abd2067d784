"""stats: daily rollups kept in step with observations by statement-level triggers

Revision ID: 0006
Revises: 0005

One row per (UTC day, flow point, corridor, movement) with summed counts. AFTER INSERT /
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
KEY_SQL = ("(d.observed_at AT TIME ZONE 'UTC')::date", "coalesce(d.flow_point_id, 0)",
           "coalesce(d.corridor_id, 0)", "d.movement")
KEYS = ("day", "flow_point_id", "corridor_id", "movement")


def _apply_sql(delta: str, cleanup: bool) -> str:
    """SQL applying the signed rows of `delta` (columns: sign, observation columns)."""
    sums = ", ".join(["sum(d.sign)"] + [f"sum(d.sign * d.{c})" for c in COUNTS])
    nonzero = " OR ".join(["sum(d.sign) <> 0"] + [f"sum(d.sign * d.{c}) <> 0" for c in COUNTS])
    sets = ", ".join(f"{c} = r.{c} + excluded.{c}" for c in ("observations", *COUNTS))
    sql = f"""
    INSERT INTO daily_rollups AS r ({', '.join(KEYS)}, observations, {', '.join(COUNTS)})
    SELECT {', '.join(KEY_SQL)}, {sums}
    FROM ({delta}) AS d
    GROUP BY 1, 2, 3, 4
    HAVING {nonzero}
    ORDER BY 1, 2, 3, 4
    ON CONFLICT ({', '.join(KEYS)}) DO UPDATE SET {sets};
    """
    if cleanup:
        sql += f"""
    DELETE FROM daily_rollups AS r
    USING (SELECT DISTINCT {', '.join(f'{k} AS {n}' for k, n in zip(KEY_SQL, KEYS, strict=True))}
           FROM ({delta}) AS d) AS k
    WHERE r.observations = 0 AND {' AND '.join(f'r.{n} = k.{n}' for n in KEYS)};
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
    op.create_index('ix_daily_rollups_corridor_day', 'daily_rollups', ['corridor_id', 'day'], unique=False)
    op.create_index('ix_daily_rollups_flow_point_day', 'daily_rollups', ['flow_point_id', 'day'], unique=False)
    for name, body in FUNCTIONS.items():
        op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $fn$\nBEGIN\n{body}\n"
                   "RETURN NULL;\nEND\n$fn$")
        op.execute(f"CREATE TRIGGER {name} {TRIGGERS[name]} FOR EACH STATEMENT EXECUTE FUNCTION {name}()")
    op.execute("CREATE FUNCTION stats_rollup_truncate() RETURNS trigger LANGUAGE plpgsql AS $fn$\n"
               "BEGIN\nDELETE FROM daily_rollups;\nRETURN NULL;\nEND\n$fn$")
    op.execute("CREATE TRIGGER stats_rollup_truncate AFTER TRUNCATE ON observations "
               "FOR EACH STATEMENT EXECUTE FUNCTION stats_rollup_truncate()")
    # observations already present (none on a fresh install) are rolled up once
    op.execute(FUNCTIONS["stats_rollup_insert"].replace("new_rows", "observations"))


def downgrade() -> None:
    for name in (*FUNCTIONS, "stats_rollup_truncate"):
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON observations")
        op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_index('ix_daily_rollups_flow_point_day', table_name='daily_rollups')
    op.drop_index('ix_daily_rollups_corridor_day', table_name='daily_rollups')
    op.drop_table('daily_rollups')
