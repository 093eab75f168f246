"""The matcher's fast paths give exactly the answers of the plain ones they replace."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

from bot.knowledge import KnowledgeBase
from bot.matcher import Matcher
from bot.matching.patterns import AnyPattern, opens_at_word_start
from bot.matching.tuning import DEFAULT_TUNING


@pytest.mark.parametrize(
    ("pattern", "at_word_start"),
    [
        (r"\bpay\b", True),
        (r"\bassigned (csm|pm)s?\b|\b(csm|pm)s? assigned\b", True),
        (r"\b(?<!\bwith )the (csm|pm)s? (on|for)", True),
        (r"\bfoo|bar\b", False),  # the second alternative may start inside a word
        (r"^(what is|whats) a qbr", False),
        (r"\b[|(]x", True),  # a | or ( inside a character class splits nothing
        (r"\b\(x|y\)", False),  # an escaped parenthesis opens no group
        (r"(?<!\bw )\bthe", False),
    ],
)
def test_which_patterns_open_at_a_word_start(pattern: str, at_word_start: bool) -> None:
    assert opens_at_word_start(pattern) is at_word_start


def test_any_pattern_agrees_with_searching_each_pattern(knowledge: KnowledgeBase) -> None:
    patterns = [
        *(pattern for subject in knowledge.subjects for pattern in subject.patterns),
        *knowledge.vocabulary.introductions,
        *knowledge.vocabulary.back_references,
        re.compile(r"\bfoo|bar\b"),
    ]
    texts = [
        "who is the pm on the acme migration",
        "i m a solutions engineer what does a csm do",
        "is this right",
        "what s a qbr",
        "the foobar project",
        "who owns onboarding",
        "",
        *(question for subject in knowledge.subjects for question in subject.questions),
    ]
    normalized = [knowledge.vocabulary.normalize(text) for text in texts]
    for pattern in patterns:
        one = AnyPattern([pattern])
        for text in normalized:
            assert one.search(text) == bool(pattern.search(text)), (pattern, text)
    every = AnyPattern(patterns)
    for text in normalized:
        assert every.search(text) == any(pattern.search(text) for pattern in patterns), text


def test_dense_and_posted_document_credit_give_the_same_coverage(
    knowledge: KnowledgeBase,
) -> None:
    dense = Matcher(knowledge)
    posted = Matcher(knowledge, replace(DEFAULT_TUNING, dense_credit_cells=0))
    assert dense.index.credit_matrix is not None
    assert posted.index.credit_matrix is None
    for question in ("who owns onboarding for a new customer", "csm vs pm skills", "zzz qqq"):
        terms = dense.analyzer.terms(dense.analyzer.normalize(question).split())
        weights = dense.scorer.query(terms).weights
        np.testing.assert_allclose(
            dense.scorer._explained(weights), posted.scorer._explained(weights)
        )
        assert dense.match(question) == posted.match(question)
