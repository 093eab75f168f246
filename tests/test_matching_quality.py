"""Matching quality on the evaluation set: questions written apart from the knowledge base."""

from __future__ import annotations

from bot.matcher import Matcher
from tests.quality import evaluate, load_cases

MIN_ACCURACY = 0.90
MIN_ABSTENTION = 0.90


def test_question_set_is_large_and_varied() -> None:
    cases = load_cases()
    off_topic = [case for case in cases if case.expected is None]
    assert len(cases) >= 200
    assert len(off_topic) >= 30
    assert len({case.question for case in cases}) == len(cases)


def test_every_expected_id_exists(matcher: Matcher) -> None:
    expected = {case.expected for case in load_cases()} - {None}
    assert expected <= {entry.id for entry in matcher.knowledge.entries}


def test_top1_accuracy_and_abstention(matcher: Matcher, capsys) -> None:
    result = evaluate(matcher, load_cases())
    with capsys.disabled():
        print("\n" + result.summary())
    assert result.accuracy >= MIN_ACCURACY, result.summary()
    assert result.abstention >= MIN_ABSTENTION, result.summary()
