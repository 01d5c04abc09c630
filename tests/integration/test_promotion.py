"""The model gate: golden cases judge every trained model; only a model that passes them and is
not worse than the champion is promoted; the registry says why; rollback is one command."""

import pytest
from click.testing import CliRunner
from pipeline_support import (
    CLEAN_RUN,
    evaluations,
    evaluations_of_run,
    materialized,
    materialized_in_run,
    run_job,
)

from dq_pipelines.cli import main
from dq_pipelines.declared.golden_cases import known_categories
from dq_pipelines.declared.project import load_project

pytestmark = pytest.mark.slow


def _golden(checks: dict) -> dict[str, object]:
    return {k: e for k, e in checks.items() if k.startswith("category_model.golden_")}


def _registry(warehouse):
    return warehouse.query(
        "select model_version, status, status_reason from dq_model_registry "
        "where model_asset = 'category_model' order by trained_at"
    )


def test_a_good_model_is_promoted_and_one_trained_on_shuffled_labels_is_not(
    defs, instance, project_env, start_from, warehouse
):
    good = start_from(CLEAN_RUN)
    assert good.success and "category_model_evaluation" in materialized_in_run(
        instance, good.run_id
    )
    golden = _golden(evaluations_of_run(instance, good.run_id))
    assert len(golden) == len(load_project().golden_for("category_model")) >= 8
    assert all(e.passed for e in golden.values())
    first = _registry(warehouse)
    assert first.status.tolist() == ["champion"]
    assert "every golden case passed; no champion yet" in first.status_reason.item()

    # A bug rotates the categories of the published training set (every label wrong in the
    # same way): its data checks ran before, so the gate lets training through; the golden
    # cases are what catches the model.
    categories = sorted(known_categories(load_project().suites))
    rotated = " ".join(
        f"when '{c}' then '{categories[(i + 1) % len(categories)]}'"
        for i, c in enumerate(categories)
    )
    with warehouse.connect() as conn:
        conn.execute(f"update training_set set label = case label {rotated} end")
    broken = run_job(defs, instance, "train_job")
    assert broken.success and "category_model" in materialized(broken)
    failed = {k: e for k, e in _golden(evaluations(broken)).items() if not e.passed}
    assert len(failed) >= 6
    case = failed["category_model.golden_office_chair_lumbar"]
    message = case.metadata["description"].value
    assert "golden case office-chair-lumbar" in message and "expected chairs" in message

    registry = _registry(warehouse)
    assert registry.status.tolist() == ["champion", "challenger"]  # the first stays in service
    assert "golden case(s) failed" in registry.status_reason.iloc[1]
    history = warehouse.query(
        "select count(*) as n from dq_check_results where check_kind = 'golden' "
        "and status = 'failed' and asset = 'category_model' and run_id = ?",
        [broken.run_id],
    )
    assert history["n"].item() == len(failed)

    listed = CliRunner().invoke(main, ["model", "list"])
    assert listed.exit_code == 0, listed.output
    assert "CHAMPION" in listed.output and "CHALLENGER" in listed.output
    refused = CliRunner().invoke(main, ["model", "rollback"])
    assert refused.exit_code == 1 and "no earlier champion" in refused.output
