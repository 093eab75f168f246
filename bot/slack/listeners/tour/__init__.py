"""The onboarding tour's buttons: start, Next / Back / Stop, and quiz answers.

Each callback lives in its own module as a plain function of the shared `BotContext` and Bolt's
arguments (so it can be called with mocks); `register` binds it to the bot and the action ids.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.conversation.content import Tour
from bot.render.blocks import (
    ACTION_QUIZ_ANSWER,
    ACTION_TOUR_BACK,
    ACTION_TOUR_NEXT,
    ACTION_TOUR_START,
    ACTION_TOUR_STOP,
)
from bot.slack.context import BotContext, acknowledge
from bot.slack.listeners.tour import answer_quiz, move, start

Handler = Callable[[BotContext, Ack, dict[str, Any], WebClient, Respond], None]
# A click on the tour message itself: who clicked, the tour, and where to redraw it.
TourClick = Callable[[BotContext, str, Tour, dict[str, Any], WebClient, Respond], None]


def _action(*names: str) -> re.Pattern[str]:
    """Buttons carry `name:position` ids, unique within their block."""
    return re.compile(rf"^(?:{'|'.join(map(re.escape, names))})(?::\d+)?$")


def _bind(handler: Handler, bot: BotContext) -> Callable[..., None]:
    def listener(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        handler(bot, ack, body, client, respond)

    return listener


def _bind_tour_click(handler: TourClick, bot: BotContext) -> Callable[..., None]:
    """Acknowledge at once; then the handler, if the clicker and the tour are known."""

    def listener(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        user, tour = body.get("user", {}).get("id"), bot.tour
        if user and tour is not None:
            handler(bot, user, tour, body, client, respond)

    return listener


def register(app: App, bot: BotContext) -> None:
    """Attach the tour's action listeners: acknowledged at once, their work (which talks to
    Slack) on the reply pool, so a slow Web API never delays an acknowledgement."""
    app.action(_action(ACTION_TOUR_START))(ack=acknowledge, lazy=[_bind(start.start_clicked, bot)])
    app.action(_action(ACTION_TOUR_NEXT, ACTION_TOUR_BACK, ACTION_TOUR_STOP))(
        ack=acknowledge, lazy=[_bind_tour_click(move.move_clicked, bot)]
    )
    app.action(_action(ACTION_QUIZ_ANSWER))(
        ack=acknowledge, lazy=[_bind_tour_click(answer_quiz.answer_clicked, bot)]
    )
