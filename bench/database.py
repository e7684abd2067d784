"""The bench database: created fresh and migrated with Alembic (``ttt.migrate``) every run,
loaded with a generated network, and bulk-filled with raw ``COPY`` where a measurement
needs millions of rows already stored.

The name comes from ``TTT_BENCH_DB`` (default ``ttt_bench``) on the server of
``TTT_DATABASE_URL``; the development database and the test databases are never touched.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from datetime import UTC, datetime

import psycopg
from sqlalchemy.engine import make_url

from bench.generate import COPY_COLUMNS, Network, Observations, copy_rows

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/ttt"
#: Tables emptied between measurements (network, users and alembic_version are kept).
DATA_TABLES = ("delivery_attempts", "deliveries", "alerts", "rule_queue", "observations", "daily_rollups")


def bench_url() -> str:
    """SQLAlchemy URL of the bench database, on the same server as the configured one."""
    base = make_url(os.environ.get("TTT_DATABASE_URL", DEFAULT_SERVER))
    if base.drivername in ("postgresql", "postgres"):
        base = base.set(drivername="postgresql+psycopg")
    name = os.environ.get("TTT_BENCH_DB", "ttt_bench")
    if name in ("ttt",) or name.startswith("ttt_test"):
        raise SystemExit(f"refusing to run the bench on {name!r}: use a database of its own (TTT_BENCH_DB)")
    return base.set(database=name).render_as_string(hide_password=False)


def libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def point_settings_at(url: str) -> None:
    """Make this process (and the subprocesses it starts) use the bench database."""
    from ttt.config import get_settings
    from ttt.db import _engine_for

    os.environ["TTT_DATABASE_URL"] = url
    os.environ.setdefault("TTT_LOG_LEVEL", "WARNING")
    os.environ["TTT_RATE_LIMIT_PER_MIN"] = "0"  # the bench measures the service, not its limiter
    os.environ["TTT_RATE_LIMIT_ANONYMOUS_PER_MIN"] = "0"
    get_settings.cache_clear()
    _engine_for.cache_clear()


def recreate(url: str) -> float:
    """Drop, create and migrate the bench database; seconds taken."""
    from ttt.migrate import drop_database, ensure_database, upgrade

    t = time.perf_counter()
    drop_database(url)
    ensure_database(url)
    upgrade(url, "head")
    return time.perf_counter() - t


def connect(url: str) -> psycopg.Connection:
    conn = psycopg.connect(libpq(url), autocommit=True)
    conn.execute("SET TIME ZONE 'UTC'")
    return conn


def load_network(url: str, net: Network) -> tuple[list[int], list[int]]:
    """Insert corridors, flow points (with P-codes and km along) and calendars; returns the
    database ids of the flow points and corridors, in the network's order."""
    with connect(url) as conn, conn.transaction():
        corridor_ids = []
        for code, line, cc in zip(net.corridor_codes, net.corridor_lines, net.corridor_countries, strict=True):
            row = conn.execute(
                "INSERT INTO corridors (code, name, geom, tolerance_m, countries, pcodes, status, length_km, "
                "created_at, updated_at) VALUES (%s, %s, ST_GeomFromText(%s, 4326), 5000, %s, %s, 'open', "
                "ST_Length(ST_GeomFromText(%s, 4326)::geography) / 1000, now(), now()) RETURNING id",
                (code, f"Bench corridor {code}", line.wkt, [cc], [], line.wkt),
            ).fetchone()
            corridor_ids.append(row[0])
        fp_ids = []
        for k, code in enumerate(net.fp_codes):
            adm2 = net.fp_adm2[k]
            row = conn.execute(
                "INSERT INTO flow_points (code, name, geom, corridor_id, adm0_pcode, adm1_pcode, adm2_pcode, "
                "km_along, active, created_at, updated_at) VALUES (%s, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326), "
                "%s, %s, %s, %s, %s, true, now(), now()) RETURNING id",
                (code, f"PSF {code}", float(net.fp_lon[k]), float(net.fp_lat[k]),
                 corridor_ids[int(net.fp_corridor[k])], adm2[:2], adm2[:4], adm2, float(net.fp_km_along[k])),
            ).fetchone()
            fp_ids.append(row[0])
        for cc in sorted(set(net.corridor_countries)):
            for direction, opens, closes in (("descent", "10-01", "01-31"), ("return", "05-01", "07-31")):
                conn.execute(
                    "INSERT INTO calendars (country, direction, opens, closes, effective_from, source, created_at) "
                    "VALUES (%s, %s, %s, %s, '2020-01-01', 'bench', now())",
                    (cc, direction, opens, closes),
                )
        # a corridor table was just changed: statistics of the planner matter for placement queries
        conn.execute("ANALYZE corridors")
        conn.execute("ANALYZE flow_points")
    return fp_ids, corridor_ids


