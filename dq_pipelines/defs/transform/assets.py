"""One asset per dbt_like_sql/ file; its upstream assets are the tables its SQL reads.

Each model is staged, audited by its suite and published (wap/asset.py): downstream assets never
read a version whose ERROR checks failed. A model built from one source quarantines that
source's failing rows within the contract's threshold; one built from several is all or nothing.
"""

import dagster as dg

from dq_pipelines.checks.dagster_results import ml_check_specs, suite_check_specs
from dq_pipelines.checks.ml_privacy import apply_privacy_transforms, privacy_transforms
from dq_pipelines.declared.project import MODEL_ASSET, Project, load_project
from dq_pipelines.declared.schemas import column_schema
from dq_pipelines.declared.sql_models import SqlModel
from dq_pipelines.runs.reaper import run_is_over
from dq_pipelines.settings import resolved
from dq_pipelines.storage.warehouse import DuckDBWarehouse
from dq_pipelines.wap.asset import Audited, Written, run_wap_asset, wap_multi_asset
from dq_pipelines.wap.stage import stage


def sql_asset_spec(model: SqlModel, project: Project) -> dg.AssetSpec:
    return dg.AssetSpec(
        model.name,
        group_name="transform",
        deps=list(model.deps),
        description=model.description or f"SQL model {model.path.name}",
        kinds={"duckdb", "sql"},
        metadata={
            "sql_file": str(model.path.relative_to(model.path.parents[1])),
            "sql": dg.MetadataValue.md(f"```sql\n{model.sql}\n```"),
            "dagster/column_schema": column_schema(project.schemas[model.name]),
        },
    )


def build_sql_asset(model: SqlModel, project: Project) -> dg.AssetsDefinition:
    suite = project.suites.get(model.name)
    ml_checks = tuple(project.ml_checks.get(model.name, ()))
    audited = Audited(
        model.name, suite, project.max_quarantine_share(model.name), ml_checks=ml_checks
    )
    check_specs = suite_check_specs(suite, project) if suite else []
    check_specs += ml_check_specs(ml_checks, project)
    # What the model reads gets the contracts' privacy transformations before its audit.
    feeds_model = model.name in project.deps[MODEL_ASSET]
    transforms = privacy_transforms(project, model.name) if feeds_model else {}

    @wap_multi_asset(sql_asset_spec(model, project), check_specs)
    def sql_asset(context: dg.AssetExecutionContext, duckdb: DuckDBWarehouse):
        def write() -> Written:
            with duckdb.connect() as conn:
                staged = stage(
                    conn,
                    model.name,
                    context.run_id,
                    model.sql,
                    run_is_over=run_is_over(context.instance),
                )
                if staged is not None:
                    salt = resolved("DQ_PRIVACY_SALT")
                    apply_privacy_transforms(conn, staged.ref, transforms, salt)
            return Written(staged, log_prefix=model.name)

        yield from run_wap_asset(context, duckdb, audited, write)

    return sql_asset


@dg.definitions
def transform() -> dg.Definitions:
    project = load_project()
    return dg.Definitions(assets=[build_sql_asset(m, project) for m in project.models.values()])
