"""Follow-up resolution: what a short message means after the conversation's last answer."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest

from bot.answering import SURFACE_CLI, AnswerService, Library, owner_answer
from bot.cli import main
from bot.conversation.content import FollowUpRules
from bot.conversation.evaluate import (
    Turn,
    conversation_answerer,
    load_conversations,
    score_conversations,
)
from bot.conversation.followup import Kind, resolve
from bot.conversation.service import ConversationService
from bot.conversation.state import ConversationMemory, MemoryState
from bot.knowledge import KnowledgeBase

FOLLOW_UP_SET = Path(__file__).resolve().parents[1] / "data" / "followups.yaml"
TARGET = 0.95


@pytest.fixture(scope="module")
def rules(knowledge: KnowledgeBase) -> FollowUpRules:
    assert knowledge.companions and knowledge.companions.followups
    return knowledge.companions.followups


@pytest.mark.parametrize(
    ("last", "text", "kind", "entry"),
    [
        ("csm-skills", "and for a PM?", Kind.OTHER_ROLE, "pm-skills"),
        ("pm-role", "what about the CSM?", Kind.OTHER_ROLE, "csm-role"),
        ("pm-responsibilities", "PM?", Kind.OTHER_ROLE, "pm-responsibilities"),
        (
            "csm-responsibilities",
            "and the project manager side?",
            Kind.OTHER_ROLE,
            "pm-responsibilities",
        ),
        ("goals", "and for the csm?", Kind.OTHER_ROLE, "goals"),  # a comparison stays itself
        ("training", "why?", Kind.MORE, "training"),
        ("overview", "Tell me more!", Kind.MORE, "overview"),
        ("goals", "source?", Kind.MORE, "goals"),
        ("training", "who owns that then?", Kind.OWNER, "training"),
    ],
)
def test_follow_ups_known_from_context(
    knowledge: KnowledgeBase, rules: FollowUpRules, last: str, text: str, kind: Kind, entry: str
) -> None:
    resolution = resolve(knowledge, rules, last, text)
    assert (resolution.kind, resolution.entry_id, resolution.context) == (kind, entry, last)


@pytest.mark.parametrize(
    ("last", "text", "words", "role"),
    [
        ("pm-role", "what about skills?", "skills", "pm"),
        ("csm-role", "and their goals?", "goals", "csm"),
        ("csm-skills", "how about their day to day", "day to day", "csm"),
    ],
)
def test_other_topic_keeps_the_role(
    knowledge: KnowledgeBase, rules: FollowUpRules, last: str, text: str, words: str, role: str
) -> None:
    resolution = resolve(knowledge, rules, last, text)
    assert resolution.kind is Kind.OTHER_TOPIC
    assert (resolution.question, resolution.role, resolution.context) == (words, role, last)


@pytest.mark.parametrize(
    ("last", "text"),
    [
        ("pm-skills", "what is a CSM?"),
        ("csm-skills", "what skills does a PM need?"),
        ("csm-role", "what does a project manager do?"),
        ("pm-role", "who trains customers on the product?"),
        ("csm-skills", "how do csm and pm work together?"),
        ("pm-skills", "what's the weather in Paris?"),
        ("csm-role", "what are the responsibilities of a project manager in a software company?"),
        ("goals", "what about skills?"),  # no single role to carry over: asked on its own
        ("help", "and for a PM?"),  # the last answer was about neither role
        (None, "and for a PM?"),  # no conversation yet
        ("csm-skills", ""),
    ],
)
def test_clear_new_questions_are_not_rewritten(
    knowledge: KnowledgeBase, rules: FollowUpRules, last: str | None, text: str
) -> None:
    resolution = resolve(knowledge, rules, last, text)
    assert resolution.kind is Kind.NEW
    assert (resolution.question, resolution.entry_id, resolution.context) == (text, None, None)


def conversation(
    knowledge: KnowledgeBase, clock: Callable[[], float] = time.monotonic, ttl: int = 1800
) -> ConversationService:
    memory = ConversationMemory(MemoryState(clock), ttl)
    return ConversationService(AnswerService(Library(knowledge)), memory)


def test_a_follow_up_says_what_it_followed(knowledge: KnowledgeBase) -> None:
    service = conversation(knowledge)
    first = service.ask("what skills does a csm need", "dm:D1", SURFACE_CLI)
    assert first.follow_up is None and first.answered.match.id == "csm-skills"
    second = service.ask("and for a PM?", "dm:D1", SURFACE_CLI)
    assert second.answered.match.id == "pm-skills"
    assert second.follow_up is not None and second.follow_up.id == "csm-skills"
    assert second.answered.match.question == "and for a PM?"


def test_conversations_do_not_share_context(knowledge: KnowledgeBase) -> None:
    service = conversation(knowledge)
    service.ask("what skills does a csm need", "dm:D1", SURFACE_CLI)
    service.ask("what is a project manager", "dm:D2", SURFACE_CLI)
    assert service.ask("why?", "dm:D1", SURFACE_CLI).answered.match.id == "csm-skills"
    assert service.ask("why?", "dm:D2", SURFACE_CLI).answered.match.id == "pm-role"
    # Without a conversation key (a slash command), nothing is carried over.
    alone = service.ask("and for a PM?", None, SURFACE_CLI)
    assert alone.follow_up is None


def test_context_expires(knowledge: KnowledgeBase) -> None:
    now = [1000.0]
    service = conversation(knowledge, clock=lambda: now[0], ttl=60)
    service.ask("what skills does a csm need", "dm:D1", SURFACE_CLI)
    now[0] += 59
    assert service.ask("and for a PM?", "dm:D1", SURFACE_CLI).follow_up is not None
    now[0] += 61  # a minute after the last message
    late = service.ask("and for a PM?", "dm:D1", SURFACE_CLI)
    assert late.follow_up is None and late.answered.match.id != "pm-skills"


def test_the_scorer_counts_misses() -> None:
    answers = {"a": "x", "b": "y", "c": None}
    conversations = [[Turn("a", "x"), Turn("b", "z")], [Turn("a", "x"), Turn("c", None)]]
    score = score_conversations(conversations, lambda key, text: answers[text])
    assert (score.turns, score.correct, score.follow_ups, score.follow_ups_correct) == (4, 3, 2, 1)
    assert [(miss.conversation, miss.turn, miss.got) for miss in score.misses] == [(1, 2, "y")]


def test_the_follow_up_set(knowledge: KnowledgeBase) -> None:
    conversations = load_conversations(FOLLOW_UP_SET)
    assert len(conversations) >= 60
    assert all(2 <= len(turns) <= 3 for turns in conversations)
    ids = {turn.expected for turns in conversations for turn in turns} - {None}
    assert ids <= {entry.id for entry in knowledge.entries}
    score = score_conversations(conversations, conversation_answerer(knowledge))
    print(score.summary())
    assert score.follow_up_accuracy >= TARGET, score.summary()
    assert score.accuracy >= TARGET, score.summary()


def test_eval_scores_a_conversation_set(tmp_path: Path) -> None:
    out = StringIO()
    assert main(["eval", str(FOLLOW_UP_SET), "--min-followup", "95%", "--json"], out=out) == 0
    figures = json.loads(out.getvalue())[str(FOLLOW_UP_SET)]
    assert figures["follow_ups"] >= 60 and figures["follow_up_accuracy"] >= TARGET
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(
        '- turns: [["what skills does a csm need", csm-skills], ["and for a PM?", csm-skills]]\n',
        encoding="utf-8",
    )
    out = StringIO()
    assert main(["eval", str(wrong), "--min-followup", "95%"], out=out) == 1
    assert "follow-up turns  0/1" in out.getvalue() and "got pm-skills" in out.getvalue()


@pytest.mark.parametrize(
    ("topic", "duty"),
    [
        ("training", "customer-training"),  # the main one of two: not a PM passing it on
        ("pm-role", "project-planning-execution"),
        ("miscommunication", "clearing-misconceptions"),  # the only one
        ("csm-responsibilities", None),  # many duties and none main: no single owner
    ],
)
def test_who_owns_that_names_the_topics_main_duty(
    knowledge: KnowledgeBase, topic: str, duty: str | None
) -> None:
    answer = owner_answer(knowledge, topic)
    assert (answer.id if answer else None) == duty
