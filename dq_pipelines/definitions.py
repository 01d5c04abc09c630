"""The code location: everything under dq_pipelines/defs, plus project-wide policies."""

import warnings
from pathlib import Path

import dagster as dg

# Every asset with upstream assets (all but the raw ones, which the ingest schedule runs) runs by
# itself, but only on new upstream data that passed its checks: `eager()` ignores checks; the
# second term holds an asset while a blocking check of an upstream asset fails.
GATED_EAGER = (
    dg.AutomationCondition.eager() & dg.AutomationCondition.all_deps_blocking_checks_passed()
)


def gate_downstream(spec: dg.AssetSpec) -> dg.AssetSpec:
    return spec.replace_attributes(automation_condition=GATED_EAGER) if spec.deps else spec


@dg.definitions
def defs() -> dg.Definitions:
    # One process per run: every step reads or writes the same DuckDB file, and DuckDB allows
    # one writing process at a time (steps in parallel processes would fail to get its lock).
    assembled = dg.Definitions.merge(
        dg.load_from_defs_folder(path_within_project=Path(__file__).parent),
        dg.Definitions(executor=dg.in_process_executor),
    )
    # `map_asset_specs` is a preview API in Dagster 1.13 (it maps multi_assets and keeps their
    # checks, which the stable `dg.map_asset_specs` over a list does not reach here); its warning
    # is silenced so `make ui` prints none of ours. tests/integration/test_training_gate.py fails
    # if it stops gating.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return assembled.map_asset_specs(func=gate_downstream)
