"""Alert channels: where an alert goes (Slack today). The outbox knows only their interface."""
