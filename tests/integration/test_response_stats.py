"""GET /api/v1/stats/response equals the figures worked out by hand over seeded alerts."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from tests.integration.test_delivery_factories import make_alert

T = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def seed(session):
    def alert(day, ack=None, verified=None, resolved=None, **kw):
        created = T + timedelta(days=day)
        h = lambda x: None if x is None else created + timedelta(hours=x)  # noqa: E731
        return make_alert(session, created_at=created, updated_at=created, acknowledged_at=h(ack),
                          verified_at=h(verified), resolved_at=h(resolved), **kw)

    a1 = alert(0, ack=1, verified=2, resolved=10, status="resolved", resolved_by="rbm", verification="confirmed",
               outcome={"mode": "mediation", "killed": 1, "injured": 3, "displaced": 10, "animals_lost": 5,
                        "crop_damage_ha": 2.5})
    alert(1, ack=3, verified=4, resolved=20, status="resolved", resolved_by="prefet", verification="confirmed",
          outcome={"mode": "rerouting", "injured": 1})
    alert(8, verified=6, verification="dismissed")
    alert(10, ack=5, status="acknowledged")
    alert(18, resolved=48, status="resolved", resolved_by="ttt")  # closed by the service
    alert(29, ack=7, resolved=30, status="resolved", resolved_by="rbm", reopened_from=a1.id,
          outcome={"mode": "mediation", "crop_damage_ha": 1.0})
    alert(3, ack=1, pcodes=["BF52"], flow_point_code=None, corridor_code="BF-C1")  # Burkina
    alert(4, ack=2, type="hazard")
    session.commit()


def test_response_figures_equal_a_hand_computation(client, session, make_user, auth):
    seed(session)
    admin = auth(make_user("admin")[1])
    r = client.get("/api/v1/stats/response", headers=admin,
                   params={"from": "2026-11-01", "to": "2026-12-31", "interval": "month", "type": "mass", "pcode": "ML"})
    assert r.status_code == 200, r.text
    body = r.json()
    nov, dec = body["periods"]
    assert nov["period_start"] == "2026-11-01" and dec["period_start"] == "2026-12-01"
    assert nov["alerts"] == 5
    assert nov["by_status"] == {"open": 1, "acknowledged": 1, "resolved": 2, "closed": 1}
    assert nov["by_verification"] == {"new": 2, "verifying": 0, "confirmed": 2, "dismissed": 1}
    # acknowledged after 1, 3, 5 h; verdicts after 2, 4, 6 h; resolved by people after 10, 20 h
    assert nov["hours_to"] == {"acknowledge": {"median": 3.0, "p90": 4.6, "n": 3},
                               "verify": {"median": 4.0, "p90": 5.6, "n": 3},
                               "resolve": {"median": 15.0, "p90": 19.0, "n": 2}}
    assert nov["outcomes"]["mediation"] == 1 and nov["outcomes"]["rerouting"] == 1 and sum(nov["outcomes"].values()) == 2
    assert nov["casualties"] == {"killed": 1, "injured": 4, "displaced": 10, "animals_lost": 5, "crop_damage_ha": 2.5}
    assert nov["never_acknowledged"] == 0.25  # 1 of the 4 not dismissed
    assert dec["alerts"] == 1 and dec["reopened"] == 1 and dec["never_acknowledged"] == 0.0
    total = body["total"]
    assert total["alerts"] == 6 and total["reopened"] == 1
    assert total["hours_to"]["acknowledge"] == {"median": 4.0, "p90": 6.4, "n": 4}
    assert total["hours_to"]["resolve"] == {"median": 20.0, "p90": 28.0, "n": 3}
    assert total["outcomes"]["mediation"] == 2 and total["casualties"]["crop_damage_ha"] == 3.5
    assert total["never_acknowledged"] == 0.2

    # CSV: a header row, an HXL hashtag row, one row per period and the total
    r = client.get("/api/v1/stats/response", headers=admin, params={
        "from": "2026-11-01", "to": "2026-12-31", "type": "mass", "pcode": "ML", "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0][:2] == ["Period start", "Alerts"] and rows[1][:2] == ["#date+start", "#x_alerts+num"]
    assert "#affected+killed+num" in rows[1] and "#x_hours+acknowledge+median" in rows[1]
    table = [dict(zip(rows[1], row, strict=True)) for row in rows[2:]]
    assert [t["#date+start"] for t in table] == ["2026-11-01", "2026-12-01", "total"]
    assert table[0]["#x_hours+acknowledge+p90"] == "4.6" and table[2]["#x_alerts+pct+never_acknowledged"] == "0.2"

    # scoped like every statistic: a partner for Burkina sees Burkina's alert only
    bf = auth(make_user("partner", scopes=["BF"])[1])
    r = client.get("/api/v1/stats/response", headers=bf, params={"from": "2026-11-01", "to": "2026-12-31"})
    assert r.json()["total"]["alerts"] == 1
    assert client.get("/api/v1/stats/response", headers=admin, params={"type": "nope"}).status_code == 422
    enum = auth(make_user("enumerator")[1])
    assert client.get("/api/v1/stats/response", headers=enum).status_code == 403
