"""The only place resources are bound; values come from DQ_* environment variables."""

import dagster as dg

from dq_pipelines.alerts.budget import AlertTickPolicy
from dq_pipelines.alerts.channels.slack import SlackNotifier
from dq_pipelines.alerts.links import DagsterUI
from dq_pipelines.landing.ingest import LandingZone
from dq_pipelines.ml.model_store import ModelStore
from dq_pipelines.report.site import ScorecardSite
from dq_pipelines.settings import int_setting, setting
from dq_pipelines.storage.warehouse import DuckDBWarehouse


def build_resources() -> dict[str, dg.ConfigurableResource]:
    return {
        "duckdb": DuckDBWarehouse(
            path=setting("DQ_DUCKDB_PATH"),
            validation_memory_limit=setting("DQ_VALIDATION_MEMORY_LIMIT"),
        ),
        "landing": LandingZone(
            path=setting("DQ_LANDING_DIR"), archive_path=setting("DQ_ARCHIVE_DIR")
        ),
        "model_store": ModelStore(
            path=setting("DQ_ARTIFACTS_DIR"), embedding_backend=setting("DQ_EMBEDDING_BACKEND")
        ),
        "dagster_ui": DagsterUI(
            base_url=setting("DQ_DAGSTER_URL"), scorecard_url=setting("DQ_SCORECARD_URL")
        ),
        "scorecard": ScorecardSite(
            reports_dir=setting("DQ_REPORTS_DIR"), url=setting("DQ_SCORECARD_URL")
        ),
        "slack": SlackNotifier(
            webhook_url=setting("DQ_SLACK_WEBHOOK_URL"),
            bot_token=setting("DQ_SLACK_BOT_TOKEN"),
            channel=setting("DQ_SLACK_CHANNEL"),
            api_base_url=setting("DQ_SLACK_API_URL"),
        ),
        "alerting": AlertTickPolicy(
            max_alerts_per_tick=int_setting("DQ_ALERT_MAX_PER_TICK"),
            tick_seconds=int_setting("DQ_ALERT_TICK_SECONDS"),
            pending_hold_seconds=int_setting("DQ_ALERT_PENDING_HOLD_SECONDS"),
        ),
    }


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=build_resources())
