"""The tour's callbacks called directly, as the Bolt starter template tests its listeners: the
Web API client, ack and respond are mocks; the bot context and its store are real."""

from __future__ import annotations

from typing import Any
from unittest.mock import Mock

import pytest
from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.answering import AnswerService, Library
from bot.conversation.state import MemoryState
from bot.conversation.tour import TourProgress
from bot.knowledge import KnowledgeBase
from bot.render.blocks import quiz_value
from bot.settings import Settings, default_knowledge_dir
from bot.slack.context import BotContext
from bot.slack.listeners.tour.answer_quiz import answer_clicked
from bot.slack.listeners.tour.move import move_clicked
from bot.slack.listeners.tour.start import start_clicked

USER = "UNEWHIRE1"


@pytest.fixture
def bot(knowledge: KnowledgeBase) -> BotContext:
    settings = Settings(knowledge_dir=default_knowledge_dir())
    return BotContext(service=AnswerService(Library(knowledge)), settings=settings,
                      store=MemoryState())  # fmt: skip


def click(action_id: str, value: str, **container: Any) -> dict[str, Any]:
    return {
        "user": {"id": USER},
        "container": {"type": "message", "channel_id": "D0TOUR", "message_ts": "9.9", **container},
        "actions": [{"action_id": action_id, "value": value}],
    }


def at_first_question(bot: BotContext) -> TourProgress:
    tour = bot.tour
    progress = TourProgress(len(tour.steps))
    bot.memory.save_tour_progress(USER, progress.to_json())
    return progress


def test_a_quiz_answer_is_recorded_once_and_shown_in_place(bot: BotContext) -> None:
    at_first_question(bot)
    question = bot.tour.quiz[0]
    client, respond = Mock(WebClient), Mock(Respond)
    value = quiz_value(question.id, question.answer)
    for _ in range(2):  # a double click
        answer_clicked(bot, USER, bot.tour, click("quiz_answer:0", value), client, respond)
    assert bot.store.quiz_answers == [(question.id, True)]
    assert client.chat_update.call_count == 2
    update = client.chat_update.call_args.kwargs
    assert (update["channel"], update["ts"]) == ("D0TOUR", "9.9")
    assert "Right" in update["text"]
    respond.assert_not_called()


def test_a_forged_answer_changes_nothing(bot: BotContext) -> None:
    before = at_first_question(bot)
    client = Mock(WebClient)
    for value in ("", "nope:csm", f"{bot.tour.quiz[0].id}:ceo", "x" * 3000):
        answer_clicked(bot, USER, bot.tour, click("quiz_answer:0", value), client, Mock(Respond))
    assert bot.store.quiz_answers == []
    assert TourProgress.from_json(bot.memory.tour_progress(USER), bot.tour) == before


def test_stop_keeps_the_place_and_start_resumes_it(bot: BotContext) -> None:
    progress = TourProgress(2)
    bot.memory.save_tour_progress(USER, progress.to_json())
    respond = Mock(Respond)
    move_clicked(bot, USER, bot.tour, click("tour_stop:2", "stop", is_ephemeral=True),
                 Mock(WebClient), respond)  # fmt: skip
    assert respond.call_args.kwargs["replace_original"] is True
    assert respond.call_args.kwargs["text"].startswith("Tour stopped")
    client, ack = Mock(WebClient), Mock(Ack)
    start_clicked(bot, ack, click("tour_start:0", "resume"), client, Mock(Respond))
    ack.assert_called_once()
    assert client.chat_update.call_args.kwargs["text"].startswith("Tour 3/")


def test_start_on_a_channel_message_opens_the_tour_in_the_dm(bot: BotContext) -> None:
    client = Mock(WebClient)
    start_clicked(bot, Mock(Ack), click("tour_start:0", "start", channel_id="C0PUBLIC"), client,
                  Mock(Respond))  # fmt: skip
    post = client.chat_postMessage.call_args.kwargs
    assert post["channel"] == USER and post["text"].startswith("Tour 1/")
    client.chat_update.assert_not_called()
