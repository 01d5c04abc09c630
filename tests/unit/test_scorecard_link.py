"""Slack alerts link the scorecard when DQ_SCORECARD_URL is set, and only then."""

import dagster as dg
import pytest

from dq_pipelines.alerts.from_checks import alert_for
from dq_pipelines.alerts.message import CheckAlert
from dq_pipelines.defs.resources import build_resources

RUN_URL = "http://dagster.test/runs/r1"
SCORECARD = "https://reports.example.test/dq/scorecard.html"


def _alert(scorecard_url: str | None) -> CheckAlert:
    return CheckAlert(
        "stg_catalog",
        "title__not_null",
        "ERROR",
        True,
        "r1",
        RUN_URL,
        (),
        scorecard_url=scorecard_url,
    )


def test_an_alert_links_the_scorecard_when_its_url_is_set():
    alert = _alert(SCORECARD)
    assert alert.text().splitlines()[-2:] == [f"Run: {RUN_URL}", f"Scorecard: {SCORECARD}"]
    assert alert.blocks()[-1]["text"]["text"] == (
        f"<{RUN_URL}|Open the run>  |  <{SCORECARD}|Open the scorecard>"
    )


@pytest.mark.parametrize("unset", [None, ""])
def test_an_alert_has_no_scorecard_link_when_unset(unset):
    alert = _alert(unset)
    assert "corecard" not in alert.text()
    assert alert.blocks()[-1]["text"]["text"] == f"<{RUN_URL}|Open the run>"


def test_a_scorecard_url_that_is_not_http_is_shown_as_text_not_linked():
    alert = _alert("javascript:alert(1)|<!channel>")
    assert alert.blocks()[-1]["text"]["text"].endswith("  |  javascript:alert(1)|&lt;!channel&gt;")


def test_the_configured_url_is_bound_and_reaches_the_alert(monkeypatch):
    monkeypatch.setenv("DQ_SCORECARD_URL", SCORECARD)
    with dg.build_resources({"dagster_ui": build_resources()["dagster_ui"]}) as built:
        assert built.dagster_ui.scorecard_url == SCORECARD
    monkeypatch.delenv("DQ_SCORECARD_URL")
    with dg.build_resources({"dagster_ui": build_resources()["dagster_ui"]}) as built:
        assert built.dagster_ui.scorecard_url is None
    evaluation = dg.AssetCheckEvaluation(
        asset_key=dg.AssetKey("stg_catalog"), check_name="c", passed=False, metadata={}
    )
    assert alert_for(evaluation, "r1", RUN_URL, [], scorecard_url=SCORECARD).scorecard_url == (
        SCORECARD
    )
