"""Button clicks: topics and suggestions, share, helpful / not helpful, ask a person."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.render.blocks import (
    ACTION_ASK_PERSON,
    ACTION_FEEDBACK,
    ACTION_HELPFUL,
    ACTION_NOT_HELPFUL,
    ACTION_PICK_TOPIC,
    ACTION_SHARE,
    ACTION_TOPIC,
    SHARED_DUTY,
    UNRECORDED,
    Message,
    button,
    clip,
    entry_message,
    escalation_value,
    neutralise,
    owner_message,
    read_feedback_value,
)
from bot.slack.context import BotContext, acknowledge

logger = logging.getLogger(__name__)


def _action(name: str) -> re.Pattern[str]:
    """Buttons carry `name:position` ids, unique within their block."""
    return re.compile(rf"^{re.escape(name)}(?::\d+)?$")


def _clicked(body: dict[str, Any]) -> dict[str, Any]:
    return body["actions"][0]


def _chosen(body: dict[str, Any]) -> str:
    """A clicked button's value, or the option picked in a select menu."""
    action = _clicked(body)
    return (action.get("selected_option") or {}).get("value") or action.get("value") or ""


def _reply_in_place(
    bot: BotContext, body: dict[str, Any], client: WebClient, respond: Respond, message: Message
) -> None:
    """Answer where the button was: replace an ephemeral answer, reply in a thread or DM."""
    if bot.replace_ephemeral(body, respond, message):
        return
    container = body.get("container", {})
    if container.get("type") == "view":  # App Home: answer in the person's DM with the bot
        bot.post(client, body["user"]["id"], message)
        return
    channel = container.get("channel_id") or body.get("channel", {}).get("id")
    original = body.get("message", {})
    thread = original.get("thread_ts") or (None if channel.startswith("D") else original.get("ts"))
    bot.post(client, channel, message, **({"thread_ts": thread} if thread else {}))


def register(app: App, bot: BotContext) -> None:
    """Attach the action listeners."""

    def show_topic(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        knowledge, entry = bot.service.entry(_chosen(body))
        if entry is None:  # the knowledge base changed since the button was drawn
            respond(text="That topic is no longer in the knowledge base.", replace_original=False,
                    response_type="ephemeral")  # fmt: skip
            return
        # Remembered before the reply goes out: a follow-up typed the moment the topic shows
        # must already continue it.
        bot.remember_topic(body, entry.id)
        shareable = bool(body.get("container", {}).get("is_ephemeral"))
        _reply_in_place(
            bot, body, client, respond, entry_message(knowledge, entry, shareable=shareable)
        )

    def share(body: dict[str, Any], respond: Respond) -> None:
        value = _clicked(body)["value"]
        if value.startswith(SHARED_DUTY):
            knowledge, duty = bot.service.duty(value.removeprefix(SHARED_DUTY))
            message = owner_message(knowledge, duty) if duty else None
        else:
            knowledge, entry = bot.service.entry(value)
            message = entry_message(knowledge, entry) if entry else None
        if message is None:  # the knowledge base changed since the button was drawn
            return
        text, blocks = message
        sharer = neutralise(body.get("user", {}).get("name") or "someone")
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Shared by {sharer}"}]}
        )
        # The response_url posts in the channel even where the bot is not a member.
        respond(text=text, blocks=blocks, response_type="in_channel", replace_original=False)

    def vote(helpful: bool, value: str, body: dict[str, Any], respond: Respond) -> None:
        if not value.startswith(UNRECORDED):
            bot.service.feedback(value, helpful, body.get("user", {}).get("id"))
        reply: dict[str, Any] = {"text": "Thanks for the feedback!"}
        if not helpful and bot.can_escalate:
            answer = body.get("message", {}).get("text", "") or "an answer"
            question = f"(marked not helpful) {answer}"
            reply["text"] = "Thanks. Want a person to answer instead?"
            reply["blocks"] = [
                {"type": "section", "text": {"type": "mrkdwn", "text": reply["text"]}},
                {"type": "actions", "elements": [
                    button("Ask a person", ACTION_ASK_PERSON, escalation_value(question, value))
                ]},
            ]  # fmt: skip
        respond(**reply, response_type="ephemeral", replace_original=False)

    def feedback(body: dict[str, Any], respond: Respond) -> None:
        parsed = read_feedback_value(_clicked(body).get("value", ""))
        if parsed is not None:
            vote(*parsed, body, respond)

    # Answers sent before the feedback element carry two buttons; they still count.
    def helpful(body: dict[str, Any], respond: Respond) -> None:
        vote(True, _clicked(body)["value"], body, respond)

    def not_helpful(body: dict[str, Any], respond: Respond) -> None:
        vote(False, _clicked(body)["value"], body, respond)

    def ask_person(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        channel = bot.settings.escalation_channel
        if channel is None:
            return
        try:
            clicked = json.loads(_clicked(body)["value"])
            question, record = str(clicked.get("q", "")), clicked.get("r")
        except (ValueError, AttributeError):
            question, record = "", None
        asker = body["user"]["id"]
        # One escalation per answer and person, however often the button is clicked.
        escalation = (asker, str(record or question))
        if not bot.escalations.first_time(escalation):
            respond(text="You already asked a person about this; they will follow up.",
                    response_type="ephemeral", replace_original=False)  # fmt: skip
            return
        where = body.get("container", {}).get("channel_id") or body.get("channel", {}).get("id")
        lines = [f":raising_hand: <@{asker}> asked a question the bot could not answer well:",
                 f"> {clip(neutralise(question), 1500) or '(no text)'}"]  # fmt: skip
        if where:
            lines.append(f"Asked in <#{where}>.{_permalink(client, where, body)}")
        text = "\n".join(lines)
        sent = bot.post(
            client, channel, (text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}])
        )
        if not sent:
            bot.escalations.forget(escalation)  # so trying again later can work
        outcome = "I passed your question on to a person; they will follow up." if sent else (
            "Sorry, I could not pass your question on just now. Please try again later.")  # fmt: skip
        respond(text=outcome, response_type="ephemeral", replace_original=False)

    # Clicks are acknowledged at once; the answer follows from the reply pool.
    app.action(_action(ACTION_TOPIC))(ack=acknowledge, lazy=[show_topic])
    app.action(_action(ACTION_PICK_TOPIC))(ack=acknowledge, lazy=[show_topic])
    app.action(ACTION_FEEDBACK)(ack=acknowledge, lazy=[feedback])
    app.action(_action(ACTION_SHARE))(ack=acknowledge, lazy=[share])
    app.action(_action(ACTION_HELPFUL))(ack=acknowledge, lazy=[helpful])
    app.action(_action(ACTION_NOT_HELPFUL))(ack=acknowledge, lazy=[not_helpful])
    app.action(_action(ACTION_ASK_PERSON))(ack=acknowledge, lazy=[ask_person])


def _permalink(client: WebClient, channel: str, body: dict[str, Any]) -> str:
    ts = body.get("container", {}).get("message_ts")
    if not ts or body.get("container", {}).get("is_ephemeral"):
        return ""
    try:
        link = client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
    except SlackApiError as error:
        logger.info("chat.getPermalink failed: %s", error.response.get("error"))
        return ""
    return f" <{link}|Open the thread>" if link else ""
