"""Shared test settings and fixtures: everything runs offline and quietly."""

import os
from collections.abc import Iterator

import pytest
from slack_stub import SlackStub

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")


@pytest.fixture
def slack_stub() -> Iterator[SlackStub]:
    """A local Slack stand-in on 127.0.0.1; point SlackNotifier at its URLs."""
    with SlackStub() as stub:
        yield stub
