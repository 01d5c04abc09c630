"""Suite-backed checks: each suites/<asset>.json becomes one check per expectation on <asset>."""

from dataclasses import replace

import dagster as dg

from dq_pipelines.lib.check_results import to_check_result
from dq_pipelines.lib.project import Project, load_project
from dq_pipelines.lib.suites import SuiteSpec
from dq_pipelines.lib.validation import validate_table
from dq_pipelines.lib.warehouse import DuckDBWarehouse


def check_specs(suite: SuiteSpec, project: Project) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            name=e.check_name,
            asset=suite.asset,
            blocking=project.is_blocking(suite.asset, e.severity),
            description=e.description or f"{e.type}({e.kwargs})",
            metadata={
                "severity": e.severity,
                "expectation_type": e.type,
                "suite_file": suite.path.name,
            },
        )
        for e in suite.expectations
    ]


def build_suite_checks(suite: SuiteSpec, project: Project) -> dg.AssetChecksDefinition:
    @dg.multi_asset_check(
        specs=check_specs(suite, project),
        name=f"{suite.asset}_suite",
        description=f"Expectation suite {suite.path.name}, validated in one pass.",
        can_subset=True,
    )
    def suite_checks(context: dg.AssetCheckExecutionContext, duckdb: DuckDBWarehouse):
        selected = {key.name for key in context.selected_asset_check_keys}
        subset = replace(
            suite, expectations=tuple(e for e in suite.expectations if e.check_name in selected)
        )
        for outcome in validate_table(subset, duckdb):
            yield to_check_result(suite.asset, outcome)

    return suite_checks


@dg.definitions
def validate() -> dg.Definitions:
    project = load_project()
    return dg.Definitions(
        asset_checks=[build_suite_checks(s, project) for s in project.suites.values()]
    )
