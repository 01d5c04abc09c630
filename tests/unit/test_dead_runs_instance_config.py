"""instance_dagster.yaml passes Dagster's own instance schema and turns on what frees a dead
run's pool slot under the daemon (issue 8 finding 1)."""

import shutil
from pathlib import Path

import dagster as dg

from dq_pipelines.cli import INSTANCE_CONFIG


def test_instance_config_monitors_runs_and_frees_slots_of_ended_runs(tmp_path: Path):
    shutil.copy(INSTANCE_CONFIG, tmp_path / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:  # unknown keys raise
        assert instance.run_monitoring_enabled
        assert instance.run_monitoring_settings["free_slots_after_run_end_seconds"] > 0
        assert instance.run_monitoring_poll_interval_seconds <= 10
        assert instance.event_log_storage.get_pool_config().default_pool_limit == 1
        assert instance.get_settings("nux") == {"enabled": False}
        assert instance.get_settings("telemetry") == {"enabled": False}
