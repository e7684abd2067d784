"""What every measurement shares: sizes, the seed, the generated network and its database
ids, the running API, tokens, and where logs go."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bench.generate import Network
from bench.processes import Api


@dataclass(frozen=True)
class Sizes:
    """Every size the bench uses; ``FULL`` follows the issue, ``QUICK`` fits in two minutes."""

    name: str
    flow_points: int
    ingest_total: int
    ingest_batch: int
    ingest_inflight: int
    stats_small: int  # observations in the current season (first statistics point, rules backtest)
    stats_large: int  # total after adding earlier seasons (second statistics point)
    stats_requests: int  # requests per endpoint for p50/p95
    stats_reference_runs: int  # runs of each DuckDB / GROUP BY reference query
    incremental_batch: int
    incremental_runs: int
    alerts: int
    alert_spread_s: float  # submissions are spread over this many seconds
    alert_wait_s: float  # after the last submission, how long to wait for the emails


FULL = Sizes("full", flow_points=500, ingest_total=100_000, ingest_batch=1_000, ingest_inflight=4,
             stats_small=1_000_000, stats_large=5_000_000, stats_requests=100, stats_reference_runs=20,
             incremental_batch=1_000, incremental_runs=5, alerts=50, alert_spread_s=60.0, alert_wait_s=300.0)
QUICK = Sizes("quick", flow_points=50, ingest_total=10_000, ingest_batch=1_000, ingest_inflight=4,
              stats_small=60_000, stats_large=150_000, stats_requests=20, stats_reference_runs=10,
              incremental_batch=1_000, incremental_runs=3, alerts=8, alert_spread_s=8.0, alert_wait_s=90.0)


@dataclass
class Context:
    url: str
    seed: int
    sizes: Sizes
    net: Network
    fp_ids: list[int]
    corridor_ids: list[int]
    api: Api
    tokens: dict[str, str]
    user_ids: dict[str, int]
    logdir: Path
    extra: dict = field(default_factory=dict)
