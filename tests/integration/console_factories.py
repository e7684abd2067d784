"""A two-country setting for console tests: a corridor, a flow point, counts and an alert in
Mali and in Burkina Faso."""

from __future__ import annotations

import datetime as dt
import uuid

from shapely.geometry import Point
from sqlalchemy import insert
from sqlalchemy.orm import Session

from corridors.geodata.models import Corridor, FlowPoint
from corridors.observations.models import Observation
from tests.integration.test_delivery_factories import make_alert

PLACES = {
    "ML": ("ML-C01", "Corridor de Mopti", "LINESTRING(-4.2 14.5, -4.0 13.5)", "ML-FP-1", "Boni", "ML05", (-4.1, 14.0)),
    "BF": ("BF-C01", "Corridor de Dori", "LINESTRING(-0.1 14.2, 0.2 13.2)", "BF-FP-1", "Seytenga", "BF56", (0.0, 13.8)),
}
SEEN = dt.datetime(2025, 10, 10, 9, tzinfo=dt.UTC)


def seed_two_countries(session: Session) -> dict:
    out: dict = {"alerts": {}, "animals": {}}
    for n, (country, (ccode, cname, line, fcode, fname, adm1, (lon, lat))) in enumerate(PLACES.items(), start=1):
        cid = session.execute(insert(Corridor).values(code=ccode, name=cname, geom=f"SRID=4326;{line}", countries=[country],
                                                      pcodes=[]).returning(Corridor.id)).scalar_one()
        fid = session.execute(insert(FlowPoint).values(code=fcode, name=fname, geom=f"SRID=4326;POINT({lon} {lat})",
                                                       corridor_id=cid, adm0_pcode=country, adm1_pcode=adm1)
                              .returning(FlowPoint.id)).scalar_one()
        cattle = 100 * n
        session.execute(insert(Observation).values(
            id=uuid.uuid4(), flow_point_id=fid, corridor_id=cid, observed_at=SEEN,
            geom=f"SRID=4326;POINT({lon} {lat})", movement="descent", source="api", content_hash="0" * 64, cattle=cattle))
        out["animals"][fcode] = cattle
        town = "Mopti" if country == "ML" else "Dori"
        alert = make_alert(session, created_at=SEEN, updated_at=SEEN, window_start=SEEN - dt.timedelta(hours=24),
                           window_end=SEEN, corridor_code=ccode, flow_point_code=fcode, pcodes=[country, adm1],
                           headline=f"Mass movement: {town} herds", headline_fr=f"Mouvement massif : troupeaux de {town}",
                           geometry=Point(lon, lat))
        out["alerts"][country] = alert.id
    session.commit()
    return out
