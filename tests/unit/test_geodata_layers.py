"""Each geodata layer is declared once (corridors/geodata/layers.py) and every piece follows it."""

from __future__ import annotations

import pytest

from corridors.geodata import repository
from corridors.geodata.layers import LAYERS


def test_every_layer_has_routes_a_table_and_its_ogc_collection():
    from corridors.geodata.router import router
    from ttt.api.ogc import COLLECTIONS

    paths = {r.path for r in router.routes}
    for name, layer in LAYERS.items():
        assert f"/api/v1/{name}" in paths and f"/api/v1/{name}/{{key}}" in paths, name
        assert repository.MODELS[name] is layer.model and repository.KEY_COLUMNS[name] == layer.key_column
        published = layer.collection is not None
        assert (name in COLLECTIONS) == published == (name in repository.LAYER_SOURCES), name


def test_each_domain_publishes_its_own_collection():
    from ttt.api.ogc import COLLECTIONS, PUBLISHED

    assert list(COLLECTIONS) == ["corridors", "flow-points", "hazards", "alerts", "observations"]
    assert {cid for cid, p in PUBLISHED.items() if p.scoped} == {"observations", "alerts"}


def test_list_filters_say_what_they_expect():
    convert = LAYERS["flow-points"].filters["active"][1]
    assert convert("yes") is True
    with pytest.raises(ValueError, match="true or false"):
        convert("maybe")
    with pytest.raises(ValueError, match="admin level 0-5"):
        LAYERS["admin-areas"].filters["level"][1]("9")
