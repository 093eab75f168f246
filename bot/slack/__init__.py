"""The Slack surface: the only package that imports slack_bolt and slack_sdk."""
