"""Each ML check's outcome on a small table built to pass or fail it (no pipeline run)."""

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dq_pipelines.checks.gx_runner import TableRef
from dq_pipelines.checks.ml_checks import MlChecks
from dq_pipelines.checks.ml_privacy import apply_privacy_transforms
from dq_pipelines.declared.ml_check_schema import MlCheckFileModel
from dq_pipelines.declared.ml_checks import MlCheckSpec


def _spec(name: str, **options) -> MlCheckSpec:
    model = MlCheckFileModel.model_validate({"checks": {name: options}})
    return MlCheckSpec("t", name, model.checks[name], Path("t.yaml"))


def _outcome(conn: duckdb.DuckDBPyConnection, frame: pd.DataFrame, spec: MlCheckSpec):
    conn.execute("create or replace table t as select * from frame")
    (outcome,) = MlChecks("t", (spec,), staged=False)(conn, '"main"."t"')
    return outcome


@pytest.fixture
def conn():
    with duckdb.connect() as c:
        yield c


def test_k_anonymity_fails_on_full_postcodes_and_passes_on_their_areas(conn):
    spec = _spec("k", kind="k_anonymity", k=5, quasi_identifiers=["postcode"])
    full = pd.DataFrame({"postcode": [f"LS6 {i}QT" for i in range(20)]})
    failed = _outcome(conn, full, spec)
    assert not failed.passed and failed.details["smallest_group"] == 1
    assert failed.unexpected_count == 20 and "Not 5-anonymous" in failed.description
    areas = pd.DataFrame({"postcode": ["LS"] * 10 + ["M1"] * 10})
    assert _outcome(conn, areas, spec).passed


def test_no_identifiers_names_the_column_and_masks_the_example(conn):
    spec = _spec("pii", kind="no_identifiers", scan_columns=["description"])
    frame = pd.DataFrame(
        {"description": ["Oak desk, 120 cm", "Call the seller: anna.berg@example.com", "Lamp"]}
    )
    outcome = _outcome(conn, frame, spec)
    assert not outcome.passed and outcome.details["failing_columns"] == ["description"]
    assert "anna.berg@example.com" not in str(outcome)  # the example is masked
    clean = pd.DataFrame({"description": ["Oak desk, 120 cm", "SKU 1234-5678", "Lamp"]})
    assert _outcome(conn, clean, spec).passed


def test_missing_labels_fails_on_one_unlabelled_group_and_passes_when_spread(conn):
    spec = _spec("m", kind="missing_labels", group_column="category", max_share=0.5)
    lamps = pd.DataFrame({"label": ["a"] * 8 + [None] * 2, "category": ["x"] * 8 + ["lamps"] * 2})
    outcome = _outcome(conn, lamps, spec)
    assert not outcome.passed and outcome.details["worst_group"] == "lamps"
    spread = pd.DataFrame({"label": ["a"] * 99 + [None], "category": ["x", "y"] * 50})
    assert _outcome(conn, spread, spec).passed


def test_drift_with_no_reference_passes_saying_so(conn):
    outcome = _outcome(conn, pd.DataFrame({"price": [1.0, 2.0]}), _spec("d", kind="drift"))
    assert outcome.passed and "No reference to compare with yet" in outcome.description


def test_a_check_that_cannot_be_computed_reports_why(conn):
    spec = _spec("k", kind="k_anonymity", k=5)  # no quasi-identifier declared or listed
    outcome = _outcome(conn, pd.DataFrame({"postcode": ["LS"]}), spec)
    assert not outcome.passed and "no quasi-identifier column" in outcome.error


def test_privacy_transforms_rewrite_the_staged_table_and_keep_its_columns(conn):
    conn.execute(
        "create table s as select * from (values ('LS6 3QT', 'a@b.example', 7)) v(pc, email, n)"
    )
    table = TableRef("s")
    apply_privacy_transforms(conn, table, {"pc": "truncate:2", "email": "drop"}, salt=None)
    assert conn.execute("select * from s").fetchall() == [("LS", None, 7)]
    with pytest.raises(ValueError, match="salt"):
        apply_privacy_transforms(conn, table, {"pc": "hash"}, salt=None)
    apply_privacy_transforms(conn, table, {"pc": "hash"}, salt="s3cret")
    ((hashed,),) = conn.execute("select pc from s").fetchall()
    assert len(hashed) == 64 and hashed != "LS"


def test_an_ml_check_reading_a_sensitive_column_shows_its_values_masked(conn):
    from dq_pipelines.checks.dagster_results import to_check_result

    spec = _spec("m", kind="missing_labels", group_column="category", max_share=0.0)
    frame = pd.DataFrame({"label": ["a", None], "category": ["x", "anna@example.com"]})
    outcome = _outcome(conn, frame, spec)
    assert outcome.details["shows_values_of"] == ["label", "category"]
    result = to_check_result("t", outcome, sensitive=frozenset({"category"}))
    assert "masked" in result.metadata
    assert "anna@example.com" not in str(result.metadata)  # figures, keys and sentence
    assert "anna@example.com" in str(outcome)
    plain = to_check_result("t", outcome, sensitive=frozenset())
    assert "masked" not in plain.metadata


def test_the_label_audit_queues_flips_and_skips_what_a_person_confirmed(conn):
    from dq_pipelines.checks.label_review import pending_reviews, record_verdict
    from dq_pipelines.storage.ops_tables import ensure_ops_tables

    ensure_ops_tables(conn)
    words = {"chairs": "seat armrest chair", "lamps": "bulb shade lamp", "rugs": "wool pile rug"}
    rows = [(f"p{i:03d}", label, f"{text} {i}") for i in range(60) for label, text in
            [list(words.items())[i % 3]]]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["product_id", "label", "title"])
    frame.loc[[0, 1, 2], "label"] = ["lamps", "rugs", "chairs"]  # three flipped labels
    spec = _spec(
        "audit", kind="label_audit", id_column="product_id", text_columns=["title"], folds=3
    )
    conn.execute("create or replace table t as select * from frame")
    (first,) = MlChecks("t", (spec,), staged=True)(conn, '"main"."t"')
    flagged = {s["item"] for s in first.unexpected_sample}
    assert flagged == {"p000", "p001", "p002"} and not first.passed
    assert set(pending_reviews(conn, "t")["item_id"]) == flagged

    record_verdict(conn, "t", "p000", "correct", "ana")  # the person says lamps is right
    (again,) = MlChecks("t", (spec,), staged=True)(conn, '"main"."t"')
    assert {s["item"] for s in again.unexpected_sample} == {"p001", "p002"}
    assert again.details["confirmed_correct_skipped"] == 1
