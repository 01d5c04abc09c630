"""The raw assets' column schema change check says what Dagster's own check says."""

import dagster as dg

from dq_pipelines.checks.schema_change import (
    FEWER_THAN_TWO,
    UNCHANGED,
    schema_change,
    schema_difference,
)

BEFORE = dg.TableSchema(columns=[dg.TableColumn("id", "BIGINT"), dg.TableColumn("price", "DOUBLE")])


def _materialize(instance: dg.DagsterInstance, schema: dg.TableSchema | None) -> None:
    metadata = {"dagster/column_schema": schema} if schema else {}
    instance.report_runless_asset_event(dg.AssetMaterialization("raw_x", metadata=metadata))


def test_added_removed_and_retyped_columns_are_named():
    after = dg.TableSchema(
        columns=[dg.TableColumn("price", "VARCHAR"), dg.TableColumn("colour", "VARCHAR")]
    )
    said = schema_difference(BEFORE, after)
    assert said == (
        "Column schema changed between previous and latest materialization."
        "\n\nAdded columns: colour\n\nRemoved columns: id"
        "\n\nColumn type changes:\n- price: DOUBLE -> VARCHAR"
    )
    assert schema_difference(BEFORE, BEFORE) is None


def test_the_check_compares_a_delivery_with_the_last_materialization():
    key = dg.AssetKey("raw_x")
    with dg.instance_for_test() as instance:
        assert schema_change(instance, key, BEFORE) == (True, FEWER_THAN_TWO)
        _materialize(instance, BEFORE)
        assert schema_change(instance, key, BEFORE) == (True, UNCHANGED)
        assert schema_change(instance, key, None) == (True, UNCHANGED)  # nothing new
        passed, said = schema_change(
            instance, key, dg.TableSchema(columns=[dg.TableColumn("id", "BIGINT")])
        )
        assert not passed and said.endswith("Removed columns: price")
        _materialize(instance, None)  # a materialization without a schema fails, saying so
        assert schema_change(instance, key, BEFORE) == (
            False,
            "Previous materialization has no column schema metadata",
        )
