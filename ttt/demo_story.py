"""After the demo season is seeded: what happens to alerts, so the demo shows every state.

The rules run over the two seasons (their alerts are about past events: recorded, marked
late, closed once the situation ended). Then key informants report events today, and staff
and partners act on them through the same services the API uses: one report waits for
verification, one is being verified, one is corroborated by a second informant, confirmed,
acknowledged and resolved with its outcome, then reopened by a worse report; one is
dismissed as a false alarm; one is confirmed and acknowledged, still open. Re-running adds
nothing (the demo informants' reports carry fixed ids).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from alerts.alerts import service
from alerts.alerts.lifecycle import tick
from alerts.alerts.models import Alert
from alerts.engine import evaluate_now
from ttt.db import session_scope
from ttt.users import Principal, User, create_user

INFORMANTS = ("demo-informant-konna", "demo-informant-sio")


def _user(session, name: str, role: str) -> Principal:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        user, _token = create_user(session, name, role)
    return Principal(user.id, user.name, user.role, tuple(user.scopes or ()))


def play_story(now: datetime | None = None) -> dict[str, int]:
    """Evaluate the rules, then play the events; returns alerts by state (status/verification)."""
    now = now or datetime.now(UTC)
    with session_scope() as s:
        evaluate_now(s, now=now)
    with session_scope() as s:
        if s.scalar(select(func.count()).select_from(Alert).where(Alert.created_by.in_(INFORMANTS))):
            return _states(s)
        tick(s, now + timedelta(days=4))  # the seasons' alerts are history: closed as they will be in days
        konna, sio = (_user(s, n, "enumerator") for n in INFORMANTS)
        analyst, partner = _user(s, "demo-analyst", "analyst"), _user(s, "demo-partner", "partner")

        def report(who, rid, kind, fp, hours_ago, **kw):
            body = {"id": rid, "event_kind": kind, "flow_point": fp,
                    "occurred_at": (now - timedelta(hours=hours_ago)).isoformat(), **kw}
            return service.report_event(s, who, body, now=now)[0]

        report(konna, "demo-report-1", "conflict", "ML05-FMP-01", 2, severity="severe",
               description="dispute between herders and farmers at the well")  # new: waits for verification
        checking = report(sio, "demo-report-2", "cattle_rustling", "ML05-FMP-02", 5)
        service.verify(s, analyst, checking.id, "verifying", "calling the village chief")
        crops = report(konna, "demo-report-3", "crop_destruction", "ML05-FMP-03", 30, description="millet fields")
        report(sio, "demo-report-4", "crop_destruction", "ML05-FMP-03", 29)  # corroborates it
        service.verify(s, analyst, crops.id, "confirmed", "two informants, photos")
        service.acknowledge(s, partner, crops.id, "mediation committee called")
        service.resolve(s, partner, crops.id, {"mode": "mediation", "killed": 0, "injured": 1, "crop_damage_ha": 2.5,
                                               "reprisal_risk": False, "acted_by": "comité de médiation de Konna",
                                               "note": "herders paid for the damage"})
        report(konna, "demo-report-5", "crop_destruction", "ML05-FMP-03", 20, severity="extreme")  # reopened
        rumour = report(sio, "demo-report-6", "bushfire", "ML05-FMP-06", 4)
        service.verify(s, analyst, rumour.id, "dismissed", "a controlled burn, not a bushfire")
        open_one = report(konna, "demo-report-7", "non_use_of_corridor", "ML04-FMP-01", 6)
        service.verify(s, analyst, open_one.id, "confirmed", None)
        service.acknowledge(s, partner, open_one.id, "pastoral association informed")
        return _states(s)


def _states(session) -> dict[str, int]:
    rows = session.execute(select(Alert.status, Alert.verification, Alert.resolved_by, Alert.reopened_from)).all()
    out: Counter[str] = Counter()
    for status, verification, resolved_by, reopened_from in rows:
        closed = status == "resolved" and (resolved_by or "").split(" ")[0] == "ttt"
        out["closed" if closed else status] += 1
        out[verification] += 1
        out["reopened"] += reopened_from is not None
    return dict(out)
