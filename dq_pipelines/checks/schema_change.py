"""The column schema change check: Dagster's comparison, as a check with a name and a sentence.

`dg.build_column_schema_change_checks` builds one multi-check whose step is named
`asset_check_<hash>` and takes no name or description, so a run page lists an unlabelled step.
The raw assets compute it in their own step instead (defs/ingest/assets.py), after the write:
the delivered columns (`dagster/column_schema` of what the step would materialize) against the
last materialization's, with public APIs and Dagster's words; added and removed columns and type
changes fail it. In the step, it also reports on a delivery that is held: a separate check
would be skipped with the asset it must explain.
"""

import dagster as dg

COLUMN_SCHEMA = "dagster/column_schema"
FEWER_THAN_TWO = "The asset has been materialized fewer than 2 times"
UNCHANGED = "No changes to column schema between previous and latest materialization"


def schema_difference(previous: dg.TableSchema, latest: dg.TableSchema) -> str | None:
    """What changed from `previous` to `latest`, in Dagster's words; None if nothing did."""
    old = {c.name: c for c in previous.columns}
    new = {c.name: c for c in latest.columns}
    added = [c.name for c in latest.columns if c.name not in old]
    removed = [c.name for c in previous.columns if c.name not in new]
    retyped = [
        f"- {name}: {old[name].type} -> {column.type}"
        for name, column in new.items()
        if name in old and old[name].type != column.type
    ]
    if not (added or removed or retyped):
        return None
    said = "Column schema changed between previous and latest materialization."
    if added:
        said += f"\n\nAdded columns: {', '.join(added)}"
    if removed:
        said += f"\n\nRemoved columns: {', '.join(removed)}"
    if retyped:
        said += "\n\nColumn type changes:\n" + "\n".join(retyped)
    return said


def _column_schema(materialization: dg.AssetMaterialization | None) -> dg.TableSchema | None:
    entry = (materialization.metadata if materialization else {}).get(COLUMN_SCHEMA)
    schema = getattr(entry, "value", None)
    return schema if isinstance(schema, dg.TableSchema) else None


def schema_change(
    instance: dg.DagsterInstance, asset: dg.AssetKey, delivered: dg.TableSchema | None
) -> tuple[bool, str]:
    """Whether `delivered` (the columns of the version being written; None: nothing new) has
    the column schema of the asset's last materialization, and why."""
    if delivered is None:
        return True, UNCHANGED
    records = instance.fetch_materializations(asset, limit=1).records
    if not records:
        return True, FEWER_THAN_TWO
    previous = _column_schema(records[0].asset_materialization)
    if previous is None:
        return False, "Previous materialization has no column schema metadata"
    changed = schema_difference(previous, delivered)
    return (False, changed) if changed else (True, UNCHANGED)
