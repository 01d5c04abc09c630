"""`dq-pipelines` verbs: sample data with faults, the demo, and clear errors on bad input."""

import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from dq_pipelines.cli import main


def test_generate_writes_a_delivery_with_the_requested_faults(tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "generate",
            "--landing",
            str(tmp_path),
            "--date",
            "2026-11-28",
            "--products",
            "200",
            "--epoch-dates",
            "--null-titles",
            "0.1",
            "--late",
            "labels",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "catalog: 200 rows" in result.output
    assert "labels: not delivered (late)" in result.output
    catalog = (tmp_path / "catalog" / "2026-11-28" / "catalog.csv").read_text().splitlines()
    assert catalog[0].endswith(",updated_at") and catalog[1].rsplit(",", 1)[1].isdigit()
    assert not (tmp_path / "labels" / "2026-11-28").exists()
    assert sum(1 for line in catalog[1:] if line.split(",")[1] == "") == 20


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "28/11/2026"], "Invalid value for '--date'"),
        (["--date", "2026-11-28", "--null-titles", "1.5"], "Invalid value for '--null-titles'"),
        (["--date", "2026-11-28", "--late", "weather"], "Invalid value for '--late'"),
        (["--date", "2026-11-28", "--products", "0"], "Invalid value for '--products'"),
    ],
)
def test_generate_rejects_bad_input_clearly(tmp_path, args, message):
    result = CliRunner().invoke(main, ["generate", "--landing", str(tmp_path), *args])
    assert result.exit_code == 2
    assert message in result.output


def test_the_demo_never_empties_a_folder_it_did_not_make(project_env):
    (project_env / "mine").mkdir()
    (project_env / "mine" / "notes.txt").write_text("keep me")
    result = CliRunner().invoke(main, ["demo", "--dir", str(project_env / "mine")])
    assert result.exit_code == 1
    assert "is not empty and was not made by the demo" in result.output
    assert (project_env / "mine" / "notes.txt").read_text() == "keep me"


@pytest.mark.slow
def test_replay_reingests_an_archived_delivery_and_retrains(project_env, monkeypatch, defs):
    import dagster as dg
    from pipeline_support import CLEAN_DAY, deliver, run_job

    home = project_env / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    deliver(project_env, CLEAN_DAY)
    with dg.DagsterInstance.get() as instance:
        assert run_job(defs, instance).success
    result = CliRunner().invoke(main, ["replay", "catalog", "--date", str(CLEAN_DAY)])
    assert result.exit_code == 0, result.output
    assert "== replay of catalog 2026-11-27" in result.output
    assert "checks: 47 passed, 0 failed" in result.output  # 5 ML checks, 15 golden cases
    assert "training: RAN" in result.output


def test_replay_rejects_an_unknown_source(project_env):
    result = CliRunner().invoke(main, ["replay", "weather", "--date", "2026-11-27"])
    assert result.exit_code == 2
    known = "known: catalog, feedback, inference_requests, labels"
    assert f"unknown source 'weather'; {known}" in result.output


CLI = [sys.executable, "-c", "from dq_pipelines.cli import main; main()"]
# Measured on a 2-core box shared with other test runs: 0.3-0.5 s (Dagster's imports alone
# took 8 s before arguments were checked first); the bound leaves room for a loaded CI runner.
ARGUMENT_ERROR_SECONDS = 3.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["replay", "weather", "--date", "2026-11-27"], "unknown source 'weather'"),
        (["ingest", "catalog", "weather"], "unknown source 'weather'"),
        (["ingest", "catalog", "--date", "2026-13-01"], "Invalid value for '--date'"),
        (["replay", "catalog", "--date", "27/11/2026"], "Invalid value for '--date'"),
    ],
)
def test_argument_errors_come_back_before_dagster_is_imported(args, message):
    """Issue 10 finding 9: an unknown source took 8 s to be refused."""
    started = time.perf_counter()
    cli = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60)
    elapsed = time.perf_counter() - started
    assert cli.returncode == 2 and message in cli.stderr, cli.stderr
    assert elapsed < ARGUMENT_ERROR_SECONDS, f"{elapsed:.2f} s"


def test_replay_of_a_date_with_nothing_archived_says_why(project_env, warehouse):
    """Issue 10 finding 9: it printed `checks: 0 passed, 0 failed / training: BLOCKED
    (materialized only: )` and exited 1, hiding the reason."""
    from datetime import date

    from dq_pipelines.storage.ops_tables import MANIFEST, insert

    with warehouse.connect() as conn:
        insert(conn, MANIFEST, [
            {"arrival_id": f"arrival-{h}", "source": "catalog", "file_hash": h,
             "delivery_date": date(2026, 11, d),
             "original_name": "catalog.csv", "archive_path": f"/archive/{h}.csv",
             "load_id": f"catalog-{h}", "status": "loaded"}
            for h, d in (("a1", 26), ("b2", 27))
        ])  # fmt: skip
    result = CliRunner().invoke(main, ["replay", "catalog", "--date", "2026-11-20"])
    assert result.exit_code == 1
    assert (
        "no archived delivery of catalog for 2026-11-20; archived dates: 2026-11-26, 2026-11-27"
        in result.output
    )
    assert "training" not in result.output
    nothing = CliRunner().invoke(main, ["replay", "labels", "--date", "2026-11-20"])
    assert nothing.exit_code == 1
    assert "no archived delivery of labels for 2026-11-20; archived dates: none" in nothing.output


def test_generate_refuses_to_overwrite_a_delivery_without_force(tmp_path):
    """Issue 10 finding 9: generate over an existing date overwrote landing files silently,
    and --late deleted one."""
    args = ["generate", "--landing", str(tmp_path), "--date", "2026-11-28", "--products", "50"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "next: dq-pipelines ingest --date 2026-11-28" in first.output
    catalog = tmp_path / "catalog" / "2026-11-28" / "catalog.csv"
    before = catalog.read_bytes()

    again = CliRunner().invoke(main, [*args, "--bad-prices", "0.5"])
    assert again.exit_code == 2
    assert "a delivery of 2026-11-28 is already in" in again.output
    assert "pass --force" in again.output
    late = CliRunner().invoke(main, [*args, "--late", "catalog"])
    assert late.exit_code == 2
    assert catalog.read_bytes() == before

    forced = CliRunner().invoke(main, [*args, "--late", "catalog", "--force"])
    assert forced.exit_code == 0, forced.output
    assert not catalog.exists()
