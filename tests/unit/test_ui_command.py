"""`make ui` starts Dagster with `dg dev` (no supersession warning), from a dagster-dg-cli of
the installed Dagster's own release, on an instance whose onboarding modal and telemetry are off
(tests/unit/test_dead_runs_instance_config.py reads the instance config itself)."""

import re
from importlib.metadata import version
from pathlib import Path

import yaml

ROOT = Path(__file__).parents[2]


def test_make_ui_runs_dg_dev_on_the_workspace():
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^ui:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe, "no ui target"
    assert "$(BIN)/dg dev -w workspace.yaml" in recipe.group(1)
    assert "dagster dev" not in recipe.group(1)


def test_dg_is_of_the_installed_dagster_release():
    assert version("dagster-dg-cli") == version("dagster") == version("dagster-webserver")


def test_the_instance_make_ui_creates_has_no_onboarding_modal_and_no_telemetry():
    config = yaml.safe_load((ROOT / "dq_pipelines" / "instance_dagster.yaml").read_text())
    assert config["nux"] == {"enabled": False}
    assert config["telemetry"] == {"enabled": False}
    assert "cp dq_pipelines/instance_dagster.yaml $@" in (ROOT / "Makefile").read_text()
