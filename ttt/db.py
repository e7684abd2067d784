"""Engine, sessions and the declarative base.

One engine per database URL (cached), sync SQLAlchemy 2 sessions over psycopg 3. The naming
convention keeps constraint names stable so Alembic autogenerate stays clean.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy import DateTime, Engine, MetaData, create_engine
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

