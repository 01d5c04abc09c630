"""Alerting: a failed check becomes a message, delivered exactly once through a channel.

Owns: the alert message (escaped, masked), the outbox (outbox.py: statuses and retries;
alert_rows.py: `dq_alerts`; groups.py: `dq_alert_groups`), the per-tick budget, reading check
executions from the instance, secret redaction, and the channels (channels/: an interface, and
Slack webhook and bot). Imports storage, declared, checks and dagster_private.
"""
