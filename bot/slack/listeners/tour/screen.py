"""What every tour listener shares: a person's progress, and the one message that shows it."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.conversation.tour import TourProgress
from bot.render.blocks import Message, no_tour_message, tour_message
from bot.slack.context import BotContext

logger = logging.getLogger(__name__)


def load_progress(bot: BotContext, user_id: str) -> TourProgress:
    """Where this person is in the tour (the start if nowhere yet)."""
    tour = bot.tour
    if tour is None:
        return TourProgress()
    return TourProgress.from_json(bot.memory.tour_progress(user_id), tour)


def save_and_render(bot: BotContext, user_id: str, progress: TourProgress) -> Message:
    """Remember the progress, and draw the screen it is on."""
    tour = bot.tour
    if tour is None:
        return no_tour_message()
    bot.memory.save_tour_progress(user_id, progress.to_json())
    return tour_message(bot.service.knowledge, tour, progress)


def tour_screen(bot: BotContext, user_id: str, *, resume: bool) -> Message:
    """The screen "Start the tour" shows: where the person left off (`resume`), or the start.

    A finished tour starts over.
    """
    tour = bot.tour
    if tour is None:
        return no_tour_message()
    progress = load_progress(bot, user_id) if resume else TourProgress()
    return save_and_render(bot, user_id, progress.restarted_if_finished(tour))


def start_tour(bot: BotContext, client: WebClient, channel: str, user_id: str) -> None:
    """Post the tour as a new message (in a DM), resuming where the person left off."""
    bot.post(client, channel, tour_screen(bot, user_id, resume=True))


def show_in_place(
    bot: BotContext, body: dict[str, Any], client: WebClient, respond: Respond, message: Message
) -> None:
    """Replace the clicked message with `message`: the tour stays one message."""
    if bot.replace_ephemeral(body, respond, message):
        return
    text, blocks = message
    container = body.get("container", {})
    channel = container.get("channel_id") or body.get("channel", {}).get("id")
    ts = container.get("message_ts") or body.get("message", {}).get("ts")
    if not (channel and ts):  # App Home: the tour goes to the person's DM
        bot.post(client, body["user"]["id"], message)
        return
    try:
        client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
    except SlackApiError as error:
        logger.warning("chat.update in %s failed: %s", channel, error.response.get("error"))
