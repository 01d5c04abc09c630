"""Issue 8, finding 6: values of a sensitive column are shown nowhere, under any name.

feedback.query is `sensitive: true`. A real run, with feedback rows whose queries fail a check
on raw_feedback and, under new names, on a SQL model (`query as search_text`,
`upper(query) as shouted`); then the alert sensor posts to the Slack stub. The raw values may
be in the data tables (that is the data) and the archive; they must not be in the event log,
any other warehouse table (dq_quarantine, dq_alerts, dq_check_results, ...) or anything Slack
received.
"""

import csv
import json
import shutil
from pathlib import Path

import dagster as dg
import pytest
from dagster._serdes import serialize_value
from pipeline_support import CLEAN_DAY, deliver, evaluations, run_job

from dq_pipelines import layout
from dq_pipelines.alerts.channels.slack import SlackNotifier
from dq_pipelines.checks.masking import sensitive_columns
from dq_pipelines.declared.project import load_project

pytestmark = pytest.mark.slow

# Fail raw_feedback's new query check (they hold an '@'): quarantined at raw.
EMAILS = ["alice.private@example.com", "bob.hidden@example.org", "carol.secret@example.net"]
# Pass every raw and staging check, fail the test model's check on search_text.
SSNS = ["ssn 123-45-6789", "ssn 987-65-4321", "ssn 555-12-3456"]
# What must never show: a distinctive part of each value, in any case.
SECRETS = ["alice.private", "bob.hidden", "carol.secret", "123-45-6789", "987-65-4321", "555-12"]

SEARCH_TERMS_SQL = """-- Search text under other names (test model: sensitivity follows columns).
with feedback as (
    select * from stg_feedback
),

final as (
    select
        query as search_text,
        upper(query) as shouted,
        product_id,
        _delivery_date,
        _load_id
    from feedback
)

select * from final
"""
SEARCH_TERMS_SUITE = {
    "name": "search_terms",
    "meta": {"severity": "ERROR"},
    "expectations": [
        {
            "type": "expect_column_values_to_not_match_regex",
            "kwargs": {"column": "search_text", "regex": "^ssn "},
        },
        {
            "type": "expect_column_values_to_not_match_regex",
            "kwargs": {"column": "shouted", "regex": "SSN"},
            "meta": {"severity": "WARN"},
        },
        {  # its observed value is values themselves (the most common queries): masked
            "type": "expect_column_most_common_value_to_be_in_set",
            "kwargs": {"column": "search_text", "value_set": ["none of these"]},
            "meta": {"severity": "WARN"},
        },
    ],
}


@pytest.fixture
def sensitive_project(tmp_path, monkeypatch):
    """The shipped project plus the test model, its suite and a query check on raw_feedback."""
    contracts, sql, suites = tmp_path / "contracts", tmp_path / "sql", tmp_path / "suites"
    shutil.copytree(layout.CONTRACTS_DIR, contracts)
    shutil.copytree(layout.SQL_DIR, sql)
    shutil.copytree(layout.SUITES_DIR, suites)
    (sql / "marts" / "search_terms.sql").write_text(SEARCH_TERMS_SQL)
    (suites / "search_terms.json").write_text(json.dumps(SEARCH_TERMS_SUITE))
    raw = json.loads((suites / "raw_feedback.json").read_text())
    raw["expectations"].append(
        {
            "type": "expect_column_values_to_not_match_regex",
            "kwargs": {"column": "query", "regex": "@"},
            "meta": {"severity": "ERROR"},
        }
    )
    (suites / "raw_feedback.json").write_text(json.dumps(raw))
    monkeypatch.setattr(layout, "CONTRACTS_DIR", contracts)
    monkeypatch.setattr(layout, "SQL_DIR", sql)
    monkeypatch.setattr(layout, "SUITES_DIR", suites)
    load_project.cache_clear()
    yield load_project()
    load_project.cache_clear()


