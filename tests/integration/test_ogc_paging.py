"""OGC API paging at scale: cursor ``next`` links that inserts never shift, numberMatched only
where it is cheap, and GDAL learning the largest ``limit`` from the ``service-desc``."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.integration.test_ogc import add_observation, analyst, live_server, network  # noqa: F401  (fixtures)

ITEMS = "/ogc/collections/observations/items"


def _page(client, headers, url):
    r = client.get(url, headers=headers)
    assert r.status_code == 200, r.text
    doc = r.json()
    nxt = next((link["href"] for link in doc["links"] if link["rel"] == "next"), None)
    return doc, nxt


def test_cursor_pages_stay_whole_while_herds_are_added(client, analyst, network):  # noqa: F811
    for k in range(12):
        add_observation(0.01 * k, 14.0, f"2025-11-02T08:{k:02d}:00+00:00", flow_point="FMP-1")
    seen, url, pages = [], f"{ITEMS}?limit=5", 0
    while url:
        doc, url = _page(client, analyst, url)
        seen += [f["id"] for f in doc["features"]]
        assert "numberMatched" not in doc or pages == 0 and not url  # a large collection is not counted
        pages += 1
        if pages == 1:  # uploads arrive while a client pages through
            for k in range(6):
                add_observation(0.5 + 0.01 * k, 14.1, f"2025-11-03T08:{k:02d}:00+00:00")
        assert url is None or "cursor=" in url and "offset=" not in url
    assert len(seen) == len(set(seen))  # nothing twice
    with_all = [f["id"] for f in client.get(f"{ITEMS}?limit=1000", headers=analyst).json()["features"]]
    assert len(with_all) == 18
    first_twelve = set(with_all) - set(seen)
    assert len(seen) >= 12 and len(first_twelve) <= 6  # every herd there at the start was read once


def test_a_result_on_one_page_says_how_many_and_a_tampered_cursor_is_a_400(client, analyst, network):  # noqa: F811
    add_observation(0.01, 14.0, "2025-11-02T08:00:00+00:00", flow_point="FMP-1")
    doc, nxt = _page(client, analyst, f"{ITEMS}?limit=10")
    assert doc["numberMatched"] == doc["numberReturned"] == 1 and nxt is None
    r = client.get(f"{ITEMS}?cursor=bm90LWEtdXVpZA", headers=analyst)  # "not-a-uuid"
    assert r.status_code == 400 and "next" in r.json()["detail"]
    assert client.get(f"{ITEMS}?cursor=abc&offset=5", headers=analyst).status_code == 400


def test_the_service_desc_tells_clients_the_largest_limit_of_every_collection(client, analyst):  # noqa: F811
    landing = client.get("/ogc", headers=analyst).json()
    desc = next(link for link in landing["links"] if link["rel"] == "service-desc")
    assert desc["type"] == "application/vnd.oai.openapi+json;version=3.0"
    api = client.get(desc["href"], headers=analyst).json()
    limit = api["components"]["parameters"]["limit"]["schema"]
    assert limit["maximum"] == 5000
    for cid in ("corridors", "flow-points", "hazards", "alerts", "observations"):  # where GDAL 3.8+ looks
        refs = [p["$ref"] for p in api["paths"][f"/collections/{cid}/items"]["get"]["parameters"]]
        assert "#/components/parameters/limit" in refs and "#/components/parameters/cursor" in refs


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL's ogrinfo (Debian gdal-bin) is not installed")
def test_gdal_reads_every_herd_in_large_pages_through_cursor_links(live_server, make_user, network):  # noqa: F811
    """The documented command (``-oo PAGE_SIZE=5000``; GDAL 3.8+ learns it from the service-desc)."""
    for k in range(3):
        add_observation(0.01 * k, 14.0, f"2025-11-02T08:0{k}:00+00:00", flow_point="FMP-1")
    _, token = make_user("analyst")
    env = {**os.environ, "GDAL_HTTP_HEADERS": f"Authorization: Bearer {token}", "CPL_DEBUG": "ON"}
    for page_size, pages in ((5000, 1), (2, 2)):
        result = subprocess.run(["ogrinfo", "-ro", "-al", "-oo", f"PAGE_SIZE={page_size}", f"OAPIF:{live_server}/ogc",
                                 "observations"], env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert result.stdout.count("OGRFeature(observations)") == 3
        fetched = [line for line in result.stderr.splitlines()
                   if "Fetch(" in line and "/collections/observations/items" in line]
        assert all(f"limit={page_size}" in line for line in fetched), result.stderr[-3000:]
        assert len({line for line in fetched if "cursor=" in line}) == pages - 1  # the rest through cursors
