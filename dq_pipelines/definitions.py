"""The code location: everything under dq_pipelines/defs, plus project-wide policies."""

import warnings
from pathlib import Path

import dagster as dg

# Every asset with upstream assets (all but the raw ones, which the ingest schedule runs) runs by
# itself, but only on new upstream data that passed its checks. The gate is in the data: a
# version that was held or failed a blocking check is not materialized (wap/blocked.py), so it
# is no update to build on; training also checks the gate itself (ml/gate.py). Dagster's
# `all_deps_blocking_checks_passed()` would see no blocking check (checks/dagster_results.py
# says why). This is `eager()` with one more way to have handled an update: the asset's own
# checks ran since (its step audited the new data and held it), so a held asset is not
# requested again, nor its downstream with it, until its upstream changes again.
_AC = dg.AutomationCondition
_HANDLED = (
    _AC.newly_requested()
    | _AC.newly_updated()
    | _AC.initial_evaluation()
    | _AC.any_checks_match(_AC.newly_updated())
)
GATED_EAGER = (
    _AC.in_latest_time_window()
    & (_AC.newly_missing() | _AC.any_deps_updated()).since(_HANDLED)
    & ~_AC.any_deps_missing()
    & ~_AC.any_deps_in_progress()
    & ~_AC.in_progress()
).with_label("eager, unless its own audit held the update")


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
