"""The /csm-vs-pm slash command: an ephemeral answer, acknowledged with the answer itself."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.answering import SURFACE_SLASH
from bot.render.blocks import help_message
from bot.slack.context import BotContext
from bot.slack.listeners.tour.screen import tour_screen

COMMAND = "/csm-vs-pm"
HELP_WORDS = {"", "help", "?", "topics"}


def register(app: App, bot: BotContext) -> None:
    """Attach the slash command."""

    @app.command(COMMAND)
    def answer_command(ack: Ack, command: dict[str, Any]) -> None:
        question = command.get("text", "")
        if question.strip().lower() in HELP_WORDS:
            text, blocks = help_message(bot.service.knowledge)
        elif bot.asks_for_tour(question) and command.get("user_id"):
            # Private, like every slash answer; Next / Back replace it through the response_url.
            text, blocks = tour_screen(bot, command["user_id"], resume=True)
        else:
            answered = bot.ask(question, SURFACE_SLASH, command.get("user_id"))
            text, blocks = bot.render(answered, shareable=True)
        # Answering through ack works in any channel, even one the bot is not a member of.
        ack(response_type="ephemeral", text=text, blocks=blocks)
