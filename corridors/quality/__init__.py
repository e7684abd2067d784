"""Field data quality over time: each flow point's reporting rhythm, completeness, and data-gap
notices for data managers when a point falls silent (never alerts, never authorities)."""
