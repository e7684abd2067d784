"""Statistics API against real PostGIS: figures equal an independent computation over the
raw rows, exports load in libhxl, charts render, partners see only their P-code scope."""

from __future__ import annotations

import datetime as dt
import io
import random

import hxl
import pytest
from lxml import etree

from tests.integration.stats_factories import insert_observations, make_network, random_observation
from ttt.config import get_settings
from ttt.facts import SEASON_START_MD

SPECIES = ("cattle", "sheep", "goats", "camels", "donkeys", "horses", "other")
HERDERS = ("men", "women", "boys", "girls")
START = dt.datetime(2024, 10, 1, tzinfo=dt.UTC)


@pytest.fixture
def world(session):
    rnd = random.Random(2026)
    ids = make_network(session)
    rows = [random_observation(rnd, ids, START, 560) for _ in range(1500)]
    for i in range(0, len(rows), 500):
        insert_observations(session, rows[i:i + 500])
    session.commit()
    return ids, rows


def expected(rows, first, last, keep=lambda r: True, species=SPECIES, direction=None):
    """Independent reference over raw rows: loops, UTC days, settings' TLU factors."""
    factors = {k: round(v * 1000) for k, v in get_settings().tlu_factors.items()}
    out = {"observations": 0, "animals": dict.fromkeys(SPECIES, 0), "herders": dict.fromkeys(HERDERS, 0),
           "movement": {"descent": 0, "return": 0, "unknown": 0}}
    for r in rows:
        day = r["observed_at"].astimezone(dt.UTC).date()
        if not (first <= day <= last) or not keep(r) or (direction and r["movement"] != direction):
            continue
        out["observations"] += 1
        for s in species:
            out["animals"][s] += r[s]
            out["movement"][r["movement"]] += r[s]
        for g in HERDERS:
            out["herders"][g] += r[g]
    out["animals"]["total"] = sum(out["animals"][s] for s in SPECIES)
    out["herders"]["total"] = sum(out["herders"][g] for g in HERDERS)
    out["tlu"] = sum(factors.get(s, 0) * out["animals"][s] for s in SPECIES) / 1000
    return out


def figures(d):
    return {k: d[k] for k in ("observations", "animals", "tlu", "herders", "movement")}


D = dt.date


