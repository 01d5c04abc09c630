"""Where a test's project lives: every DQ_* path in one folder, and Slack not configured."""

from pathlib import Path

import pytest

# Each DQ_* path setting and where it points inside the project's folder.
PROJECT_PATHS = {
    "DQ_DUCKDB_PATH": "warehouse.duckdb",
    "DQ_LANDING_DIR": "landing",
    "DQ_ARTIFACTS_DIR": "artifacts",
    "DQ_REPORTS_DIR": "reports",
    "DQ_ARCHIVE_DIR": "archive",
}
# What a run leaves in the project's folder: the warehouse file and the folders.
WAREHOUSE = PROJECT_PATHS["DQ_DUCKDB_PATH"]
PROJECT_FOLDERS = tuple(sub for name, sub in PROJECT_PATHS.items() if name.endswith("_DIR"))
SLACK_SETTINGS = ("DQ_SLACK_WEBHOOK_URL", "DQ_SLACK_BOT_TOKEN", "DQ_SLACK_CHANNEL")


def point_project_at(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every DQ_* path into `folder`; Slack stays unconfigured unless the test sets it."""
    for name, sub in PROJECT_PATHS.items():
        monkeypatch.setenv(name, str(folder / sub))
    for name in SLACK_SETTINGS:
        monkeypatch.delenv(name, raising=False)
