"""`dq-pipelines` verbs: sample data with faults, the demo, and clear errors on bad input."""

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


@pytest.mark.slow
def test_demo_reports_each_delivery(project_env, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(project_env / "dagster_home"))
    result = CliRunner().invoke(main, ["demo", "--products", "300"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "== clean delivery 2026-11-26" in out and "checks: 56 passed, 0 failed" in out
    assert "training: RAN -> model" in out
    dirty = out.split("== slightly dirty delivery 2026-11-27")[1].split("== faulty")[0]
    assert "PARTIAL raw_catalog: 299 of 300 rows published, 1 quarantined" in dirty  # title
    assert "PARTIAL stg_catalog: 298 of 299 rows published, 1 quarantined" in dirty
    assert "training: RAN -> model" in dirty
    assert "== faulty delivery 2026-11-28" in out
    assert "FAILED raw_catalog.updated_at__type [ERROR, blocking]" in out  # held at raw
    assert "training: BLOCKED" in out
    assert "alerts: 6 stored -> dq_alerts table (Slack not configured)" in out


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
    assert "checks: 20 passed, 0 failed" in result.output
    assert "training: RAN" in result.output


def test_replay_rejects_an_unknown_source(project_env):
    result = CliRunner().invoke(main, ["replay", "weather", "--date", "2026-11-27"])
    assert result.exit_code == 2
    assert "unknown source; known: catalog, feedback, labels" in result.output
