"""Matcher checks beyond tests/test_matcher.py: every KB question finds its entry; near misses."""

from __future__ import annotations

from bot.knowledge import KnowledgeBase
from bot.matcher import Matcher
from bot.matching.tuning import Tuning


def test_every_knowledge_base_question_answers_its_entry(
    matcher: Matcher, knowledge: KnowledgeBase
) -> None:
    for entry in knowledge.entries:
        for question in entry.questions:
            match = matcher.match(question)
            assert 0 <= match.score <= 100
            assert match.id == entry.id, question


def test_every_duty_question_answers_with_its_owner(
    matcher: Matcher, knowledge: KnowledgeBase
) -> None:
    for duty in knowledge.duties:
        for question in duty.questions:
            match = matcher.match(question)
            assert match.owner == duty.owner, (question, match.owner, match.duty)
            assert match.id == duty.topic or match.duty is not duty, question


def test_every_not_covered_question_is_declined_by_name(
    matcher: Matcher, knowledge: KnowledgeBase
) -> None:
    for subject in knowledge.subjects:
        named = subject.id if subject.reply else None  # no reply: the usual fallback
        for question in subject.questions:
            match = matcher.match(question)
            assert (match.id, match.not_covered) == (None, named), question
            assert match.subject is subject, question


def test_a_strict_threshold_still_offers_the_closest_entry(knowledge: KnowledgeBase) -> None:
    strict = Matcher(knowledge, Tuning(threshold=100.1))
    assert strict.match("csm skills").entry is None
    assert strict.match("csm skills").suggestions[0].id == "csm-skills"
