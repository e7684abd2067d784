"""Edits of submitted records: ODK Collect, ODK Central and KoBo send an edited form as a new
instance whose ``meta/deprecatedID`` names the one it replaces (JSON clients: ``replaces``).

The current set (``observations``) keeps one version per herd: the edit is stored, the version
it replaces moves to ``observation_history`` (so statistics and rules drop it through the usual
paths: rollup triggers, rules queue), in the ingest transaction. A chain A -> B -> C ends with C
alone, whatever order the versions arrive in:
- an edit of a version already replaced replaces the current end of that chain;
- a version arriving after its own edit goes straight to the history;
- an edit naming an id this server does not hold (or one the sender may not change) is stored
  as a new count and flagged ``replaces_unknown`` for review (never silently dropped).
Resending any version is a duplicate (the history is checked before inserting).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from corridors.observations import repository as repo
from ttt.users import Principal

_MAX_CHAIN = 100


@dataclass
class EditPlan:
    """What a batch's edits will do: (replaced id, replacing id) pairs, and the new ids whose
    ``replaces`` names nothing this sender may change."""

    targets: list[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=list)
    unknown: set[uuid.UUID] = field(default_factory=set)


def _may_edit(v: repo.Version, who: Principal | None) -> bool:
    """The CLI (no principal), admins and analysts edit any count in their areas; others only
    their own."""
    if who is None:
        return True
    if who.role in ("admin", "analyst"):
        return not who.scopes or who.in_scope(v.adm2_pcode)
    return v.enumerator_id == who.id


def _current_end(session: Session, v: repo.Version) -> uuid.UUID | None:
    """The current version at the end of a replaced version's chain (None: it ends rejected)."""
    seen = {v.id}
    while not v.current:
        if v.replaced_by is None or v.replaced_by in seen or len(seen) > _MAX_CHAIN:
            return None
        seen.add(v.replaced_by)
        nxt = repo.versions(session, [v.replaced_by]).get(v.replaced_by)
        if nxt is None:
            return None
        v = nxt
    return v.id


def plan_edits(session: Session, pairs: Sequence[tuple[uuid.UUID, uuid.UUID | None]],
               who: Principal | None) -> EditPlan:
    """Decide, before inserting, what each (new id, replaces) of a batch replaces."""
    plan = EditPlan()
    wanted = [old for _, old in pairs if old is not None]
    if not wanted:
        return plan
    in_batch = {new for new, _ in pairs}
    known = repo.versions(session, wanted)
    taken: dict[uuid.UUID, uuid.UUID] = {}  # replaced -> the edit replacing it in this batch
    for new, old in pairs:
        if old is None:
            continue
        if old in in_batch:
            cur: uuid.UUID | None = old
        else:
            v = known.get(old)
            if v is None or not _may_edit(v, who):
                plan.unknown.add(new)
                continue
            cur = _current_end(session, v)
            if cur is None:  # its chain ends in a rejected version: nothing current to replace
                continue
        hops = 0
        while cur in taken and hops < _MAX_CHAIN:  # two edits of one version: the later wins
            cur, hops = taken[cur], hops + 1
        if cur == new:
            continue
        taken[cur] = new
        plan.targets.append((cur, new))
    return plan


def apply_edits(session: Session, plan: EditPlan, inserted: set[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    """After the insert: move replaced versions to the history; returns replacing -> replaced."""
    todo = [(old, new) for old, new in plan.targets if new in inserted]
    moved = repo.archive(session, [o for o, _ in todo], "replaced", [n for _, n in todo])
    done = {new: old for old, new in todo if old in moved}
    # versions that arrived after their own edit (offline phones send in any order)
    late = {old: new for old, new in repo.replacing(session, list(inserted)).items() if old not in moved}
    if late:
        repo.archive(session, list(late), "replaced", list(late.values()))
        repo.drop_flag(session, list(late.values()), "replaces_unknown")
    return done
