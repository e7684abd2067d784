"""The rules runner: from queued observations (and the clock) to findings and alert rows.

- ``engine``: entry points (evaluate now, the scheduler's runs, backtests) and per-batch commits;
- ``incremental``: which places and rows a batch of new observations needs, in two phases;
- ``chunks``: cutting a large run into chunks that fit in memory;
- ``time_checks``: what a time-based check must look at (changed hazards and calendars);
- ``rejudge``: alerts resting on counts later rejected or replaced;
- ``flagged``: marking flagged counts in the evidence.

The rules themselves are pure (``alerts.rules``); alert rows and their lifecycle live in
``alerts.alerts``.
"""
