"""Alembic environment: the database URL comes from ttt settings (or -x url=...);
GeoAlchemy2's helpers keep autogenerate clean for spatial columns and indexes."""

from __future__ import annotations

from alembic import context
from geoalchemy2 import alembic_helpers
from sqlalchemy import create_engine, pool

from ttt.config import get_settings
from ttt.db import Base
from ttt.migrate import include_object
from ttt.schema import import_all_models

import_all_models()
target_metadata = Base.metadata

def _url() -> str:
    x = context.get_x_argument(as_dictionary=True)
    return x.get("url") or context.config.attributes.get("url") or get_settings().sync_database_url


def _configure(**kw) -> None:
    context.configure(
        target_metadata=target_metadata,
        include_object=include_object,
        process_revision_directives=alembic_helpers.writer,
        render_item=alembic_helpers.render_item,
        compare_type=True,
        **kw,
    )


def run_migrations_offline() -> None:
    _configure(url=_url(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        _configure(connection=conn)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
