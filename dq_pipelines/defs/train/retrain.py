"""retrain_on_drift: a sensor that requests training when new data drifted and passed its checks."""

import dagster as dg

from dq_pipelines.declared.project import MODEL_ASSET, load_project
from dq_pipelines.ml.gate import blocking_checks_upstream
from dq_pipelines.ml.retrain import decide_retrain

_TAG_LIMIT = 250  # characters of the reason kept in the run's tag


@dg.definitions
def retrain() -> dg.Definitions:
    project = load_project()
    drift_checks = [
        spec
        for specs in project.ml_checks.values()
        for spec in specs
        if spec.kind == "drift"
        and spec.options.retrain_above_share is not None  # type: ignore[attr-defined]
        and project.feeds_training(spec.asset)
    ]
    if not drift_checks:
        return dg.Definitions()
    spec = drift_checks[0]
    check = dg.AssetCheckKey(dg.AssetKey(spec.asset), spec.name)
    gate_keys = blocking_checks_upstream(project, MODEL_ASSET)

    @dg.sensor(
        name="retrain_on_drift",
        asset_selection=[MODEL_ASSET],
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"Requests {MODEL_ASSET} training when {spec.asset}'s {spec.name} check "
        f"finds at least {spec.options.retrain_above_share:.0%} of its columns drifted "  # type: ignore[attr-defined]
        "against the model in service, and every blocking check upstream of the model "
        "passed on that data. The run's tags say why.",
    )
    def retrain_on_drift(context: dg.SensorEvaluationContext):
        decision = decide_retrain(context.instance, check, gate_keys, context.cursor)
        if decision.cursor is not None:
            context.update_cursor(decision.cursor)
        if not decision.request:
            context.log.info(decision.reason)
            return dg.SkipReason(decision.reason)
        context.log.info(f"requesting {MODEL_ASSET}: {decision.reason}")
        return dg.RunRequest(
            run_key=f"retrain-{spec.asset}-{spec.name}-{decision.cursor}",
            asset_selection=[dg.AssetKey(MODEL_ASSET)],
            tags={
                "dq/trigger": "drift",
                "dq/drift_check": f"{spec.asset}:{spec.name}",
                "dq/retrain_reason": decision.reason[:_TAG_LIMIT],
            },
        )

    return dg.Definitions(sensors=[retrain_on_drift])
