"""Storage: the warehouse resource and the pipeline's own operational tables (the bottom layer).

Owns: the DuckDB file (connections, the lock wait, the concurrency pool name), SQL identifier
quoting, and the `dq_*` operational tables. Imports nothing else from dq_pipelines; every other
subsystem reads and writes the warehouse through it, so a second backend is an implementation
of this package.
"""
