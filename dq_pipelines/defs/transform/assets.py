"""One asset per dbt_like_sql/ file; its upstream assets are the tables its SQL reads.

Each model is staged, audited by its suite and published (publish.py): downstream assets never
read a version whose ERROR checks failed. A model built from one source quarantines that
source's failing rows within the contract's threshold; one built from several is all or nothing.
"""

import dagster as dg

from dq_pipelines.automation import gated_eager
from dq_pipelines.checks.dagster_results import selected_results, suite_check_specs
from dq_pipelines.checks.gx_runner import TableRef
from dq_pipelines.declared.project import Project, load_project
from dq_pipelines.declared.schemas import column_schema
from dq_pipelines.declared.sql_models import SqlModel
from dq_pipelines.runs.reaper import run_is_over
from dq_pipelines.storage.warehouse import DUCKDB_POOL, DuckDBWarehouse
from dq_pipelines.wap.publish import audit, audit_and_publish, require_published, stage


def build_sql_asset(model: SqlModel, project: Project) -> dg.AssetsDefinition:
    suite = project.suites.get(model.name)
    max_share = project.max_quarantine_share(model.name)

    @dg.multi_asset(
        name=model.name,
        specs=[
            dg.AssetSpec(
                model.name,
                group_name="transform",
                deps=list(model.deps),
                description=model.description or f"SQL model {model.path.name}",
                kinds={"duckdb", "sql"},
                automation_condition=gated_eager(),
                metadata={
                    "sql_file": str(model.path.relative_to(model.path.parents[1])),
                    "sql": dg.MetadataValue.md(f"```sql\n{model.sql}\n```"),
                    "dagster/column_schema": column_schema(project.schemas[model.name]),
                },
            )
        ],
        check_specs=suite_check_specs(suite, project) if suite else [],
        can_subset=True,
        pool=DUCKDB_POOL,
    )
    def sql_asset(context: dg.AssetExecutionContext, duckdb: DuckDBWarehouse):
        if not context.selected_asset_keys:  # checks run on their own: audit what is published
            require_published(duckdb, model.name)
            yield from selected_results(
                context, model.name, audit(duckdb, suite, TableRef(model.name))
            )
            return
        with duckdb.connect() as conn:
            staged = stage(
                conn,
                model.name,
                context.run_id,
                model.sql,
                run_is_over=run_is_over(context.instance),
            )
        outcomes, publication = audit_and_publish(duckdb, staged, suite, max_share, context.run_id)
        context.log.info(f"{model.name}: {publication.status}: {publication.reason}")
        yield dg.MaterializeResult(
            asset_key=model.name,
            metadata=publication.metadata(),
        )
        yield from selected_results(context, model.name, outcomes)

    return sql_asset


@dg.definitions
def transform() -> dg.Definitions:
    project = load_project()
    return dg.Definitions(assets=[build_sql_asset(m, project) for m in project.models.values()])
