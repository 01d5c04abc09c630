"""Issue 8 finding 5: values from data reach Slack as data, never as mentions, links or markup.

Each alert goes through the outbox and the real slack-sdk client to the local stub, by webhook
and by bot token; the test compares the exact text and blocks Slack received.
"""

import logging

import dagster as dg
import pytest
from slack_stub import SlackStub

from dq_pipelines.alerts.channels.slack import SlackNotifier
from dq_pipelines.alerts.from_checks import AlertOutbox, CheckAlert, alert_for

LOG = logging.getLogger("test_alert_injection")
HOSTILE = ["<!channel>", "<!here>", "<http://evil.example|open the run>", "a`b` c", "Tom & Jerry"]
SAMPLE_SHOWN = (
    '["&lt;!channel&gt;", "&lt;!here&gt;", "&lt;http://evil.example|open the run&gt;", '
    '"a\u02cbb\u02cb c", "Tom &amp; Jerry"]'
)
DESCRIPTION = "<!channel> see <http://evil.example|the docs> `now`"
DESCRIPTION_SHOWN = "&lt;!channel&gt; see &lt;http://evil.example|the docs&gt; \u02cbnow\u02cb"
RUN_URL = "http://dagster.test/runs/run-1"


def _slack(stub: SlackStub, mode: str) -> SlackNotifier:
    fast = {"retry_backoff_seconds": 0.01, "max_retries": 0}
    if mode == "webhook":
        return SlackNotifier(webhook_url=stub.webhook_url, **fast)
    return SlackNotifier(
        bot_token=stub.token, channel="#dq", api_base_url=stub.api_base_url, **fast
    )


def _hostile_evaluation() -> dg.AssetCheckEvaluation:
    return dg.AssetCheckEvaluation(
        asset_key=dg.AssetKey("stg_catalog"),
        check_name="title__not_in_set",
        passed=False,
        severity=dg.AssetCheckSeverity.ERROR,
        blocking=True,
        metadata={
            "unexpected_count": dg.MetadataValue.int(5),
            "unexpected_sample": dg.MetadataValue.json(HOSTILE),
            "description": dg.MetadataValue.text(DESCRIPTION),
        },
    )


@pytest.mark.parametrize("mode", ["webhook", "bot"])
def test_hostile_values_arrive_escaped_in_text_and_blocks(slack_stub, warehouse, mode):
    alert = alert_for(_hostile_evaluation(), "run-1", RUN_URL, ["training_set", "<!here>"])

    assert (
        AlertOutbox(_slack(slack_stub, mode).alert_channel(), warehouse, LOG).deliver(alert)
        == "sent"
    )

    (posted,) = slack_stub.messages()
    assert posted["text"] == "\n".join(
        [
            "Data check failed: stg_catalog / title__not_in_set (ERROR, blocking)",
            "- unexpected_count: 5",
            f"- unexpected_sample: {SAMPLE_SHOWN}",
            f"- description: {DESCRIPTION_SHOWN}",
            "Blocked: &lt;!here&gt;, training_set",
            f"Run: {RUN_URL}",
        ]
    )
    assert posted["blocks"] == [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": "Check failed: stg_catalog.title__not_in_set"},
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "\n".join(
                    [
                        ":red_circle: *ERROR* (blocking)",
                        "*unexpected_count*: `5`",
                        f"*unexpected_sample*: `{SAMPLE_SHOWN}`",
                        f"*description*: `{DESCRIPTION_SHOWN}`",
                    ]
                ),
                "verbatim": True,
            },
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "Blocked: &lt;!here&gt;, training_set",
                "verbatim": True,
            },
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": f"<{RUN_URL}|Open the run>"}},
    ]
    every_string = str(posted)
    for markup in ("<!", "<http://evil", "|open the run>", "a`b"):
        assert markup not in every_string


def test_asset_and_check_names_are_escaped_too():
    alert = CheckAlert(
        asset="<!channel>",
        check_name="x&y",
        severity="WARN",
        blocking=False,
        run_id="r",
        run_url=RUN_URL,
        blocked_assets=(),
    )
    assert alert.text().splitlines()[0] == "Data check failed: &lt;!channel&gt; / x&amp;y (WARN)"
    assert alert.blocks()[0]["text"]["text"] == "Check failed: &lt;!channel&gt;.x&amp;y"


@pytest.mark.parametrize(
    ("url", "link", "plain"),
    [
        (
            "http://dagster.test/runs/x|<!channel>",
            "<http://dagster.test/runs/x%7C%3C!channel%3E|Open the run>",
            "http://dagster.test/runs/x%7C%3C!channel%3E",
        ),
        ("https://d.test/runs/1?a=1&b=2", "<https://d.test/runs/1?a=1&amp;b=2|Open the run>", None),
        ("javascript:alert(1)", "javascript:alert(1)", "javascript:alert(1)"),
        ("<!here>", "&lt;!here&gt;", "&lt;!here&gt;"),
    ],
)
def test_the_run_link_is_validated_and_cannot_carry_markup(url, link, plain):
    alert = CheckAlert("a", "c", "WARN", False, "r", url, ())
    assert alert.blocks()[-1]["text"]["text"] == link
    if plain:
        assert alert.text().splitlines()[-1] == f"Run: {plain}"


def test_a_long_sample_is_cut_between_facts_never_inside_a_code_span():
    facts = {f"fact_{i}": "&" * 300 for i in range(12)}  # 1,500 escaped characters each
    section = CheckAlert("a", "c", "WARN", False, "r", RUN_URL, (), facts).blocks()[1]
    text = section["text"]["text"]
    assert len(text) <= 3000 and text.endswith("_more details in dq_alerts_")
    assert all(line.count("`") in (0, 2) for line in text.splitlines())
