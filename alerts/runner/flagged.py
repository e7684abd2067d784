"""Mark, in each finding's evidence, the counts a data manager has not trusted yet.

Flagged herds still count (a rule does not wait for review); the evidence names them, with
their flags, so whoever reads the alert knows which numbers stand on doubtful records.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from alerts.rules.model import Finding
from corridors.observations.repository import flagged_among


def mark_flagged(session: Session, findings: list[Finding]) -> None:
    ids = sorted({str(i) for f in findings for i in f.evidence.observations})
    flagged = flagged_among(session, ids)
    if not flagged:
        return
    for f in findings:
        marked = [{"id": str(i), "flags": flagged[str(i)]} for i in f.evidence.observations if str(i) in flagged]
        if marked:
            f.evidence.details["flagged_observations"] = marked  # type: ignore[index]
