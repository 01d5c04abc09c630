"""`dq-pipelines demo`: the same result every time it runs, and what each delivery shows."""

import os
import re

import pytest
from demo_state import DemoRuns

pytestmark = [pytest.mark.served, pytest.mark.slow]


def _comparable(output: str) -> str:
    """A demo's output without what differs between runs: run, load and model ids."""
    output = re.sub(r"\(run [0-9a-f]{8}\)", "(run <id>)", output)
    output = re.sub(r"load [a-z_]+-[0-9a-f]{12}", "load <id>", output)
    output = re.sub(r"model \S+ \(", "model <version> (", output)
    return output


def test_demo_gives_the_same_result_every_time_it_runs(demo_runs: DemoRuns):
    """Issue 10 finding 9: the demo ingested the newest delivery in the landing folder, so a
    second run, or one after `generate`, reported other deliveries; it printed ~110 lines of
    "Slack is not configured" and two alert counts that disagreed ({'stored': 10}, 8 stored)."""
    folder, second = demo_runs.folder, demo_runs.second
    assert f"clean start: removed the earlier demo run in {folder}" in second.output
    rerun = second.stdout.split(f"removed the earlier demo run in {folder}\n")[1]
    assert _comparable(rerun) == _comparable(demo_runs.first.stdout)  # stderr: timestamped logs


def test_the_demo_reports_quarantine_a_held_delivery_blocked_training_and_alerts(
    demo_runs: DemoRuns,
):
    out = demo_runs.first.output
    assert "== clean delivery 2026-11-26" in out and "checks: 94 passed, 0 failed" in out
    assert "training: RAN -> model" in out
    dirty = out.split("== slightly dirty delivery 2026-11-27")[1].split("== faulty")[0]
    assert "PARTIAL raw_catalog: 299 of 300 rows published, 1 quarantined" in dirty  # title
    assert "PARTIAL stg_catalog: 298 of 299 rows published, 1 quarantined" in dirty
    assert "training: RAN -> model" in dirty
    assert "== faulty delivery 2026-11-28" in out
    assert "FAILED raw_catalog.updated_at__type [ERROR, blocking]" in out  # held at raw
    blocked = re.search(r"^training: BLOCKED \(blocking check\(s\) failed: (.*)\)$", out, re.M)
    assert blocked and set(blocked.group(1).split(", ")) == {
        "raw_catalog.title__not_null",
        "raw_catalog.product_id__unique",
        "raw_catalog.updated_at__type",
        # Held, so the published catalog is the day before's: one day behind the newest delivery.
        "raw_catalog.delivery_is_current",
    }  # the contract's checks hold the catalog at raw
    # One count, from the alerts table, split by the run that raised them.
    assert re.findall(r"^alerts: .*$", out, re.M) == [
        "alerts: 9 stored -> dq_alerts table (Slack not configured) "
        "(2 from the slightly dirty delivery 2026-11-27, 7 from the faulty delivery 2026-11-28)"
    ]
    assert "Data check failed:" not in out  # alert bodies only with --verbose
    assert out.count("Slack is not configured") <= 1


def test_the_demo_keeps_everything_in_its_folder_and_restores_the_environment(
    demo_runs: DemoRuns,
):
    folder, project = demo_runs.folder, demo_runs.project
    page = folder / "reports" / "scorecard.html"  # the demo renders the scorecard at its end
    assert f"scorecard: {page}" in demo_runs.second.output and "<svg" in page.read_text()
    assert (folder / "warehouse.duckdb").exists()
    assert not (project / "warehouse.duckdb").exists()
    assert os.environ["DQ_LANDING_DIR"] == str(project / "landing")  # restored after
    assert demo_runs.ui_env == {
        "DQ_LANDING_DIR": str(folder / "landing"),
        "DQ_ARCHIVE_DIR": str(folder / "archive"),
        "DQ_DUCKDB_PATH": str(folder / "warehouse.duckdb"),
        "DQ_ARTIFACTS_DIR": str(folder / "artifacts"),
        "DQ_REPORTS_DIR": str(folder / "reports"),
        "DAGSTER_HOME": str(folder / "dagster_home"),
    }
