"""``--profile``: where the time goes when a target is missed.

py-spy samples the API process from outside while a measurement runs (no code change, no
restart); its collapsed stacks are summarised into the functions of our own packages that
hold the most samples, inclusive and self. In-process work (rules) uses pyinstrument.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

OWN = ("corridors/", "alerts/", "ttt/", "bench/")


class PySpy:
    """``py-spy record`` attached to ``pid`` for the life of the context."""

    def __init__(self, pid: int, out: Path, rate: int = 200):
        self.pid, self.out, self.rate = pid, out, rate
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> PySpy:
        exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        self.proc = subprocess.Popen(
            [exe, "record", "--pid", str(self.pid), "--format", "raw", "--rate", str(self.rate),
             "--output", str(self.out), "--nonblocking", "--subprocesses"],  # uvicorn workers
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return self

    def __exit__(self, *exc) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def summarise(collapsed: Path, top: int = 15) -> str:
    """Top functions of our packages by inclusive and self samples, from py-spy raw output."""
    inclusive: Counter[str] = Counter()
    self_: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        seen = set()
        for f in frames:
            if f not in seen:
                inclusive[f] += n
                seen.add(f)
        if frames:
            self_[frames[-1]] += n
    if not total:
        return "no samples"
    own = [(f, c) for f, c in inclusive.most_common() if any(p in f for p in OWN)][:top]
    lines = [f"{total} samples; inclusive share of our functions:"]
    lines += [f"  {100 * c / total:5.1f}%  {f}" for f, c in own]
    lines.append("self time, any code:")
    lines += [f"  {100 * c / total:5.1f}%  {f}" for f, c in self_.most_common(top)]
    return "\n".join(lines)
