"""`dq-pipelines status`: per source, its latest load, publication and failing checks.

The loads and publications are the warehouse's records (dq_manifest, dq_publications); the
checks are the Dagster instance's, of the latest run that materialized the source's raw table or
recorded it held (an observation: wap/blocked.py).
"""

from pathlib import Path

import dagster as dg
import pandas as pd

from dq_pipelines.cli.launch import staging_of
from dq_pipelines.declared.project import Project
from dq_pipelines.storage.warehouse import DuckDBWarehouse

LATEST_LOADS = """
    select source, delivery_date, status, reason, load_id from dq_manifest
    qualify row_number() over (partition by source order by arrived_at desc, load_id) = 1
"""
LATEST_PUBLICATIONS = """
    select asset, status, staged_rows, published_rows, quarantined_rows, reason from dq_publications
    qualify row_number() over (partition by asset order by decided_at desc) = 1
"""


def failing_checks(instance: dg.DagsterInstance, assets: set[str], raw: str) -> list[str]:
    """The checks on `assets` that failed in the latest run materializing `raw`, or holding it."""
    key = dg.AssetKey(raw)
    found = [
        record
        for fetch in (instance.fetch_materializations, instance.fetch_observations)
        for record in fetch(key, limit=1).records
    ]
    if not found:
        return []
    latest = max(found, key=lambda r: r.storage_id)
    failed = []
    for entry in instance.all_logs(
        latest.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ):
        evaluation = entry.dagster_event.asset_check_evaluation_data
        asset = evaluation.asset_key.to_user_string()
        if asset in assets and not evaluation.passed:
            failed.append(f"{asset}.{evaluation.check_name} [{evaluation.severity.value}]")
    return sorted(failed)


def _records(warehouse_path: Path) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    if not warehouse_path.exists():
        return None
    with dg.build_resources({"duckdb": DuckDBWarehouse(path=str(warehouse_path))}) as built:
        return built.duckdb.query(LATEST_LOADS), built.duckdb.query(LATEST_PUBLICATIONS)


def _publication(p) -> str:
    held = f" ({p.reason})" if p.status != "published" and p.reason else ""
    return (
        f"{p.status}: {p.published_rows:,} of {p.staged_rows:,} rows published, "
        f"{p.quarantined_rows:,} quarantined{held}"
    )


def status_lines(project: Project, warehouse_path: Path, instance: dg.DagsterInstance) -> list[str]:
    records = _records(warehouse_path)
    if records is None or records[0].empty:
        return [f"nothing loaded yet (warehouse: {warehouse_path})"]
    loads, publications = records
    loads = loads.set_index("source")
    published = publications.set_index("asset")
    lines = []
    for source in sorted(project.contracts):
        raw = project.contracts[source].raw_table
        lines.append(f"{source}:")
        if source not in loads.index:
            lines.append("  latest load: nothing loaded yet")
            continue
        load = loads.loc[source]
        reason = f" ({load.reason})" if isinstance(load.reason, str) and load.reason else ""
        lines.append(f"  latest load: {load.delivery_date:%Y-%m-%d} {load.status}{reason}")
        assets = [raw, *sorted(staging_of(project, raw))]
        for asset in assets:
            shown = _publication(published.loc[asset]) if asset in published.index else "none"
            lines.append(f"  {asset}: {shown}")
        failed = failing_checks(instance, set(assets), raw)
        lines.append(f"  failing checks: {', '.join(failed) if failed else 'none'}")
    return lines
