"""The outbox knows channels only by their interface: a channel without threads or edits gets
the webhook behaviour (one message per group, later alerts `grouped`), one with both gets the bot
behaviour (one thread per group, its first message edited with the count)."""

import itertools
import logging

from dq_pipelines.alerts.channels.base import Channel, Delivered
from dq_pipelines.alerts.from_checks import AlertOutbox, CheckAlert

LOG = logging.getLogger("test_alert_channel_plugin")


class MemoryChannel(Channel):
    """A channel that keeps what it is sent; threads and edits only if asked for."""

    name = "memory"

    def __init__(self, threads: bool = False, edits: bool = False) -> None:
        self.replies_in_thread = threads
        self.edits = edits
        self.posts: list[tuple[str | None, str]] = []  # (thread id, text)
        self.edited: list[tuple[str, str]] = []  # (message id, text)
        self._ids = (f"m{i}" for i in itertools.count(1))

    def destination(self) -> str:
        return "memory"

    def post(self, text, blocks=None, *, deadline=None) -> Delivered:
        return self._keep(None, text)

    def reply_in_thread(self, thread_id, text, blocks=None, *, deadline=None) -> Delivered:
        assert self.replies_in_thread, "the outbox replied on a channel without threads"
        return self._keep(thread_id, text)

    def edit(self, message, text, blocks=None, *, deadline=None) -> None:
        assert self.edits, "the outbox edited on a channel without edits"
        assert message.conversation == "room"
        self.edited.append((message.message_id, text))

    def _keep(self, thread_id: str | None, text: str) -> Delivered:
        self.posts.append((thread_id, text))
        # A channel without threads has nothing to reply to: it answers with no message id.
        return Delivered("memory", "room", next(self._ids) if self.replies_in_thread else None)


def _alert(run: str, check: str = "thumbs__in_set") -> CheckAlert:
    return CheckAlert(
        asset="stg_feedback",
        check_name=check,
        severity="WARN",
        blocking=False,
        run_id=run,
        run_url=f"http://dagster.test/runs/{run}",
        blocked_assets=(),
    )


def _three_failures(channel: MemoryChannel, warehouse) -> list[str]:
    outbox = AlertOutbox(channel, warehouse, LOG)
    return [outbox.deliver(_alert(run)) for run in ("run-1", "run-2", "run-3")]


def test_a_channel_without_threads_or_edits_gets_one_message_per_group(warehouse):
    channel = MemoryChannel()

    assert _three_failures(channel, warehouse) == ["sent", "grouped", "grouped"]

    assert [thread for thread, _ in channel.posts] == [None]
    assert "run-1" in channel.posts[0][1] and channel.edited == []
    alerts = warehouse.query("select status, slack_ts from dq_alerts order by created_at")
    assert alerts["status"].tolist() == ["sent", "grouped", "grouped"]
    assert alerts["slack_ts"].isna().all()
    group = warehouse.query("select failures, slack_ts, closed_at from dq_alert_groups")
    assert group["failures"].tolist() == [3] and group["slack_ts"].isna().all()

    # A pass closes the group: the check's next failure is a message of its own.
    outbox = AlertOutbox(channel, warehouse, LOG)
    outbox.close_group(outbox.open_group("stg_feedback", "thumbs__in_set").group_id)
    assert outbox.deliver(_alert("run-4")) == "sent"
    assert len(channel.posts) == 2


def test_a_channel_with_threads_and_edits_gets_one_thread_per_group(warehouse):
    channel = MemoryChannel(threads=True, edits=True)

    assert _three_failures(channel, warehouse) == ["sent", "sent", "sent"]

    assert [thread for thread, _ in channel.posts] == [None, "m1", "m1"]
    assert [m for m, _ in channel.edited] == ["m1", "m1"]
    assert "Failing for 2 consecutive runs" in channel.edited[0][1]
    assert "Failing for 3 consecutive runs" in channel.edited[1][1]
    assert "http://dagster.test/runs/run-3" in channel.edited[1][1]
    alerts = warehouse.query("select slack_ts from dq_alerts order by created_at")
    assert alerts["slack_ts"].tolist() == ["m1", "m2", "m3"]
    group = warehouse.query("select failures, slack_ts from dq_alert_groups")
    assert group["failures"].tolist() == [3] and group["slack_ts"].tolist() == ["m1"]


def test_a_channel_with_threads_but_no_edits_replies_and_edits_nothing(warehouse):
    channel = MemoryChannel(threads=True)

    assert _three_failures(channel, warehouse) == ["sent", "sent", "sent"]

    assert [thread for thread, _ in channel.posts] == [None, "m1", "m1"]
    assert channel.edited == []
