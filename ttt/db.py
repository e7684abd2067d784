"""Engine, sessions and the declarative base.

One engine per database URL (cached), sync SQLAlchemy 2 sessions over psycopg 3. The naming
convention keeps constraint names stable so Alembic autogenerate stays clean.

With ``TTT_DATABASE_READ_URL`` a second engine reads from a PostgreSQL streaming replica:
:func:`read_session_factory` hands out sessions on it while it answers and is no further
behind than ``TTT_DATABASE_READ_MAX_LAG_S`` (checked at most every few seconds), else on the
primary. Writes, and reads that must see the caller's own writes, always use the primary.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy import DateTime, Engine, MetaData, create_engine, make_url, text
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from ttt.config import get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: DateTime(timezone=True)}


def utcnow() -> datetime:
    return datetime.now(UTC)


@lru_cache(maxsize=8)
def _engine_for(url: str, pool_size: int, pool_timeout: float = 30.0) -> Engine:
    # a short pool timeout: when every connection is busy a request answers 503 with
    # Retry-After within seconds (ttt.api.errors) instead of queueing for half a minute
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        pool_timeout=pool_timeout,
        connect_args={"connect_timeout": 5},
    )


def get_engine() -> Engine:
    settings = get_settings()
    return _engine_for(settings.sync_database_url, settings.db_pool_size, settings.db_pool_timeout_s)


def session_factory() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


# --- the read replica -----------------------------------------------------------------------

REPLICA_CHECK_S = 2.0  # how long a replica's state is trusted before it is asked again
_LAG_SQL = ("SELECT CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() "
            "THEN 0.0 ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END")
_replica: dict[str, dict] = {}  # read URL -> {"at": monotonic time, "state": ..., "lag_s": ...}
_replica_lock = threading.Lock()


def get_read_engine() -> Engine | None:
    """The replica's engine (connections named ``ttt-read``), or None without one."""
    settings = get_settings()
    if not settings.sync_read_url:
        return None
    url = make_url(settings.sync_read_url).update_query_dict({"application_name": "ttt-read"})
    return _engine_for(url.render_as_string(hide_password=False), settings.db_pool_size, settings.db_pool_timeout_s)


def replica_status() -> dict:
    """``{"state": "off" | "ok" | "lagging" | "unavailable", "lag_s": seconds or None}``,
    asked of the replica at most every ``REPLICA_CHECK_S`` seconds."""
    engine = get_read_engine()
    if engine is None:
        return {"state": "off", "lag_s": None}
    key = str(engine.url)
    with _replica_lock:
        known = _replica.get(key)
        if known and time.monotonic() - known["at"] < REPLICA_CHECK_S:
            return {"state": known["state"], "lag_s": known["lag_s"]}
        try:
            with engine.connect() as conn:
                lag = float(conn.execute(text(_LAG_SQL)).scalar_one() or 0.0)
            state = "ok" if lag <= get_settings().database_read_max_lag_s else "lagging"
        except Exception:  # down, restarting, unreachable: read from the primary meanwhile
            lag, state = None, "unavailable"
        _replica[key] = {"at": time.monotonic(), "state": state, "lag_s": None if lag is None else round(lag, 3)}
        return {"state": state, "lag_s": _replica[key]["lag_s"]}


def read_session_factory() -> sessionmaker[Session]:
    """Sessions for reads that may be a little behind (statistics, OGC, lists, exports): on
    the replica when it is usable, else on the primary."""
    engine = get_read_engine()
    if engine is not None and replica_status()["state"] == "ok":
        return sessionmaker(bind=engine, expire_on_commit=False)
    return session_factory()


@contextmanager
def session_scope() -> Iterator[Session]:
    """A unit of work: commit on success, roll back on any error."""
    session = session_factory()()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()

