"""Links into the Dagster UI, for alerts and reports."""

import dagster as dg

from dq_pipelines.settings import default


class DagsterUI(dg.ConfigurableResource):
    """Where people open Dagster; alerts link to runs there."""

    base_url: str = default("DQ_DAGSTER_URL")
    scorecard_url: str | None = None  # where the scorecard is published; alerts link it

    def run_url(self, run_id: str) -> str:
        return f"{self.base_url.rstrip('/')}/runs/{run_id}"

    def asset_url(self, asset: str) -> str:
        return f"{self.base_url.rstrip('/')}/assets/{asset}"
