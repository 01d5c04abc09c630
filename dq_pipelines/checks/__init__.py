"""The check engine: one result shape (`CheckOutcome`) whatever computes it.

Owns: running GX suites inside DuckDB (with the pandas fallback), the DuckDB adapter for GX,
the SQL conditions that find failing rows, the checks a contract implies (formats, ages),
masking of sensitive values, turning outcomes into Dagster check results, and the results
history (`dq_check_results`, history.py). Imports storage, declared, stats and settings (the
history's retention).
"""
