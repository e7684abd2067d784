"""The `ttt` command as an operator uses it: users add/list/revoke and db current."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ttt.config import get_settings

TTT = str(Path(sys.executable).with_name("ttt"))


def _ttt(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TTT_DATABASE_URL": get_settings().database_url}
    return subprocess.run([TTT, *args], capture_output=True, text=True, env=env, timeout=120)


def test_users_add_prints_the_token_last_and_it_works_until_revoked(client, auth):
    added = _ttt("users", "add", "fieldteam1", "--role", "enumerator", "--scope", "ml05")
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip().splitlines()[-1]
    me = client.get("/api/v1/me", headers=auth(token))
    assert me.status_code == 200 and me.json() == {"name": "fieldteam1", "role": "enumerator", "scopes": ["ML05"]}

    listed = _ttt("users", "list")
    assert listed.returncode == 0 and "fieldteam1" in listed.stderr + listed.stdout

    again = _ttt("users", "add", "fieldteam1", "--role", "enumerator")
    assert again.returncode == 1 and "already exists" in again.stderr

    assert _ttt("users", "revoke", "fieldteam1").returncode == 0
    assert client.get("/api/v1/me", headers=auth(token)).status_code == 401


def test_a_bad_role_is_refused_with_the_allowed_ones(engine):
    bad = _ttt("users", "add", "x1", "--role", "king")
    assert bad.returncode == 1 and "admin" in bad.stderr and "partner" in bad.stderr


def test_db_current_is_head(engine):
    from alembic.script import ScriptDirectory

    from ttt.migrate import alembic_config

    head = ScriptDirectory.from_config(alembic_config(get_settings().sync_database_url)).get_current_head()
    out = _ttt("db", "current")
    assert out.returncode == 0 and out.stdout.strip() == head
