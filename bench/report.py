"""Figures, targets and ratios: one rich table on the terminal, the same table in markdown
between ``<!-- bench:start -->`` and ``<!-- bench:end -->`` in README.md, with the date and
the machine the figures come from."""

from __future__ import annotations

import os
import platform
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

START, END = "<!-- bench:start -->", "<!-- bench:end -->"
README = Path(__file__).resolve().parent.parent / "README.md"


def percentiles(samples_s: list[float]) -> tuple[float, float]:
    """(p50, p95) in milliseconds of durations given in seconds."""
    a = np.asarray(samples_s, dtype=float) * 1000.0
    return float(np.percentile(a, 50)), float(np.percentile(a, 95))


@dataclass
class Result:
    """One line of the table. ``target`` is a bound on ``figure`` (a floor when
    ``higher_is_better``); ``reference`` names what the figure is compared with."""

    section: str
    what: str
    figure: float | None
    unit: str
    target: float | None = None
    higher_is_better: bool = False
    reference: str = ""
    ratio: str = ""
    note: str = ""

    @property
    def met(self) -> bool | None:
        if self.figure is None or self.target is None:
            return None
        return self.figure >= self.target if self.higher_is_better else self.figure <= self.target

    def figure_text(self) -> str:
        if self.figure is None:
            return "n/a"
        return f"{_num(self.figure)} {self.unit}".strip()

    def target_text(self) -> str:
        if self.target is None:
            return ""
        return f"{'≥' if self.higher_is_better else '<'} {_num(self.target)} {self.unit}".strip()

    def met_text(self) -> str:
        return {True: "yes", False: "**no**", None: ""}[self.met]


def _num(x: float) -> str:
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def machine(pg: str, postgis: str) -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        ram = f"{kb / 1024 / 1024:.0f} GB"
    except (OSError, AttributeError):
        pass
    return (f"{cpu}, {os.cpu_count()} cores, {ram} RAM; PostgreSQL {pg}, PostGIS {postgis}; "
            f"Python {platform.python_version()}")


def print_table(results: list[Result], title: str, console: Console | None = None) -> None:
    table = Table(title=title, show_lines=False)
    for col in ("section", "measurement", "figure", "target", "met", "compared with", "ratio"):
        table.add_column(col, overflow="fold")
    for r in results:
        met = {True: "[green]yes[/]", False: "[red]no[/]", None: ""}[r.met]
        table.add_row(r.section, r.what, r.figure_text(), r.target_text(), met, r.reference, r.ratio)
    console = console or Console()
    console.print(table)
    for r in results:
        if r.note:
            console.print(f"[dim]- {r.section} / {r.what}: {r.note}[/]")


def markdown(results: list[Result], header: str) -> str:
    lines = [header, "", "| section | measurement | figure | target | met | compared with | ratio |",
             "|---|---|---|---|---|---|---|"]
    for r in results:
        cells = (r.section, r.what, r.figure_text(), r.target_text(), r.met_text(), r.reference, r.ratio)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    notes = [f"- {r.section} / {r.what}: {r.note}" for r in results if r.note]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)


def write_readme(results: list[Result], mode: str, machine_text: str, sizes: str,
                 readme: Path = README, sections: set[str] | None = None) -> None:
    """Replace the text between the bench markers (append a Benchmarks section when absent).
    A run of some sections only (``sections``) replaces those sections' rows and notes, keeps
    the others with their run's header, and adds a line saying when and where its rows come from."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = readme.read_text()
    found = START in text and END in text
    if sections and found:
        old = text[text.index(START) + len(START):text.index(END)]
        body = _merge(old, results, sections, f"Run `{mode}` on {when}. Machine: {machine_text}. Sizes: {sizes}.")
    else:
        body = markdown(results, f"Run `{mode}` on {when}. Machine: {machine_text}. Sizes: {sizes}.")
    block = f"{START}\n{body}\n{END}"
    if found:
        text = re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _m: block, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n## Benchmarks\n\n" + block + "\n"
    readme.write_text(text)


def _merge(old: str, results: list[Result], sections: set[str], run_line: str) -> str:
    """The old block with the rows and notes of ``sections`` replaced by ``results`` (in the
    place of the first replaced row, else at the end) and ``run_line`` saying where they come from."""
    label = ", ".join(sorted(sections)) + " rows: "
    headers, rows, notes = [], [], []
    for line in old.strip("\n").splitlines():
        if line.startswith("| section |") or line.startswith("|---"):
            continue
        if line.startswith("| "):
            rows.append(line)
        elif line.startswith("- "):
            notes.append(line)
        elif line.strip() and not line.startswith(label):
            headers.append(line)
    new = markdown(results, "").splitlines()
    new_rows = [r for r in new if r.startswith("| ") and not r.startswith("| section |")]
    new_notes = [n for n in new if n.startswith("- ")]

    def section(row: str) -> str:
        return row[2:].split(" | ", 1)[0]

    kept = [r for r in rows if section(r) not in sections]
    first = next((i for i, r in enumerate(rows) if section(r) in sections), None)
    at = len(kept) if first is None else sum(1 for r in rows[:first] if section(r) not in sections)
    rows = kept[:at] + new_rows + kept[at:]
    notes = [n for n in notes if n[2:].split(" / ", 1)[0] not in sections] + new_notes
    lines = [*headers, label + run_line[0].lower() + run_line[1:], "",
             "| section | measurement | figure | target | met | compared with | ratio |", "|---|---|---|---|---|---|---|",
             *rows]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)
