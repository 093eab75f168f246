"""Find the knowledge-base entry that answers a question, or decide that none does.

A question is normalised, its misspelt words are corrected against the knowledge base's own
vocabulary with rapidfuzz, and the two role names collapse into the tokens `csm` and `pm`.
Each entry's example questions are then scored by IDF-weighted word overlap (an inverted index
keeps this fast on large knowledge bases), refined with a rapidfuzz similarity, and adjusted for
the roles the question names. Scores run from 0 to 100; below the threshold the bot abstains.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from bot.knowledge import Entry, KnowledgeBase
from bot.normalize import normalize

# Chosen from the question set in tests/data/question_set.yaml: see README, "Matching".
DEFAULT_THRESHOLD = 50.0
# Runners-up this close to the best score are offered as "did you mean" suggestions.
SUGGESTION_MARGIN = 12.0
MAX_SUGGESTIONS = 3

CSM, PM = "csm", "pm"
_ROLE_PHRASES = (
    (re.compile(r"\bcustomer success(?: managers?| team| teams| reps?)?\b"), CSM),
    (re.compile(r"\bproject managers?\b"), PM),
)
# Words too short to correct reliably ("pm" vs "am") are left as they are.
_MIN_CORRECTABLE_LENGTH = 4
_CORRECTION_CUTOFF = 80.0
# How strongly each signal counts toward the final score.
_OVERLAP_WEIGHT = 0.75
_FUZZY_WEIGHT = 0.25
# Candidates rescored with rapidfuzz after the cheap overlap pass.
_RESCORE_POOL = 40
# A question about one role should not be answered by the entry about the other role.
_OTHER_ROLE_FACTOR = 0.55
# A question about both roles prefers a comparison to a single-role entry.
_SINGLE_ROLE_FACTOR = 0.85


@dataclass(frozen=True)
class Match:
    """The outcome of matching one question."""

    question: str
    normalized: str
    entry: Entry | None
    score: float
    suggestions: tuple[Entry, ...] = ()

    @property
    def id(self) -> str | None:
        """The matched entry's id, or None when the bot abstains."""
        return self.entry.id if self.entry else None


@dataclass(frozen=True)
class _Question:
    entry_index: int
    text: str
    weights: dict[str, float]
    norm: float


def role_tokens(words: list[str]) -> list[str]:
    """Collapse role phrases ("customer success manager", "project managers") into `csm`/`pm`."""
    text = " ".join(words)
    for pattern, token in _ROLE_PHRASES:
        text = pattern.sub(token, text)
    return text.split()


class Matcher:
    """Scores questions against a knowledge base; build once, then call `match` many times."""

    def __init__(self, knowledge: KnowledgeBase, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.knowledge = knowledge
        self.threshold = threshold
        self._entries = knowledge.entries
        tokenised = [
            (index, role_tokens(normalize(question).split()))
            for index, entry in enumerate(self._entries)
            for question in entry.questions
        ]
        self._vocabulary = sorted({word for _, words in tokenised for word in words})
        self._known = set(self._vocabulary)
        documents_with: dict[str, set[int]] = defaultdict(set)
        for index, words in tokenised:
            for word in words:
                documents_with[word].add(index)
        entry_count = max(len(self._entries), 1)
        # Unseen words weigh as much as the rarest known word: they are what the KB cannot answer.
        self._idf = {
            word: math.log((entry_count + 1) / (len(indexes) + 0.5))
            for word, indexes in documents_with.items()
        }
        self._unknown_weight = math.log((entry_count + 1) / 0.5)
        self._questions: list[_Question] = []
        self._postings: dict[str, list[int]] = defaultdict(list)
        for index, words in tokenised:
            weights = {word: self._idf[word] for word in set(words)}
            norm = sum(weights.values()) or 1.0
            position = len(self._questions)
            self._questions.append(_Question(index, " ".join(words), weights, norm))
            for word in weights:
                self._postings[word].append(position)
        self._correct = lru_cache(maxsize=4096)(self._correct_word)

    def _correct_word(self, word: str) -> str:
        if word in self._known or len(word) < _MIN_CORRECTABLE_LENGTH or word.isdigit():
            return word
        found = process.extractOne(
            word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=_CORRECTION_CUTOFF
        )
        if found is None:
            return word
        # Accept at most one edit in short words and two in longer ones, so "cast" stays "cast".
        allowed_edits = 1 if len(word) <= 6 else 2
        if Levenshtein.distance(word, found[0], weights=(1, 1, 1)) > allowed_edits:
            return word
        return found[0]

    def tokens(self, normalized: str) -> list[str]:
        """The words of a normalised question, spelling corrected and roles collapsed."""
        return role_tokens([self._correct(word) for word in normalized.split()])

    def match(self, question: str) -> Match:
        """Match one question; `entry` is None when nothing scores above the threshold."""
        normalized = normalize(question)
        words = self.tokens(normalized)
        if not words:
            return Match(question, normalized, None, 0.0)
        scores = self._score_entries(words)
        ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
        if not ranked:
            return Match(question, normalized, None, 0.0)
        best_index, best_score = ranked[0]
        if best_score < self.threshold:
            near = [
                self._entries[index]
                for index, score in ranked[:MAX_SUGGESTIONS]
                if score >= self.threshold - SUGGESTION_MARGIN
            ]
            return Match(question, normalized, None, round(best_score, 1), tuple(near))
        runners_up = tuple(
            self._entries[index]
            for index, score in ranked[1 : MAX_SUGGESTIONS + 1]
            if score >= best_score - SUGGESTION_MARGIN
        )
        return Match(
            question, normalized, self._entries[best_index], round(best_score, 1), runners_up
        )

    def _score_entries(self, words: list[str]) -> dict[int, float]:
        query_weights = {word: self._idf.get(word, self._unknown_weight) for word in set(words)}
        query_norm = sum(query_weights.values()) or 1.0
        shared: dict[int, float] = defaultdict(float)
        for word, weight in query_weights.items():
            for position in self._postings.get(word, ()):
                shared[position] += weight
        overlaps = {
            position: _f_score(common / query_norm, common / self._questions[position].norm)
            for position, common in shared.items()
        }
        pool = heapq.nlargest(_RESCORE_POOL, overlaps.items(), key=lambda item: item[1])
        query_roles = {word for word in words if word in (CSM, PM)}
        query_text = " ".join(words)
        best: dict[int, float] = {}
        for position, overlap in pool:
            candidate = self._questions[position]
            similarity = fuzz.token_sort_ratio(query_text, candidate.text) / 100
            score = 100 * (_OVERLAP_WEIGHT * overlap + _FUZZY_WEIGHT * similarity)
            score *= _role_factor(query_roles, self._entries[candidate.entry_index].roles)
            if score > best.get(candidate.entry_index, 0.0):
                best[candidate.entry_index] = score
        return best


def _f_score(precision: float, recall: float) -> float:
    """Harmonic mean of how much of the question and of the example question is shared."""
    if precision <= 0 or recall <= 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def _role_factor(query_roles: set[str], entry_roles: frozenset[str]) -> float:
    if len(query_roles) == 1 and len(entry_roles) == 1 and query_roles != entry_roles:
        return _OTHER_ROLE_FACTOR
    if len(query_roles) == 2 and len(entry_roles) == 1:
        return _SINGLE_ROLE_FACTOR
    return 1.0
