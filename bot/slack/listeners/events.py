"""Events: @mentions (answered in a thread), DMs, and the App Home tab."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.answering import SURFACE_DM, SURFACE_MENTION
from bot.conversation.state import dm_conversation, thread_conversation
from bot.render.blocks import greeting_message, home_view
from bot.slack.context import BotContext, acknowledge
from bot.slack.listeners.tour.screen import start_tour

logger = logging.getLogger(__name__)


def _from_a_person(event: dict[str, Any]) -> bool:
    """Bots (this one included), edits, deletions, joins and other subtypes get no answer."""
    return not (event.get("bot_id") or event.get("bot_profile") or event.get("subtype"))


def _question(event: dict[str, Any], context: BoltContext) -> str:
    """The message text without the mention that addresses the bot (it is not the question)."""
    text = event.get("text") or ""
    if context.bot_user_id:
        text = re.sub(rf"<@{re.escape(context.bot_user_id)}(?:\|[^>]*)?>", " ", text)
    return text.strip()


def register(app: App, bot: BotContext) -> None:
    """Attach the event listeners."""

    def answer_mention(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        if not _from_a_person(event) or not bot.first_time(event):
            return
        # The bot answers in a thread: that thread is the conversation follow-ups continue; a
        # mention in a DM (Slack may send it as a mention) continues the DM's conversation.
        channel, thread = event["channel"], event.get("thread_ts") or event["ts"]
        conversation = (
            dm_conversation(channel)
            if event.get("channel_type") == "im" or channel.startswith("D")
            else thread_conversation(channel, thread)
        )
        reply = bot.converse(
            _question(event, context), conversation, SURFACE_MENTION, event.get("user")
        )
        message = bot.render(reply.answered, follow_up=reply.follow_up)
        bot.post(client, event["channel"], message, thread_ts=thread)

    def answer_direct_message(
        event: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        if event.get("channel_type") != "im" or not _from_a_person(event):
            return
        if not bot.first_time(event):
            return
        user = event.get("user")
        text = _question(event, context)
        first = bool(user) and bot.greeted.first_time(user)
        if user and bot.asks_for_tour(text):
            start_tour(bot, client, event["channel"], user)
            return
        rules = bot.rules
        # Only hello: the welcome, with the tour and starter questions, not "I can't answer".
        if (first and not text) or (rules is not None and rules.is_greeting(text)):
            bot.post(client, event["channel"], greeting_message(bot.service.knowledge))
            return
        # A DM channel belongs to one person: it is the conversation.
        reply = bot.converse(text, dm_conversation(event["channel"]), SURFACE_DM, user)
        message = bot.render(reply.answered, greeting=first, follow_up=reply.follow_up)
        thread = {"thread_ts": event["thread_ts"]} if event.get("thread_ts") else {}
        bot.post(client, event["channel"], message, **thread)

    def publish_home(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        view = home_view(bot.service.knowledge)
        try:
            client.views_publish(user_id=event["user"], view=view)
        except SlackApiError as error:
            logger.warning("views.publish failed: %s", error.response.get("error"))

    # Answers are posted later, on the reply pool: the acknowledgement never waits for Slack.
    app.event("app_mention")(ack=acknowledge, lazy=[answer_mention])
    # Every message event is acknowledged here, even those ignored, so Bolt does not answer 404
    # and Slack does not retry them.
    app.event("message")(ack=acknowledge, lazy=[answer_direct_message])
    app.event("app_home_opened")(ack=acknowledge, lazy=[publish_home])

    # Registered last, so it only sees events no listener above wants: acknowledging them
    # keeps Bolt from answering 404, which Slack would retry.
    @app.event(re.compile(".*"))
    def acknowledge_other_events() -> None:
        return None
