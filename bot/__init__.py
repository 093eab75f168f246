"""csm-vs-pm: a Slack bot that explains how a Customer Success Manager and a Project Manager differ."""

__version__ = "0.1.0"
