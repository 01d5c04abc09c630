"""One asset per dbt_like_sql/ file; its upstream assets are the tables its SQL reads."""

import dagster as dg

from dq_pipelines.lib.automation import gated_eager
from dq_pipelines.lib.project import Project, load_project
from dq_pipelines.lib.schemas import column_schema
from dq_pipelines.lib.sql_models import SqlModel
from dq_pipelines.lib.warehouse import DuckDBWarehouse


def build_sql_asset(model: SqlModel, project: Project) -> dg.AssetsDefinition:
    @dg.asset(
        name=model.name,
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
    def sql_asset(duckdb: DuckDBWarehouse) -> dg.MaterializeResult:
        with duckdb.connect() as conn:
            conn.execute(f"create or replace table {model.name} as {model.sql}")
            (rows,) = conn.execute(f"select count(*) from {model.name}").fetchone()
        return dg.MaterializeResult(metadata={"dagster/row_count": rows})

    return sql_asset


@dg.definitions
def transform() -> dg.Definitions:
    project = load_project()
    return dg.Definitions(assets=[build_sql_asset(m, project) for m in project.models.values()])
