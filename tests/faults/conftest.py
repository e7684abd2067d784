"""Fault tests reuse the integration fixtures; they are all marked ``fault``."""

import pytest

from tests.integration.conftest import (  # noqa: F401
    _tables,
    admin_headers,
    app,
    auth,
    clean_db,
    client,
    engine,
    make_user,
    session,
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/faults/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.fault)
            # one xdist worker runs them all: each starts its own cluster or server, two at once
            # on a small machine would only race for the CPU.
            item.add_marker(pytest.mark.xdist_group("faults"))
