"""Review of counted herds by data managers: received -> flagged / approved / rejected.

A rejected herd leaves the current set (moved to observation_history, so statistics and rules
drop it through the usual paths); approving or re-flagging it brings it back (queued for the
rules again). A version replaced by an edit is not reviewed: its current version is.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from corridors.observations import repository as repo
from corridors.observations.service import list_observations
from ttt.errors import Conflict, NotFound, ValidationFailed
from ttt.users import Principal

REVIEW_STATES = ("received", "flagged", "approved", "rejected")
REVIEWERS = ("admin", "analyst")


def _find(session: Session, user: Principal, observation_id: uuid.UUID, review: str | None = None
          ) -> dict[str, Any] | None:
    """The observation as this user may see it (scopes, location policy), or None."""
    rows, _ = list_observations(session, user, repo.ListFilter(id=observation_id, review=review, limit=1))
    return rows[0] if rows else None


def review(session: Session, user: Principal, observation_id: uuid.UUID, state: str, note: str | None) -> dict[str, Any]:
    """Set the review state of one observation; returns it as listed."""
    if state not in REVIEW_STATES:
        raise ValidationFailed([{"field": "review", "message": f"expected one of {', '.join(REVIEW_STATES)}, got {state!r}"}])
    current = _find(session, user, observation_id)
    rejected = None if current is not None else _find(session, user, observation_id, "rejected")
    row = current or rejected
    if row is None:
        v = repo.versions(session, [observation_id]).get(observation_id)
        if v is not None and v.replaced_by is not None and (not user.scopes or user.role == "admin"):
            raise Conflict(f"this count was replaced by an edit ({v.replaced_by}); review the current version")
        raise NotFound(f"no observation {observation_id}")
    if rejected is not None and state != "rejected":
        repo.restore(session, observation_id)
    if state == "rejected":
        if current is not None:  # who rejected it and why travel with the archived row
            repo.set_review(session, observation_id, current["review"], user.id, note)
            repo.archive(session, [observation_id], "rejected", user_id=user.id)
        return _find(session, user, observation_id, "rejected")
    repo.set_review(session, observation_id, state, user.id, note)
    return _find(session, user, observation_id)


def history(session: Session, user: Principal, observation_id: uuid.UUID) -> dict[str, Any]:
    """Earlier versions of a count the user may see (current or rejected), oldest first."""
    if _find(session, user, observation_id) is None and _find(session, user, observation_id, "rejected") is None:
        raise NotFound(f"no observation {observation_id} in your areas (for an earlier version, ask for the current one)")
    return {"id": str(observation_id), "versions": repo.version_history(session, observation_id)}
