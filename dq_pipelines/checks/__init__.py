"""The check engine: one result shape (`CheckOutcome`) whatever computes it.

Owns: running GX suites inside DuckDB (with the pandas fallback), the DuckDB adapter for GX,
the SQL conditions that find failing rows, the checks a contract implies (formats, ages),
masking of sensitive values, and turning outcomes into Dagster check results. Imports storage
and declared.
"""