def test_corridor_series_and_totals_equal_raw_rows_exactly(world, client, make_user, auth):
    ids, rows = world
    h = auth(make_user("analyst")[1])
    r = client.get("/api/v1/stats/corridors/ML-C01", params={"from": "2025-10-01", "to": "2026-03-31", "interval": "month"}, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    on = lambda row: row["corridor_id"] == ids["ML-C01"]  # noqa: E731
    assert body["corridor"] == "ML-C01" and body["interval"] == "month" and body["seasons"] == ["2025-26"]
    assert figures(body["totals"]) == expected(rows, D(2025, 10, 1), D(2026, 3, 31), on)
    assert body["totals"]["animals"]["total"] > 0
    assert [p["period_start"] for p in body["series"]] == ["2025-10-01", "2025-11-01", "2025-12-01", "2026-01-01", "2026-02-01", "2026-03-01"]
    for p in body["series"]:
        first, last = D.fromisoformat(p["period_start"]), D.fromisoformat(p["period_end"])
        assert figures(p) == expected(rows, first, last, on), p["period_start"]


def test_compare_with_same_period_of_previous_season(world, client, make_user, auth):
    ids, rows = world
    h = auth(make_user("admin")[1])
    params = {"from": "2025-11-01", "to": "2026-02-28", "interval": "week", "compare": "previous", "species": "cattle,camels"}
    body = client.get("/api/v1/stats/corridors/ML-C02", params=params, headers=h).json()
    on = lambda row: row["corridor_id"] == ids["ML-C02"]  # noqa: E731
    cur = expected(rows, D(2025, 11, 1), D(2026, 2, 28), on, species=("cattle", "camels"))
    prev = expected(rows, D(2024, 11, 2), D(2025, 3, 1), on, species=("cattle", "camels"))  # 52 weeks earlier
    assert figures(body["totals"]) == cur
    assert (body["previous_season"]["from"], body["previous_season"]["to"]) == ("2024-11-02", "2025-03-01")
    assert figures(body["previous_season"]) == prev
    assert body["totals"]["animals"]["sheep"] == 0 and body["species"] == ["cattle", "camels"]
    base = prev["animals"]["total"]
    assert body["change"]["animals"]["total"] == {
        "absolute": cur["animals"]["total"] - base,
        "percent": round(100 * (cur["animals"]["total"] - base) / base, 1)}


def test_flow_point_area_and_direction_filters(world, client, make_user, auth):
    ids, rows = world
    h = auth(make_user("analyst")[1])
    season = {"from": "2024-08-01", "to": "2025-07-31", "interval": "season"}
    fp = client.get("/api/v1/stats/flow-points/FP-MOP-2", params={**season, "direction": "return"}, headers=h).json()
    assert fp["corridor"] == "ML-C01" and fp["series"][0]["period_start"] == "2024-08-01"
    assert figures(fp["totals"]) == expected(rows, D(2024, 8, 1), D(2025, 7, 31),
                                             lambda r: r["flow_point_id"] == ids["FP-MOP-2"], direction="return")
    mopti = client.get("/api/v1/stats/areas", params={**season, "pcode": "ml05"}, headers=h).json()
    assert mopti["area"] == "ML05" and mopti["flow_points"] == ["FP-MOP-1", "FP-MOP-2"]
    in_mopti = {ids["FP-MOP-1"], ids["FP-MOP-2"]}
    assert figures(mopti["totals"]) == expected(rows, D(2024, 8, 1), D(2025, 7, 31), lambda r: r["flow_point_id"] in in_mopti)
    mali = client.get("/api/v1/stats/areas", params={**season, "pcode": "ML"}, headers=h).json()
    assert figures(mali["totals"]) == expected(rows, D(2024, 8, 1), D(2025, 7, 31), lambda r: r["flow_point_id"] is not None)


def test_ranking_orders_corridors_and_pages(world, client, make_user, auth):
    ids, rows = world
    h = auth(make_user("analyst")[1])
    # partial months at both ends: whole months come from monthly rollups, the edges from daily ones
    params = {"from": "2025-10-15", "to": "2026-03-10", "compare": "previous"}
    body = client.get("/api/v1/stats/corridors", params=params, headers=h).json()
    assert body["total"] == 2 and body["next"] is None
    exp = {c: expected(rows, D(2025, 10, 15), D(2026, 3, 10), lambda r, c=c: r["corridor_id"] == ids[c]) for c in ("ML-C01", "ML-C02")}
    order = sorted(exp, key=lambda c: -exp[c]["animals"]["total"])
    assert [i["corridor"] for i in body["items"]] == order and [i["rank"] for i in body["items"]] == [1, 2]
    for item in body["items"]:
        assert figures(item) == exp[item["corridor"]]
        assert figures(item["previous_season"]) == expected(rows, D(2024, 10, 15), D(2025, 3, 10),
                                                            lambda r, c=item["corridor"]: r["corridor_id"] == ids[c])
    page = client.get("/api/v1/stats/corridors", params={**params, "limit": 1}, headers=h).json()
    assert [i["corridor"] for i in page["items"]] == order[:1] and "offset=1" in page["next"]
    second = client.get(page["next"], headers=h).json()
    assert [i["corridor"] for i in second["items"]] == order[1:]


def test_partner_sees_only_flow_points_inside_scope(world, client, make_user, auth):
    ids, rows = world
    gao = auth(make_user("partner", scopes=["ML07"])[1])
    season = {"from": "2024-10-01", "to": "2026-03-31"}
    r = client.get("/api/v1/stats/corridors/ML-C01", params=season, headers=gao)
    assert r.status_code == 403 and r.json()["error"] == "forbidden" and "ML07" in r.json()["detail"]
    assert client.get("/api/v1/stats/flow-points/FP-MOP-1", params=season, headers=gao).status_code == 403
    own = client.get("/api/v1/stats/corridors/ML-C02", params=season, headers=gao).json()
    assert own["restricted_to_scope"] is True
    assert figures(own["totals"]) == expected(rows, D(2024, 10, 1), D(2026, 3, 31), lambda r: r["flow_point_id"] == ids["FP-GAO-1"])
    area = client.get("/api/v1/stats/areas", params={**season, "pcode": "ML"}, headers=gao).json()
    assert area["flow_points"] == ["FP-GAO-1"]
    ranking = client.get("/api/v1/stats/corridors", params=season, headers=gao).json()
    assert [i["corridor"] for i in ranking["items"]] == ["ML-C02"]
    # a partner scoped to one cercle sees one of the two points of ML-C01
    cercle = auth(make_user("partner", scopes=["ML0501"])[1])
    part = client.get("/api/v1/stats/corridors/ML-C01", params=season, headers=cercle).json()
    assert figures(part["totals"]) == expected(rows, D(2024, 10, 1), D(2026, 3, 31), lambda r: r["flow_point_id"] == ids["FP-MOP-1"])
    enumerator = auth(make_user("enumerator")[1])
    assert client.get("/api/v1/stats/corridors", headers=enumerator).status_code == 403


def test_csv_export_loads_in_libhxl_and_matches_json(world, client, make_user, auth):
    h = auth(make_user("analyst")[1])
    params = {"from": "2025-10-01", "to": "2026-03-31", "interval": "month", "compare": "previous"}
    js = client.get("/api/v1/stats/corridors/ML-C01", params=params, headers=h).json()
    r = client.get("/api/v1/stats/corridors/ML-C01", params={**params, "format": "csv"}, headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="ttt-stats-corridor-ML-C01-2025-10-01-2026-03-31-month.csv"' in r.headers["content-disposition"]
    data = hxl.data(io.BytesIO(r.content))
    tags = {(c.tag, frozenset(c.attributes)) for c in data.columns}
    assert ("#date", frozenset({"start"})) in tags and ("#indicator", frozenset({"num", "cattle"})) in tags
    assert ("#x_tlu", frozenset({"num"})) in tags and ("#loc", frozenset({"corridor", "code"})) in tags
    assert ("#indicator", frozenset({"num", "total", "previous"})) in tags
    rows = list(data)
    assert [row.get("#date+start") for row in rows] == [p["period_start"] for p in js["series"]]
    assert [int(row.get("#indicator+num+cattle")) for row in rows] == [p["animals"]["cattle"] for p in js["series"]]
    assert [float(row.get("#x_tlu")) for row in rows] == [p["tlu"] for p in js["series"]]
    ranking = client.get("/api/v1/stats/corridors", params={"from": "2025-10-01", "to": "2026-03-31", "format": "csv"}, headers=h)
    assert [row.get("#loc+corridor+code") for row in hxl.data(io.BytesIO(ranking.content))] == \
        [i["corridor"] for i in client.get("/api/v1/stats/corridors", params={"from": "2025-10-01", "to": "2026-03-31"}, headers=h).json()["items"]]


def test_charts_render_as_png_and_svg(world, client, make_user, auth):
    h = auth(make_user("analyst")[1])
    params = {"from": "2025-10-01", "to": "2026-03-31", "interval": "week", "compare": "previous"}
    png = client.get("/api/v1/stats/flow-points/FP-GAO-1", params={**params, "format": "png"}, headers=h)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png.content[16:20], "big") == 1600
    svg = client.get("/api/v1/stats/areas", params={**params, "pcode": "ML05", "format": "svg"}, headers=h)
    assert svg.headers["content-type"].startswith("image/svg+xml")
    text = " ".join(etree.fromstring(svg.content).itertext())
    assert "Area ML05" in text and "animals (head)" in text and "previous season" in text


def test_bad_requests_name_the_parameter(world, client, make_user, auth):
    h = auth(make_user("analyst")[1])
    r = client.get("/api/v1/stats/corridors/NOPE", headers=h)
    assert r.status_code == 404 and r.json()["error"] == "not_found" and "NOPE" in r.json()["detail"]
    r = client.get("/api/v1/stats/corridors/ML-C01", params={"from": "2026-01-02", "to": "2026-01-01"}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "to"
    r = client.get("/api/v1/stats/corridors/ML-C01", params={"species": "cattle,yaks"}, headers=h)
    assert r.status_code == 422 and "yaks" in r.json()["detail"][0]["message"]
    r = client.get("/api/v1/stats/corridors/ML-C01", params={"interval": "fortnight"}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["field"].endswith("interval")
    r = client.get("/api/v1/stats/areas", params={"pcode": "12%"}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "pcode"
    assert client.get("/api/v1/stats/areas", params={"pcode": "NE"}, headers=h).status_code == 404
    r = client.get("/api/v1/stats/corridors/ML-C01", params={"from": "2000-01-01", "to": "2026-01-01", "interval": "day"}, headers=h)
    assert r.status_code == 422 and "use a longer interval" in r.json()["detail"][0]["message"]
    r = client.get("/api/v1/stats/corridors/ML-C01", params={"from": "0001-01-01", "to": "9999-12-31"}, headers=h)
    assert r.status_code == 422 and {p["field"] for p in r.json()["detail"]} == {"from", "to"}
    assert client.get("/api/v1/stats/corridors").status_code == 401


def test_default_range_is_the_current_season_to_today(world, client, make_user, auth):
    h = auth(make_user("analyst")[1])
    body = client.get("/api/v1/stats/corridors/ML-C01", headers=h).json()
    today = dt.datetime.now(dt.UTC).date()
    assert body["to"] == today.isoformat()
    month, day = SEASON_START_MD
    start = D(today.year if (today.month, today.day) >= (month, day) else today.year - 1, month, day)
    assert body["from"] == start.isoformat()
