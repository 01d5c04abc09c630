"""The alert channel interface: what the outbox needs from wherever alerts go.

Every channel can `post` a message. Two capabilities are optional, and the outbox adapts to
them: a channel that can `reply_in_thread` gets a group's later alerts as replies under its
first one (otherwise a group gets one message and later alerts are recorded as `grouped`), and
one that can also `edit` has that first message updated with the group's failure count.

A new channel is one module here implementing `Channel`, plus a `ChannelResource` that builds it
from configuration, bound in defs/resources.py.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass

import dagster as dg


class DeliveryError(RuntimeError):
    """The channel was configured but the message did not get through.

    `unavailable` is true when the channel could not be reached, timed out, rate-limited or
    failed on its side even after retries: any other message would fail the same way right now,
    so the outbox posts nothing more this tick. False when the channel refused this message
    (bad payload or credentials): other messages may still get through.

    The message must not carry a secret: it is logged, shown in Dagster and stored in dq_alerts.
    """

    def __init__(self, message: str, unavailable: bool) -> None:
        super().__init__(message)
        self.unavailable = unavailable


@dataclass(frozen=True)
class Delivered:
    """A message the channel accepted.

    `message_id` is the channel's id of the message when it can be replied to or edited later
    (stored as the group's thread); `conversation` is where it lives, as an edit needs it.
    A channel without threads or edits answers with `destination` only.
    """

    destination: str  # where it went, safe to print and store: never a secret
    conversation: str | None = None
    message_id: str | None = None


class Channel(ABC):
    """Where alerts go. Subclasses that can reply in a thread or edit set the matching flag
    and override the method."""

    name: str = "the channel"  # in text about it: "<name> not configured", "<name> was unavailable"
    replies_in_thread: bool = False
    edits: bool = False

    @abstractmethod
    def destination(self) -> str:
        """Where posts go, safe to print and store: never contains a secret."""

    @property
    def is_configured(self) -> bool:
        """Whether posts can be attempted; alerts raised while not are only stored."""
        return True

    def why_not_configured(self) -> str:
        """What is missing, for a log line (empty when configured)."""
        return ""

    @abstractmethod
    def post(
        self, text: str, blocks: list[dict] | None = None, *, deadline: float | None = None
    ) -> Delivered:
        """Post one message; raises DeliveryError. With a `deadline` (a `time.monotonic()`
        value) the call, retries included, ends by then."""

    def reply_in_thread(
        self,
        thread_id: str,
        text: str,
        blocks: list[dict] | None = None,
        *,
        deadline: float | None = None,
    ) -> Delivered:
        """Post one message as a reply under the message `thread_id`."""
        raise NotImplementedError(f"{type(self).__name__} cannot reply in a thread")

    def edit(
        self,
        message: Delivered,
        text: str,
        blocks: list[dict] | None = None,
        *,
        deadline: float | None = None,
    ) -> None:
        """Replace the text and blocks of a message this channel posted."""
        raise NotImplementedError(f"{type(self).__name__} cannot edit a message")


class ChannelResource(dg.ConfigurableResource):
    """The configurable resource behind a channel: the alert sensors take one (resource key
    `slack`) and deliver through the channel it builds."""

    @abstractmethod
    def alert_channel(self) -> Channel:
        """The channel this configuration describes (possibly not configured)."""
