"""Alerting: a failed check becomes a message, delivered exactly once through a channel.

Owns: the alert message (escaped, masked), the outbox (`dq_alerts`, statuses, groups, retries),
the per-tick budget, reading check executions from the instance, secret redaction, and the
channels (channels/: Slack). Imports storage, declared and checks.
"""
