"""Matcher behaviour: roles, typos, markup, abstention, suggestions, odd input."""

from __future__ import annotations

import pytest

from bot.knowledge import KnowledgeBase
from bot.matcher import MAX_SUGGESTIONS, Matcher


@pytest.mark.parametrize(
    ("question", "expected", "never"),
    [
        ("what skills does a CSM need", "csm-skills", "pm-skills"),
        ("what skills does a PM need", "pm-skills", "csm-skills"),
        ("what is a customer success manager", "csm-role", "pm-role"),
        ("what is a project manager", "pm-role", "csm-role"),
        ("what are the responsibilities of a csm", "csm-responsibilities", "pm-responsibilities"),
        ("what are the responsibilities of a pm", "pm-responsibilities", "csm-responsibilities"),
    ],
)
def test_role_awareness(matcher: Matcher, question: str, expected: str, never: str) -> None:
    match = matcher.match(question)
    assert match.id == expected
    assert never not in {entry.id for entry in match.suggestions}


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("custmer sucess manger skils", "csm-skills"),
        ("projet manger skils", "pm-skills"),
        ("<@U024BE7LH> *what does a CSM do?* :thinking_face:", "csm-role"),
        ("csm &amp; pm: how do they work together?", "collaboration"),
        ("help", "help"),
        ("where do your answers come from", "sources"),
    ],
)
def test_typos_markup_and_meta_questions(matcher: Matcher, question: str, expected: str) -> None:
    assert matcher.match(question).id == expected


@pytest.mark.parametrize(
    "question",
    ["what's the weather", "reset my password", "tell me a joke", "what is a scrum master"],
)
def test_off_topic_questions_get_no_answer(matcher: Matcher, question: str) -> None:
    match = matcher.match(question)
    assert match.entry is None
    assert match.id is None
    assert match.score < matcher.threshold


@pytest.mark.parametrize(
    "question", ["", "   ", ":tada:", "?!?!", "<@U123>", "csm " * 10_000, "x" * 40_000]
)
def test_odd_input_never_raises(matcher: Matcher, question: str) -> None:
    match = matcher.match(question)
    assert 0 <= match.score <= 100


def test_empty_question_abstains_with_zero(matcher: Matcher) -> None:
    match = matcher.match("<@U123> :wave:")
    assert (match.entry, match.score, match.normalized) == (None, 0.0, "")


def test_scores_stay_within_0_and_100(matcher: Matcher, knowledge: KnowledgeBase) -> None:
    for entry in knowledge.entries:
        for question in entry.questions:
            match = matcher.match(question)
            assert 0 <= match.score <= 100
            assert match.id == entry.id, question  # the KB's own questions answer their entry


def test_suggestions_are_other_close_entries(matcher: Matcher) -> None:
    match = matcher.match("how do csm and pm differ in goals and success metrics")
    assert match.entry is not None
    ids = [entry.id for entry in match.suggestions]
    assert match.id not in ids
    assert 1 <= len(ids) <= MAX_SUGGESTIONS
    assert {match.id, *ids} & {"goals", "success-metrics"}


def test_threshold_is_respected(knowledge: KnowledgeBase) -> None:
    question = "what skills does a csm need"
    assert Matcher(knowledge, threshold=100.1).match(question).entry is None
    assert Matcher(knowledge, threshold=0).match(question).id == "csm-skills"


def test_closest_reports_below_threshold(knowledge: KnowledgeBase) -> None:
    strict = Matcher(knowledge, threshold=100.1)
    assert strict.match("csm skills").entry is None
    assert strict.match("csm skills").suggestions[0].id == "csm-skills"
