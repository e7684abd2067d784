"""Benchmarks of ttt: ingestion, statistics, rules, alert latency and memory, each measured
next to a physical limit on the same machine (raw COPY, DuckDB, a plain GROUP BY) so the
figures read as ratios, not as absolute numbers that only mean something on one laptop.

Run ``python -m bench.run [--quick]`` (``make bench``, ``make bench QUICK=1``). The bench uses
its own database (``ttt_bench`` by default, dropped and migrated fresh every run), never the
development or test databases. Nothing here asserts a timing; ``bench.run`` prints one table
and writes it into the README.
"""
