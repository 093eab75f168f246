"""Listeners by kind (events, commands, actions), each module with `register(app, bot)`."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.context import BotContext
from bot.slack.listeners import actions, commands, events, tour


def register_listeners(app: App, bot: BotContext) -> None:
    """Attach every listener to the app."""
    events.register(app, bot)
    commands.register(app, bot)
    actions.register(app, bot)
    tour.register(app, bot)
