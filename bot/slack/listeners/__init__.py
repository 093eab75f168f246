"""Listeners by kind (events, commands, actions), each module with `register(app, bot)`."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.context import BotContext
from bot.slack.listeners import actions, assistant, commands, events, tour


def register_listeners(app: App, bot: BotContext, *, assistant_surface: bool = False) -> None:
    """Attach every listener to the app; the assistant surface only when it was granted."""
    if assistant_surface:
        assistant.register(app, bot)
    # Bolt tries listeners in order: slash commands, the most urgent, are checked first.
    commands.register(app, bot)
    events.register(app, bot)
    actions.register(app, bot)
    tour.register(app, bot)