def _add_feedback_rows(project_env: Path, queries: list[str]) -> None:
    path = project_env / "landing" / "feedback" / str(CLEAN_DAY) / "feedback.csv"
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        header, template = reader.fieldnames, next(reader)
    with path.open("a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        writer.writerows(template | {"query": q} for q in queries)


def _event_log(instance: dg.DagsterInstance) -> str:
    return "\n".join(
        serialize_value(event)
        for run in instance.get_runs()
        for event in instance.all_logs(run.run_id)
    )


def _ops_tables(warehouse, project) -> str:
    """Every table of the warehouse but the published data itself, as text."""
    data = set(project.deps)
    tables = warehouse.query(
        "select table_schema, table_name from information_schema.tables"
    ).itertuples(index=False)
    texts = [
        warehouse.query(f'select * from "{schema}"."{name}"').to_json(orient="records")
        for schema, name in tables
        if not (schema == "main" and name in data)
    ]
    return "\n".join(texts)


def _assert_hidden(where: str, text: str) -> None:
    found = [s for s in SECRETS if s.lower() in text.lower()]
    assert not found, f"raw sensitive values {found} in {where}"


def test_sensitivity_follows_renames_and_expressions(sensitive_project):
    assert sensitive_columns(sensitive_project, "search_terms") == {"search_text", "shouted"}
    assert sensitive_columns(sensitive_project, "stg_feedback") == {"query"}
    # No feedback column reaches it; the seller postcode (a quasi-identifier) is masked too.
    assert sensitive_columns(sensitive_project, "training_set") == {"ships_from_postcode"}


def test_no_raw_sensitive_value_in_event_log_warehouse_or_slack(
    sensitive_project, project_env, instance, resources, warehouse, slack_stub
):
    from dq_pipelines.definitions import defs as load_defs

    deliver(project_env, CLEAN_DAY)
    _add_feedback_rows(project_env, EMAILS + SSNS)
    defs = load_defs()
    result = run_job(defs, instance)

    checks = evaluations(result)
    raw_check = checks["raw_feedback.query__not_match_regex"]
    model_check = checks["search_terms.search_text__not_match_regex"]
    shouted = checks["search_terms.shouted__not_match_regex"]
    for check in (raw_check, model_check, shouted):  # the values were really sampled...
        assert not check.passed and check.metadata["unexpected_count"].value == 3
        sample = json.loads(f"[{check.metadata['unexpected_sample'].value}]")  # shown as text
        assert len(sample) == 3 and all("***(" in v for v in sample)  # ...and masked
    assert model_check.metadata["masked"].value == "values of sensitive column(s) search_text"
    quarantined = warehouse.query(
        "select asset, row_data from dq_quarantine where released_at is null"
    )
    assert sorted(quarantined["asset"]) == ["raw_feedback"] * 3 + ["search_terms"] * 3
    row = json.loads(quarantined.query("asset == 'search_terms'")["row_data"].iloc[0])
    assert row["search_text"] == "s***(15)" and row["shouted"] == "S***(15)"
    assert row["product_id"]  # other columns stay readable

    # The results history has each of these checks, its values masked as in the metadata.
    history = warehouse.query(
        "select asset || '.' || check_name as key, status, observed_value::varchar as observed "
        "from dq_check_results where run_id = ?",
        [result.run_id],
    ).set_index("key")
    for check in (raw_check, model_check, shouted):  # failed, or warned as Dagster says
        key = f"{check.asset_key.to_user_string()}.{check.check_name}"
        status = {"WARN": "warned", "ERROR": "failed"}[check.severity.value]
        assert history.loc[key, "status"] == status
    expectations = sensitive_project.suites["search_terms"].expectations
    (common,) = [e for e in expectations if e.type.startswith("expect_column_most_common")]
    listed = history.loc[f"search_terms.{common.check_name}"]
    assert listed["status"] == "warned" and "***(" in listed["observed"]

    sensor_resources = resources | {
        "slack": SlackNotifier(
            webhook_url=slack_stub.webhook_url, api_base_url=slack_stub.api_base_url
        )
    }
    context = dg.build_sensor_context(instance=instance, resources=sensor_resources)
    defs.resolve_sensor_def("alert_on_failed_checks")(context)
    posted = json.dumps([r.body for r in slack_stub.requests])
    assert "search_terms / search_text__not_match_regex" in posted  # the alerts went out

    _assert_hidden("the Dagster event log", _event_log(instance))
    _assert_hidden("the warehouse's ops tables", _ops_tables(warehouse, sensitive_project))
    _assert_hidden("Slack", posted)
