"""What the UI shows about the definitions is in words: every check has a sentence (no repr of
an expectation), every sensor, schedule and job a description, every asset group one (in the
jobs' descriptions: Dagster 1.13 has none for groups), and no step is named by a hash."""

import dagster as dg

from dq_pipelines.defs.jobs import GROUPS


def _looks_like_a_repr(text: str) -> bool:
    return "({'" in text or text.startswith("expect_") or "{'" in text


def test_every_check_is_described_in_words(defs: dg.Definitions):
    graph = defs.resolve_asset_graph()
    described = {}
    for key in graph.asset_check_keys:
        description = graph.get_check_spec(key).description or ""
        described[f"{key.asset_key.to_user_string()}.{key.name}"] = description
    bad = {k: d for k, d in described.items() if not d.strip() or _looks_like_a_repr(d)}
    assert not bad, bad
    assert not [k for k, d in described.items() if not d.rstrip().endswith((".", ")"))]
    assert described["stg_catalog.title__not_null"] == (
        "'title' is never null. The title is the model's main feature."
    )
    assert described["raw_catalog.column_schema_change"].startswith("The delivered columns")


def test_every_sensor_schedule_job_and_group_has_a_description(defs: dg.Definitions):
    jobs = [j for j in defs.resolve_all_job_defs() if not j.name.startswith("__")]
    undescribed = [j.name for j in jobs if not j.description]
    undescribed += [s.name for s in defs.sensors or [] if not s.description]
    undescribed += [s.name for s in defs.schedules or [] if not s.description]
    assert not undescribed, undescribed
    graph = defs.resolve_asset_graph()
    groups = {graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert groups == set(GROUPS), "describe each asset group in defs/jobs.py GROUPS"
    full = defs.resolve_job_def("full_pipeline_job").description or ""
    assert all(text in full for text in GROUPS.values())


def test_no_step_is_named_by_a_hash(defs: dg.Definitions):
    steps = defs.resolve_job_def("full_pipeline_job").graph.node_names()
    assert not [s for s in steps if s.startswith("asset_check_")], sorted(steps)
    # The column schema change check is computed in the raw asset's own step (a separate step
    # would be skipped with a held delivery, the one it must explain).
    raw = dg.AssetKey("raw_catalog")
    checks = {k.name for k in defs.resolve_asset_graph().asset_check_keys if k.asset_key == raw}
    assert "column_schema_change" in checks and "raw_catalog_column_schema_change" not in steps