def empty_data(url: str) -> None:
    """Remove observations and everything derived from them (keeps network and users)."""
    with connect(url) as conn:
        present = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        tables = [t for t in DATA_TABLES if t in present]
        conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def copy_observations(url: str, rows: Iterable[tuple], chunk: int = 200_000) -> tuple[int, float]:
    """Raw ``COPY`` of prepared rows into ``observations`` (one statement per ``chunk`` rows,
    each its own transaction, as a bulk loader would). Returns (rows, seconds)."""
    n = 0
    started = time.perf_counter()
    with connect(url) as conn:
        buf: list[tuple] = []

        def flush() -> None:
            with conn.transaction(), conn.cursor() as cur, \
                    cur.copy(f"COPY observations ({', '.join(COPY_COLUMNS)}) FROM STDIN") as cp:
                for r in buf:
                    cp.write_row(r)
            buf.clear()

        for r in rows:
            buf.append(r)
            n += 1
            if len(buf) >= chunk:
                flush()
        if buf:
            flush()
    return n, time.perf_counter() - started


def bulk_load(url: str, net: Network, batches: list[Observations], fp_ids: list[int], corridor_ids: list[int],
              enumerator_id: int | None = None) -> tuple[int, float]:
    """Setup for the large measurements (not a measurement): load generated rows the way a
    DBA restores a dump. Secondary indexes are dropped and rebuilt, foreign-key and rollup
    triggers are skipped (``session_replication_role = replica``; the network ids are
    valid by construction) and the daily rollups are rebuilt with the stats repository's
    own ``rebuild_rollups``, so statistics read exactly what the triggers would have kept."""
    received = datetime.now(UTC)
    rows = (r for obs in batches for r in copy_rows(net, obs, fp_ids, corridor_ids, enumerator_id, received))
    started = time.perf_counter()
    with connect(url) as conn:
        defs = [r[0] for r in conn.execute(
            "SELECT i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' AND i.tablename = 'observations' "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)")]
        names = [d.split(" INDEX ", 1)[1].split(" ON ", 1)[0] for d in defs]
        for name in names:
            conn.execute(f'DROP INDEX "{name}"')
    try:
        n = 0
        with connect(url) as conn:
            conn.execute("SET session_replication_role = replica")
            with conn.transaction(), conn.cursor() as cur, \
                    cur.copy(f"COPY observations ({', '.join(COPY_COLUMNS)}) FROM STDIN") as cp:
                for r in rows:
                    cp.write_row(r)
                    n += 1
    finally:
        with connect(url) as conn:
            conn.execute("SET maintenance_work_mem = '512MB'")
            for d in defs:
                conn.execute(d)
    from corridors.stats.repository import rebuild_rollups
    from ttt.db import session_scope

    with session_scope() as s:
        rebuild_rollups(s)
    with connect(url) as conn:
        conn.execute("VACUUM ANALYZE observations")
        conn.execute("VACUUM ANALYZE daily_rollups")
    return n, time.perf_counter() - started


def create_user(role: str, name: str) -> tuple[int, str]:
    """A user of the bench database and its token (the settings point at the bench DB)."""
    from ttt.db import session_scope
    from ttt.users import create_user as make

    with session_scope() as s:
        user, token = make(s, name, role)
        return user.id, token


def server_versions(url: str) -> tuple[str, str]:
    with connect(url) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
        try:
            postgis = conn.execute("SELECT postgis_lib_version()").fetchone()[0]
        except psycopg.Error:
            postgis = "absent"
    return pg.split()[0], postgis
