"""The matcher's fast paths give exactly the answers of the plain ones they replace."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache

import numpy as np
import pytest

from bot.evaluation import load_cases
from bot.knowledge import KnowledgeBase
from bot.matcher import Matcher
from bot.matching.patterns import AnyPattern, PatternGroups, substituting, without_look_around
from bot.matching.scoring import largest
from bot.matching.tuning import DEFAULT_TUNING
from bot.normalize import clean
from bot.vocabulary import PhraseReplacer
from tests.conftest import DATA

# Curator patterns and the normalised texts to search with them.
PatternsAndTexts = tuple[list[re.Pattern[str]], list[str]]


@cache
def _dev_questions() -> tuple[str, ...]:
    return tuple(case.question for case in load_cases(DATA / "dev.yaml"))


def _dev_sample(count: int) -> tuple[str, ...]:
    """About `count` dev questions spread evenly over the file: the fast paths are checked on
    the same amount of text however large the dev set grows (it grows with every blind set)."""
    questions = _dev_questions()
    return questions[:: max(1, len(questions) // count)]


@pytest.fixture(scope="module")
def patterns_and_texts(knowledge: KnowledgeBase) -> PatternsAndTexts:
    """Every curator pattern, a few edge cases, and texts to search: the questions of the
    knowledge base and a dev sample, normalised and role phrases collapsed (as searched)."""
    vocabulary = knowledge.vocabulary
    patterns = [
        *(pattern for subject in knowledge.subjects for pattern in subject.patterns),
        *vocabulary.introductions,
        *vocabulary.back_references,
        *vocabulary.who_patterns,
        re.compile(r"\bfoo|bar\b"),
        re.compile(r"\bthe(?! foo)\b"),  # look-ahead: RE2 has none, `re` searches it
        re.compile(r"^x{,2}y$"),  # 0 to 2 x's to Python, literal text to RE2
    ]
    texts = [
        "who is the pm on the acme migration",
        "i m a solutions engineer what does a csm do",
        "is this right",
        "the foobar project",
        "the foo",
        "xy",
        "",
        *(question for item in (*knowledge.entries, *knowledge.duties, *knowledge.subjects)
          for question in item.questions),
        *_dev_sample(2000),
    ]  # fmt: skip
    # Messages as long as the bot takes (2,000 characters), made of many questions at once:
    # the automaton must not run out of room on them.
    texts += [" ".join(texts[start::40])[:2000] for start in range(20)]
    return patterns, [vocabulary.collapse(vocabulary.normalize(text)) for text in texts]


def test_any_pattern_agrees_with_searching_each_pattern(
    patterns_and_texts: PatternsAndTexts,
) -> None:
    patterns, texts = patterns_and_texts
    for pattern in patterns:
        one = AnyPattern([pattern])
        for text in texts:
            assert one.search(text) == bool(pattern.search(text)), (pattern, text)
    every = AnyPattern(patterns)
    for text in texts:
        assert every.search(text) == any(pattern.search(text) for pattern in patterns), text


def test_pattern_groups_name_the_first_group_that_matches(
    patterns_and_texts: PatternsAndTexts,
) -> None:
    patterns, texts = patterns_and_texts
    groups = [patterns[number : number + 5] for number in range(0, len(patterns), 5)]
    first = PatternGroups(groups)
    for text in texts:
        expected = next(
            (number for number, group in enumerate(groups) if any(p.search(text) for p in group)),
            None,
        )
        assert first.first(text) == expected, text
    assert PatternGroups([]).first("anything") is None
    assert PatternGroups([[re.compile(r"\bthe(?! foo)")], []]).first("the bar") == 0
    # A look-around pattern is read by Python's re only where RE2 finds its relaxation ("the"):
    # in "the foo" re rules it out, in "a bar" RE2 already has.
    assert PatternGroups([[re.compile(r"\bthe(?! foo)")], []]).first("the foo") is None
    assert PatternGroups([[re.compile(r"\bthe(?! foo)")], []]).first("a bar") is None
    # Patterns with a gap are searched by an automaton of their own: the order still holds.
    gapped, plain = re.compile(r"\bwho\b.*\bpm\b"), re.compile(r"\bpm\b")
    assert PatternGroups([[gapped], [plain]]).first("who is the pm") == 0
    assert PatternGroups([[plain], [gapped]]).first("who is the pm") == 0
    assert PatternGroups([[gapped], [plain]]).first("the pm") == 1
    assert PatternGroups([[gapped]]).first("who is it") is None


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


def _replaced_by_pattern(replacements: dict[str, str], text: str) -> str:
    """The plain way: a whole-word alternation of the phrases, longest first."""
    ordered = sorted(replacements, key=lambda phrase: (-len(phrase), phrase))
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, ordered)) + r")\b")
    return pattern.sub(lambda found: replacements[found.group(1)], text)


def test_phrase_replacer_agrees_with_a_whole_word_pattern(knowledge: KnowledgeBase) -> None:
    vocabulary = knowledge.vocabulary
    synonyms = dict(vocabulary.synonyms)
    roles = {
        vocabulary.expand(clean(phrase)): role
        for role, phrases in vocabulary.roles.items()
        for phrase in phrases
    }
    edge_cases = {"a b": "X", "a b c": "Y", "b": "Z", "c d": "W"}
    texts = [
        "a b c d",
        "a b d",
        "b c d",
        "ab b",
        "a",
        "",
        *(vocabulary.normalize(question) for question in _dev_sample(3000)),
    ]
    for replacements in (synonyms, roles, edge_cases):
        replacer = PhraseReplacer(replacements)
        for text in texts:
            expected = _replaced_by_pattern(replacements, text)
            assert replacer.replace(text) == expected, (text, expected)


def test_choosing_among_all_questions_or_those_sharing_a_term_gives_the_same_answers(
    knowledge: KnowledgeBase,
) -> None:
    among_all = Matcher(knowledge)
    among_sharing = Matcher(knowledge, replace(DEFAULT_TUNING, all_questions_up_to=0))
    assert len(among_all.index.questions) <= DEFAULT_TUNING.all_questions_up_to
    for question in _dev_sample(600):
        assert among_all.match(question) == among_sharing.match(question), question


@pytest.mark.parametrize("size", [10, 179, 180, 1230, 5000])
def test_largest_finds_the_largest_values_of_any_array(size: int) -> None:
    rng = np.random.default_rng(size)
    for values in (
        rng.random(size),
        np.round(rng.random(size), 1),  # many ties
        np.zeros(size),
        np.sort(rng.random(size)),
    ):
        count = min(30, size)
        found = largest(values, count)
        assert len(set(found.tolist())) == count
        assert sorted(values[found]) == sorted(np.sort(values)[-count:])


def test_substituting_replaces_what_python_would(
    patterns_and_texts: PatternsAndTexts,
) -> None:
    patterns, texts = patterns_and_texts
    for pattern in patterns:
        fast = substituting(pattern)
        for text in texts:
            assert fast.sub(" ", text) == pattern.sub(" ", text), (pattern, text)
    assert substituting(re.compile(r"\bthe(?! foo)")).__class__ is re.Pattern  # look-ahead: re


@pytest.mark.parametrize(
    ("pattern", "relaxed"),
    [
        (r"\bthe(?! foo)", r"\bthe"),
        (r"(?<=a)b(?=c)|\bz", r"b|\bz"),
        (r"\bhow many (a|b)\b(?! (renew|[)(]x))", r"\bhow many (a|b)\b"),
        (r"\b(for) project (?!(management|manager))", r"\b(for) project "),
        (r"\(?!x)", r"\(?!x)"),  # an escaped bracket opens no look-around
        (r"\\(?!x)", r"\\"),  # an escaped backslash, then a look-around
    ],
)
def test_a_pattern_without_its_look_around_matches_wherever_it_did(
    pattern: str, relaxed: str
) -> None:
    assert without_look_around(pattern) == relaxed


def test_every_curators_look_around_pattern_has_a_relaxation_that_finds_its_matches(
    patterns_and_texts: PatternsAndTexts,
) -> None:
    patterns, texts = patterns_and_texts
    for pattern in patterns:
        loose = re.compile(without_look_around(pattern.pattern))
        for text in texts:
            assert not pattern.search(text) or loose.search(text), (pattern, text)
