"""Fault-test harness: a throw-away PostgreSQL cluster and a real uvicorn process.

The shared PostgreSQL on :5432 serves every other test run and must never be stopped, so
tests that restart the database get their own cluster (initdb in a temp dir, a free port,
PostGIS from the system) and tests that SIGKILL the API get their own uvicorn process.
Everything is torn down (cluster stopped, directory removed, process killed) even when a
test fails.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg


def _find_pg_bin() -> Path:
    """TTT_PG_BIN, else the newest /usr/lib/postgresql/<v>/bin whose version has PostGIS installed."""
    if os.environ.get("TTT_PG_BIN"):
        return Path(os.environ["TTT_PG_BIN"])
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0, reverse=True)
    for b in candidates:
        if (b / "initdb").exists() and Path(f"/usr/share/postgresql/{b.parent.name}/extension/postgis.control").exists():
            return b
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip()
        if out:
            return Path(out)
    return Path("/usr/lib/postgresql/15/bin")


PG_BIN = _find_pg_bin()
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def why_no_cluster() -> str | None:
    """None when a private cluster can be started here, else the reason (for pytest.skip)."""
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists():
        return f"PostgreSQL server binaries not found in {PG_BIN} (set TTT_PG_BIN)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser: initdb refuses root"
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' OS user to run initdb as"
    return None


class PgCluster:
    """A private PostgreSQL cluster: ``start()``, ``stop(mode)``, ``url(db)``, ``destroy()``."""

    def __init__(self, standby_of: PgCluster | None = None) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="ttt-fault-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self._as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        if standby_of is None:
            self._run([str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                       "--no-sync"])
        else:  # a streaming replica: a base backup of the running primary, recovery settings written (-R)
            self._run([str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(standby_of.port), "-U", "postgres",
                       "-D", str(self.data), "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"])

    def _run(self, cmd: list[str]) -> None:
        res = subprocess.run(self._as_pg + cmd, capture_output=True, text=True, timeout=120)
        if res.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed: {res.stdout}\n{res.stderr}")

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=50"
        self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "-t", "60",
                   "-o", opts, "start"])

    def stop(self, mode: str = "fast") -> None:
        self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop"])

    def running(self) -> bool:
        res = subprocess.run(self._as_pg + [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "status"],
                             capture_output=True, timeout=30)
        return res.returncode == 0

    def url(self, db: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{db}"

    def libpq(self, db: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def destroy(self) -> None:
        try:
            if self.data.exists() and self.running():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def busy_backends(self, db: str) -> int:
        """Backends of ``db`` inside a transaction right now (a request mid-write)."""
        with psycopg.connect(self.libpq(), autocommit=True, connect_timeout=5) as conn:
            return conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND xact_start IS NOT NULL "
                "AND pid <> pg_backend_pid() AND query ILIKE '%%observations%%'", (db,)).fetchone()[0]


class ApiProcess:
    """``uvicorn ttt.api.app:create_app`` in its own process group, against ``database_url``."""

    def __init__(self, database_url: str, extra_env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "TTT_DATABASE_URL": database_url, "TTT_ENVIRONMENT": "test",
                    "TTT_SECRET_KEY": "fault-test-secret-key-0123456789abcdef", "TTT_RATE_LIMIT_PER_MIN": "0",
                    "TTT_LOG_LEVEL": "WARNING", **(extra_env or {})}
        self.proc: subprocess.Popen | None = None
        self.log = tempfile.NamedTemporaryFile(prefix="ttt-fault-api-", suffix=".log", delete=False)  # noqa: SIM115

    def start(self, timeout: float = 60) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "ttt.api.app:create_app", "--factory", "--host", "127.0.0.1",
             "--port", str(self.port), "--log-level", "warning"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {self.proc.returncode}: {self.output()}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(self.base + "/health", timeout=2).status_code in (200, 503):
                    return
            time.sleep(0.2)
        raise RuntimeError(f"uvicorn did not answer within {timeout} s: {self.output()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no rollback, no goodbye."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-4000:]

    def close(self) -> None:
        self.kill()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


def wait_until(predicate, timeout: float, step: float = 0.05) -> bool:
    """Poll ``predicate`` until true or ``timeout`` seconds pass (synchronisation, not an assert)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):  # the thing polled may be restarting
            if predicate():
                return True
        time.sleep(step)
    return False


@contextlib.contextmanager
def migrated_cluster(database: str):
    """A throw-away cluster holding one migrated database, destroyed afterwards; the test is
    skipped (with the reason) where no private cluster can be started."""
    import pytest

    from ttt.migrate import ensure_database, upgrade

    reason = why_no_cluster()
    if reason:
        pytest.skip(f"no private PostgreSQL cluster possible: {reason}")
    c = PgCluster()
    try:
        c.start()
        ensure_database(c.url(database))
        upgrade(c.url(database), "head")
        yield c
    finally:
        c.destroy()
