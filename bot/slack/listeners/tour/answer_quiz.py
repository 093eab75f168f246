"""A quiz answer: right or wrong, with the reason and source, recorded for the report."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.conversation.content import Tour
from bot.render.blocks import read_quiz_value
from bot.slack.context import BotContext
from bot.slack.listeners.tour.screen import load_progress, save_and_render, show_in_place


def answer_clicked(
    bot: BotContext,
    user: str,
    tour: Tour,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
) -> None:
    """Record the answer to the question on screen (once) and show the verdict."""
    question_id, choice = read_quiz_value(body["actions"][0].get("value", ""))
    progress, verdict = load_progress(bot, user).answer(tour, question_id, choice)
    if verdict is not None:
        bot.store.record_quiz_answer(question_id, verdict, user)
    show_in_place(bot, body, client, respond, save_and_render(bot, user, progress))
