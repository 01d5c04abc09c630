"""Alert channels: where an alert goes. The outbox knows only their interface (base.py: post;
optionally reply_in_thread and edit). Slack is two implementations: an incoming webhook
(slack_webhook.py) and a bot token (slack_bot.py), chosen by the `slack` resource (slack.py)."""
