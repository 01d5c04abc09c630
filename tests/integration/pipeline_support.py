"""Helpers shared by the pipeline tests: deliveries and what a run did."""

from datetime import date
from pathlib import Path

import dagster as dg

from dq_pipelines.lib.sample_data import Faults, generate_delivery

CLEAN_DAY = date(2026, 11, 27)
FAULTY_DAY = date(2026, 11, 28)
N_PRODUCTS = 800


def deliver(project_env: Path, day: date, faults: Faults | None = None) -> None:
    generate_delivery(
        project_env / "landing", day, n_products=N_PRODUCTS, faults=faults or Faults()
    )


def run_job(defs: dg.Definitions, instance, job: str = "full_pipeline_job", **kwargs):
    return defs.resolve_job_def(job).execute_in_process(
        instance=instance, raise_on_error=False, **kwargs
    )


def evaluations(result) -> dict[str, dg.AssetCheckEvaluation]:
    return {
        f"{e.asset_key.to_user_string()}.{e.check_name}": e
        for e in result.get_asset_check_evaluations()
    }


def materialized(result) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
