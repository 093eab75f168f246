"""'Start the tour' (greeting, answers, App Home), 'Resume' and 'Take the tour again'."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.slack.context import BotContext
from bot.slack.listeners.tour.screen import show_in_place, start_tour, tour_screen

# Buttons on the tour message itself redraw it; "start" elsewhere opens a new tour message.
IN_PLACE_VALUES = {"resume", "restart"}


def start_clicked(
    bot: BotContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    """Show the tour where the person left off (from the start once finished)."""
    ack()
    user = body.get("user", {}).get("id")
    if not user:
        return
    value = body["actions"][0].get("value", "")
    container = body.get("container", {})
    if value in IN_PLACE_VALUES or container.get("is_ephemeral"):
        show_in_place(bot, body, client, respond, tour_screen(bot, user, resume=True))
        return
    # The tour is personal: outside a DM (App Home, a channel) it opens in the person's DM.
    channel = container.get("channel_id") or body.get("channel", {}).get("id") or ""
    start_tour(bot, client, channel if channel.startswith("D") else user, user)
