"""The code location: everything under dq_pipelines/defs, plus project-wide policies."""

from pathlib import Path

import dagster as dg


@dg.definitions
def defs() -> dg.Definitions:
    # One process per run: every step reads or writes the same DuckDB file, and DuckDB allows
    # one writing process at a time (steps in parallel processes would fail to get its lock).
    return dg.Definitions.merge(
        dg.load_from_defs_folder(path_within_project=Path(__file__).parent),
        dg.Definitions(executor=dg.in_process_executor),
    )
