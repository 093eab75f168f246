"""Listeners by kind (events, commands, actions), each module with `register(app, bot)`."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.context import BotContext
from bot.slack.listeners import actions, commands, events


def register_listeners(app: App, bot: BotContext) -> None:
    """Attach every listener to the app."""
    # Bolt tries listeners in order: slash commands, the most urgent, are checked first.
    commands.register(app, bot)
    events.register(app, bot)
    actions.register(app, bot)
