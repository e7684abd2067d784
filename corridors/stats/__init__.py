"""Corridor statistics: TLU, seasons and periods, aggregation, HXL/CSV exports and charts.

The pure modules (`tlu`, `periods`, `aggregate`, `hxl_csv`, `charts`) take plain data and
never touch the database or HTTP, so analysts' figures can be checked by hand in tests.
The database side (`models`, `repository`, `service`, `router`) reads daily rollups that a
PostgreSQL trigger keeps in step with the observation table.
"""
