"""The README benchmark table: a run of one section replaces that section's rows and says
when and where they come from; the other rows keep theirs."""

from __future__ import annotations

from bench.report import END, START, Result, write_readme
from bench.routing import Size, results


def _readme(tmp_path, rows: list[Result], mode: str = "make bench"):
    path = tmp_path / "README.md"
    path.write_text(f"# ttt\n\n## Benchmarks\n\n{START}\nold\n{END}\n\nAfter.\n")
    write_readme(rows, mode, "Some CPU, 2 cores", "500 flow points", readme=path)
    return path


def test_a_partial_run_replaces_only_its_sections_rows(tmp_path):
    full = [Result("Ingestion", "POST", 18585.0, "obs/s", 20000.0, True, note="latency p50 203 ms"),
            Result("Routing", "old route row", 2.0, "s", 1.0), Result("Memory", "API", 220.0, "MB", 300.0)]
    path = _readme(tmp_path, full)
    rows = results([Size(8, 1767, 0.7, 0.09, 0.24), Size(16, 3500, 2.0, 1.4, 2.5)], routes=10)
    write_readme(rows, "python -m bench.run --quick --only routing", "Other CPU, 2 cores", "routing grids",
                 readme=path, sections={"Routing"})
    text = path.read_text()
    block = text[text.index(START):text.index(END)]
    assert text.endswith(f"{END}\n\nAfter.\n")
    assert "Run `make bench` on" in block and "Machine: Some CPU, 2 cores" in block  # the other rows' run
    assert "Routing rows: run `python -m bench.run --quick --only routing` on" in block
    assert "Machine: Other CPU, 2 cores" in block
    lines = [line for line in block.splitlines() if line.startswith("| ")]
    sections = [line.split(" | ")[0][2:] for line in lines[1:]]
    assert sections == ["Ingestion", "Routing", "Routing", "Routing", "Routing", "Memory"]  # in place
    assert "old route row" not in block and "- Ingestion / POST: latency p50 203 ms" in block
    largest = next(line for line in lines if "largest network" in line)
    assert "| 1,767 edges |" in largest and "8 corridors" in largest  # 16 corridors take 1.4 s
    slow = next(line for line in lines if "16 corridors" in line and "median" in line)
    assert "| 1.40 s | < 1.00 s | **no** |" in slow

    # a second partial run replaces its own line, not adds another
    write_readme(rows, "python -m bench.run --quick --only routing", "Other CPU, 2 cores", "routing grids",
                 readme=path, sections={"Routing"})
    assert path.read_text().count("Routing rows: run") == 1


def test_a_full_run_rewrites_the_whole_table(tmp_path):
    path = _readme(tmp_path, [Result("Routing", "a row", 2.0, "s", 1.0)])
    write_readme([Result("Rules", "backtest", 3.0, "s", 10.0)], "make bench", "CPU", "sizes", readme=path)
    block = path.read_text()
    assert "Routing" not in block and "| Rules | backtest | 3.00 s |" in block
