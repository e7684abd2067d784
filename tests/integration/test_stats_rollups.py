"""The daily rollups must always equal aggregating the raw observations, whatever ingestion
does: batches of new rows, re-sent duplicates, corrections, deletions, truncation."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import pytest
from sqlalchemy import text

from corridors.stats import repository
from corridors.stats.tlu import HERDER_GROUPS, SPECIES
from tests.integration.stats_factories import (
    delete_observations,
    insert_observations,
    make_network,
    random_observation,
    update_observations,
)

START = dt.datetime(2025, 12, 20, tzinfo=dt.UTC)
COLUMNS = ("observations", *SPECIES, *HERDER_GROUPS)


def expected_rollups(table: dict, monthly: bool = False) -> dict:
    """Independent reference: Python dictionaries over what the table should hold."""
    out: dict = defaultdict(lambda: [0] * len(COLUMNS))
    for row in table.values():
        day = row["observed_at"].astimezone(dt.UTC).date()
        key = (day.replace(day=1) if monthly else day, row["flow_point_id"] or 0, row["corridor_id"] or 0, row["movement"])
        acc = out[key]
        acc[0] += 1
        for i, c in enumerate(COLUMNS[1:], start=1):
            acc[i] += row[c]
    return {k: tuple(v) for k, v in out.items()}


def actual_rollups(session, monthly: bool = False) -> dict:
    period, table = ("month", "monthly_rollups") if monthly else ("day", "daily_rollups")
    rows = session.execute(text(f"SELECT {period}, flow_point_id, corridor_id, movement, {', '.join(COLUMNS)} FROM {table}"))
    return {tuple(r[:4]): tuple(r[4:]) for r in rows}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollups_follow_random_batches_of_inserts_duplicates_corrections_and_deletes(session, seed):
    rnd = random.Random(seed)
    ids = make_network(session)
    table: dict = {}
    for batch in range(12):
        op = rnd.choice(["insert", "insert", "duplicates", "correct", "delete"]) if table else "insert"
        if op == "insert":
            rows = [random_observation(rnd, ids, START, 20) for _ in range(rnd.randrange(1, 60))]
            insert_observations(session, rows)
            table.update({r["id"]: r for r in rows})
        elif op == "duplicates":
            # a phone re-sends part of a batch (some with edited counts: still ignored) plus new rows
            resent = [dict(table[i]) for i in rnd.sample(sorted(table), min(len(table), 10))]
            for r in resent[::2]:
                r["cattle"] += 1000
            new = [random_observation(rnd, ids, START, 20) for _ in range(5)]
            insert_observations(session, resent + new)
            table.update({r["id"]: r for r in new})
        elif op == "correct":
            changes = {}
            for oid in rnd.sample(sorted(table), min(len(table), 8)):
                fresh = random_observation(rnd, ids, START, 20)
                values = {k: fresh[k] for k in rnd.sample(["cattle", "goats", "men", "movement", "observed_at", "flow_point_id"], 3)}
                changes[oid] = values
                table[oid] = {**table[oid], **values}
            update_observations(session, changes)
        else:
            gone = rnd.sample(sorted(table), min(len(table), 6))
            delete_observations(session, gone)
            for oid in gone:
                del table[oid]
        if rnd.random() < 0.5:
            session.commit()
        assert actual_rollups(session) == expected_rollups(table), f"batch {batch} ({op})"
        assert actual_rollups(session, monthly=True) == expected_rollups(table, monthly=True), f"batch {batch} ({op})"
        assert repository.rollup_drift(session) == []
    session.commit()
    # no rollup row is left at zero after corrections and deletions moved counts away
    for t in ("daily_rollups", "monthly_rollups"):
        assert session.execute(text(f"SELECT count(*) FROM {t} WHERE observations <= 0")).scalar() == 0


def test_rolled_back_ingestion_leaves_rollups_untouched(session):
    rnd = random.Random(9)
    ids = make_network(session)
    insert_observations(session, [random_observation(rnd, ids, START, 5) for _ in range(10)])
    session.commit()
    before = actual_rollups(session)
    insert_observations(session, [random_observation(rnd, ids, START, 5) for _ in range(10)])
    session.rollback()
    assert actual_rollups(session) == before


def test_days_are_cut_in_utc(session):
    ids = make_network(session)
    rnd = random.Random(4)
    row = random_observation(rnd, ids, START, 1)
    # half past midnight in Niamey (UTC+1) on New Year's day is still 31 December in UTC
    row.update(observed_at=dt.datetime(2026, 1, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))), cattle=7)
    insert_observations(session, [row])
    session.commit()
    assert session.execute(text("SELECT day FROM daily_rollups")).scalar_one() == dt.date(2025, 12, 31)


def test_truncate_and_rebuild(session):
    ids = make_network(session)
    rnd = random.Random(5)
    table = {r["id"]: r for r in (random_observation(rnd, ids, START, 10) for _ in range(50))}
    insert_observations(session, list(table.values()))
    session.commit()
    session.execute(text("UPDATE daily_rollups SET cattle = cattle + 1"))  # simulate damage
    session.execute(text("DELETE FROM monthly_rollups WHERE ctid = (SELECT min(ctid) FROM monthly_rollups)"))
    drift = repository.rollup_drift(session)
    assert {d[1] for d in drift} == {"daily_rollups", "monthly_rollups"}
    repository.rebuild_rollups(session)
    session.commit()
    assert actual_rollups(session) == expected_rollups(table)
    assert actual_rollups(session, monthly=True) == expected_rollups(table, monthly=True)
    session.execute(text("TRUNCATE observations CASCADE"))
    session.commit()
    assert actual_rollups(session) == {} and actual_rollups(session, monthly=True) == {}


def test_parallel_ingestion_to_the_same_points_and_days_keeps_rollups_exact(session, engine):
    """Phones syncing at once hit the same rollup rows: no deadlock, no lost update."""
    from concurrent.futures import ThreadPoolExecutor

    from ttt.db import session_factory

    ids = make_network(session)

    def sync(worker: int) -> int:
        rnd = random.Random(100 + worker)
        s = session_factory()()
        try:
            for _ in range(8):
                # reversed key order in half the workers: the ordered upsert must still not deadlock
                rows = [random_observation(rnd, ids, START, 2) for _ in range(40)]
                rows.sort(key=lambda r: r["observed_at"], reverse=worker % 2 == 1)
                insert_observations(s, rows)
                s.commit()
            return 8 * 40
        finally:
            s.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        inserted = sum(pool.map(sync, range(4)))
    assert session.execute(text("SELECT sum(observations) FROM daily_rollups")).scalar() == inserted
    assert session.execute(text("SELECT sum(observations) FROM monthly_rollups")).scalar() == inserted
    assert repository.rollup_drift(session) == []
