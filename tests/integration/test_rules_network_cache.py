"""The rules reuse the network they built while the geodata is unchanged, and rebuild it after
any change, whichever way it was made (ORM, API or plain SQL)."""

from __future__ import annotations

from sqlalchemy import text

from alerts.alerts import repository as repo
from ttt.demo import seed_demo


def test_network_is_reused_until_the_geodata_changes(session):
    seed_demo(scale=0.05)
    first = repo.load_network(session)
    assert repo.load_network(session) is first  # nothing changed: the same object

    code = first.corridors[0].code
    session.execute(text("UPDATE corridors SET status = 'closed' WHERE code = :c"), {"c": code})
    closed = repo.load_network(session)
    assert closed is not first
    assert next(c for c in closed.corridors if c.code == code).status == "closed"

    session.rollback()  # the change is gone again: so is the network that had it
    again = repo.load_network(session)
    assert next(c for c in again.corridors if c.code == code).status == first.corridors[0].status

    session.execute(text("DELETE FROM hazards WHERE id = (SELECT min(id) FROM hazards)"))
    assert len(repo.load_network(session).hazards) == len(first.hazards) - 1
