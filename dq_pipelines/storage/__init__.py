"""Storage: the warehouse resource and the pipeline's own operational tables (the bottom layer).

Owns: the DuckDB file (connections, the lock wait, the concurrency pool name), SQL identifier
quoting, and the `dq_*` operational tables. Imports nothing else from dq_pipelines; every other
subsystem reads and writes the warehouse through it, so a second backend is an implementation
of this package: the resource (warehouse.py), the operational tables' DDL and writes
(ops_tables.py) and the dialect (sql.py). Still DuckDB-specific elsewhere: the GX datasource
(checks/gx_duckdb.py), RE2 regexes and row conditions (checks/), `to_json`/struct masking
(checks/masking.py), `read_csv` of deliveries (landing/ingest.py), `create or replace table`
when staging and publishing (wap/).
"""
