"""The service as a user runs it: ``ttt serve`` (uvicorn) and ``ttt scheduler`` in their own
processes, on a free local port, with the bench database in their environment.

Peak memory is read from the kernel (``VmHWM`` in ``/proc/<pid>/status``: the high-water mark
of resident memory over the whole life of the process), so no short spike is missed by
sampling.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ttt_command() -> list[str]:
    script = Path(sys.executable).with_name("ttt")
    if script.exists():
        return [sys.executable, str(script)]
    return [sys.executable, "-c", "from ttt.cli import main; main()"]


def peak_rss_mb(pid: int) -> float | None:
    """Peak resident set size (VmHWM) of a live process and its children, in MB."""
    peaks = []
    for p in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        except OSError:
            continue
    return max(peaks) if peaks else None


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class Service:
    """One long-running ttt process; a context manager that stops it (SIGTERM, then SIGKILL)."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path):
        self.args, self.env, self.log_path = args, env, log
        self.proc: subprocess.Popen | None = None
        self.peak_mb: float | None = None

    def start(self) -> Service:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(_ttt_command() + self.args, env=self.env, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def sample_peak(self) -> float | None:
        if self.alive():
            now = peak_rss_mb(self.pid)
            if now is not None:
                self.peak_mb = max(self.peak_mb or 0.0, now)
        return self.peak_mb

    def stop(self) -> None:
        if self.proc is None:
            return
        self.sample_peak()
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def __enter__(self) -> Service:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def service_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("TTT_LOG_LEVEL", "WARNING")
    env.update(extra or {})
    return env


#: uvicorn workers of the bench API, as a deployment on a 2-core host would run it (one per
#: core): one Python process can use one core at most, and ingestion is CPU-bound in Python.
API_WORKERS = int(os.environ.get("TTT_BENCH_API_WORKERS", "2"))


class Api(Service):
    """``ttt serve --no-scheduler --workers API_WORKERS`` on a free port; ``url`` once healthy."""

    def __init__(self, env: dict[str, str], log: Path, workers: int = API_WORKERS):
        self.port = free_port()
        self.workers = workers
        super().__init__(["serve", "--host", "127.0.0.1", "--port", str(self.port), "--no-scheduler",
                          "--workers", str(workers)], env, log)
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> Api:
        super().start()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"the API exited early:\n{self.tail()}")
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the API did not become healthy in 90 s:\n{self.tail()}")


class Scheduler(Service):
    def __init__(self, env: dict[str, str], log: Path):
        super().__init__(["scheduler"], env, log)
