"""Conflict events from an ACLED feed as event alerts awaiting verification.

A feed of kind ``acled_csv`` with ``options.event_alerts`` true raises, besides its conflict
hazard, one event alert (``conflict``) per kept event while the hazard lasts: recorded with
verification ``new``, so staff confirm or dismiss it like a key informant's report (and it is
held from recipients when the rules file's lifecycle says events wait for confirmation).
One alert per event: its key is the feed and the event's own id, so re-pulls add nothing.
"""

from __future__ import annotations

from datetime import datetime

from geoalchemy2.shape import to_shape
from sqlalchemy.orm import Session

from alerts.alerts import repository as repo
from alerts.alerts.service import EVENT_SUPPRESS_HOURS, record_findings
from alerts.rules.model import Evidence, Finding
from corridors.observations.repository import admin_pcodes_at

REPORTER = "hazard feed"


def raise_feed_events(session: Session, now: datetime) -> list[int]:
    """Event alerts for new conflict events of the feeds that ask for them; returns their ids."""
    pending = repo.feed_events_without_alert(session, now)
    if not pending:
        return []
    findings, pcodes = [], {}
    for h, feed_name in pending:
        area = to_shape(h.geom)
        c = area.centroid
        key = f"feed:{h.feed_id}|{h.source_id}"
        pcodes[key] = [p for p in admin_pcodes_at(session, [c.x], [c.y]) if p]
        headline = (h.description or "Conflict event").split(". Picked out by", 1)[0]
        findings.append(Finding(
            rule="event:conflict", type="event", severity=h.severity, corridor=None, flow_point=None,
            window_start=h.starts_at, window_end=h.starts_at,
            headline={"en": f"Reported by {feed_name}: {headline}",
                      "fr": f"Signalé par {feed_name} : {headline} (à vérifier)"},
            dedup_key=key, place=f"cell:{round(c.y, 1):.1f},{round(c.x, 1):.1f}",
            evidence=Evidence(rule="event:conflict", rule_version="feed", observed={"reports": 1}, baseline=None,
                              threshold=None, observations=(h.source_id,),
                              details={"reported_by": feed_name, "reporter_role": REPORTER, "hazard": str(h.id),
                                       "description": h.description or ""}),
            geometry=area, suppress_hours=EVENT_SUPPRESS_HOURS,
        ))
    created, _ = record_findings(session, findings, lambda f: pcodes.get(f.dedup_key, []), now=now,
                                 created_by=REPORTER, created_label=REPORTER,
                                 extra=lambda f: {"event_kind": "conflict"})
    return [a.id for a in created]
