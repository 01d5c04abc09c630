"""Promotion: the decision, the registry's states, rollback, and the rules file."""

import duckdb
import pytest

from dq_pipelines.declared.errors import DefinitionFileError
from dq_pipelines.declared.promotion import load_promotion_rules
from dq_pipelines.ml.promotion import decide_promotion
from dq_pipelines.storage import model_registry
from dq_pipelines.storage.ops_tables import MODEL_REGISTRY, ensure_ops_tables, insert

TOLERANCES = {"accuracy": 0.01, "macro_f1": 0.01}


def test_a_failing_golden_case_blocks_promotion_whatever_the_metrics():
    decision = decide_promotion({"accuracy": 0.99, "macro_f1": 0.99}, None, ["chair"], TOLERANCES)
    assert not decision.promote and "golden case(s) failed: chair" in decision.reason


def test_the_first_model_is_promoted_when_its_golden_cases_pass():
    decision = decide_promotion({"accuracy": 0.7, "macro_f1": 0.7}, None, [], TOLERANCES)
    assert decision.promote and "no champion yet" in decision.reason


def test_worse_than_the_champion_beyond_the_tolerance_is_not_promoted():
    champion = {"accuracy": 0.95, "macro_f1": 0.95}
    within = decide_promotion({"accuracy": 0.945, "macro_f1": 0.95}, champion, [], TOLERANCES)
    assert within.promote
    worse = decide_promotion({"accuracy": 0.93, "macro_f1": 0.95}, champion, [], TOLERANCES)
    assert not worse.promote and "accuracy 0.9300 < champion's 0.9500 - 0.01" in worse.reason


def test_an_unmeasured_metric_is_not_a_pass():
    decision = decide_promotion({"accuracy": 0.99}, None, [], TOLERANCES)
    assert not decision.promote and "macro_f1" in decision.reason


def _registry(versions: list[str]) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    ensure_ops_tables(conn)
    insert(conn, MODEL_REGISTRY, [
        {"model_version": v, "model_asset": "m", "trained_at": f"2026-11-2{i} 00:00:00"}
        for i, v in enumerate(versions, start=1)
    ])  # fmt: skip
    return conn


def test_promotion_retires_the_champion_and_rollback_puts_it_back():
    conn = _registry(["v1", "v2", "v3"])
    assert model_registry.champion(conn, "m") is None
    assert model_registry.promote(conn, "m", "v1", "first") is None
    assert model_registry.promote(conn, "m", "v2", "better") == "v1"
    model_registry.keep_challenger(conn, "v3", "2 golden case(s) failed")
    assert model_registry.champion(conn, "m")["model_version"] == "v2"
    status = dict(conn.execute("select model_version, status from dq_model_registry").fetchall())
    assert status == {"v1": "retired", "v2": "champion", "v3": "challenger"}

    assert model_registry.rollback(conn, "m") == ("v2", "v1")
    assert model_registry.champion(conn, "m")["model_version"] == "v1"
    reason = model_registry.version(conn, "v1")["status_reason"]
    assert reason == "rollback from v2"
    assert model_registry.rollback(conn, "m", "v2") == ("v1", "v2")


def test_rollback_refuses_what_is_not_there():
    conn = _registry(["v1"])
    with pytest.raises(LookupError, match="no earlier champion"):
        model_registry.rollback(conn, "m")
    with pytest.raises(LookupError, match="has no version 'v9'"):
        model_registry.rollback(conn, "m", "v9")


def test_the_rules_file_refuses_unknown_keys_and_negative_tolerances(tmp_path):
    path = tmp_path / "promotion.yaml"
    path.write_text("category_model:\n  tolerances: {accuracy: 0.01}\n")
    assert load_promotion_rules(path)["category_model"].tolerances == {"accuracy": 0.01}
    path.write_text("category_model:\n  tolerance: {accuracy: 0.01}\n")
    with pytest.raises(DefinitionFileError, match="tolerance"):
        load_promotion_rules(path)
    path.write_text("category_model:\n  tolerances: {accuracy: -0.5}\n")
    with pytest.raises(DefinitionFileError, match="must be >= 0"):
        load_promotion_rules(path)


def test_without_declared_metrics_the_golden_cases_decide():
    assert decide_promotion({}, None, [], {}).promote
    assert not decide_promotion({}, None, ["desk-lamp-no-sofa"], {}).promote
