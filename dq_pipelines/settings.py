"""Environment variables the project reads, with their documented defaults.

A variable that is set is bound as `dg.EnvVar`, so Dagster resolves it at launch and the UI shows
its name, never its value. An unset one falls back to the default below (secrets have none).
"""

import os
from dataclasses import dataclass
from typing import Any

import dagster as dg

from dq_pipelines.layout import PROJECT_ROOT


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | None
    meaning: str


SETTINGS: tuple[Setting, ...] = (
    Setting("DQ_DUCKDB_PATH", str(PROJECT_ROOT / "data/warehouse.duckdb"), "DuckDB warehouse file"),
    Setting("DQ_VALIDATION_MEMORY_LIMIT", "512MB", "DuckDB memory cap while validating suites"),
    Setting("DQ_LANDING_DIR", str(PROJECT_ROOT / "data/landing"), "Where sources drop deliveries"),
    Setting("DQ_ARCHIVE_DIR", str(PROJECT_ROOT / "data/archive"), "Immutable copies of deliveries"),
    Setting("DQ_ARTIFACTS_DIR", str(PROJECT_ROOT / "data/artifacts"), "Trained model artifacts"),
    Setting(
        "DQ_REPORTS_DIR", str(PROJECT_ROOT / "data/reports"), "Where the scorecard page is written"
    ),
    Setting("DQ_SCORECARD_URL", None, "Where the scorecard is published; alerts link it when set"),
    Setting("DQ_EMBEDDING_BACKEND", "tfidf", "Product-search embeddings: tfidf or minilm"),
    Setting("DQ_DAGSTER_URL", "http://localhost:3000", "Dagster UI base URL used in alert links"),
    Setting("DQ_SLACK_WEBHOOK_URL", None, "Slack incoming webhook URL (secret)"),
    Setting("DQ_SLACK_BOT_TOKEN", None, "Slack bot token, used with DQ_SLACK_CHANNEL (secret)"),
    Setting("DQ_SLACK_CHANNEL", None, "Slack channel for the bot token, e.g. #ml-data-quality"),
    Setting("DQ_PRIVACY_SALT", None, "Secret key of the `hash` privacy transform (secret)"),
    Setting("DQ_SLACK_API_URL", "https://slack.com/api/", "Slack Web API base URL"),
    Setting("DQ_ALERT_MAX_PER_TICK", "200", "Alerts one sensor tick handles, retries included"),
    Setting("DQ_ALERT_TICK_SECONDS", "40", "No alert is started after this in a tick (limit 60 s)"),
    Setting(
        "DQ_ALERT_PENDING_HOLD_SECONDS",
        "600",
        "How long a check of a run still going holds the alert cursor before later ones are read",
    ),
    Setting(
        "DQ_RESULTS_RETENTION_DAYS",
        None,
        "Days check results are kept in dq_check_results (unset: kept forever)",
    ),
)
_BY_NAME = {s.name: s for s in SETTINGS}


def default(name: str) -> str:
    """The documented default of a setting that has one, for resource fields that need one."""
    value = _BY_NAME[name].default
    if value is None:
        raise KeyError(f"{name} has no default")
    return value


def setting(name: str) -> str | dg.EnvVar | None:
    """The value to bind to a resource field: the env var if set, else the documented default."""
    return dg.EnvVar(name) if os.environ.get(name) else _BY_NAME[name].default


def int_setting(name: str) -> Any:
    """setting() for an integer field: Dagster resolves an int env var only as `EnvVar.int`."""
    return dg.EnvVar.int(name) if os.environ.get(name) else int(_BY_NAME[name].default or 0)


def resolved(name: str) -> str | None:
    """The value in effect now, for code outside Dagster (the CLI): env var, else default."""
    return os.environ.get(name) or _BY_NAME[name].default
