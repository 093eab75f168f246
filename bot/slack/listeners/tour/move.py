"""Next, Back and Stop on the tour message."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.conversation.content import Tour
from bot.render.blocks import ACTION_TOUR_BACK, ACTION_TOUR_STOP, tour_stopped_message
from bot.slack.context import BotContext
from bot.slack.listeners.tour.screen import load_progress, save_and_render, show_in_place


def move_clicked(
    bot: BotContext,
    user: str,
    tour: Tour,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
) -> None:
    """Move the person's tour one screen (or stop it, keeping the place) and redraw it."""
    action = body["actions"][0]["action_id"].split(":")[0]
    if action == ACTION_TOUR_STOP:
        show_in_place(bot, body, client, respond, tour_stopped_message())
        return
    progress = load_progress(bot, user)
    progress = progress.backward() if action == ACTION_TOUR_BACK else progress.forward(tour)
    show_in_place(bot, body, client, respond, save_and_render(bot, user, progress))
