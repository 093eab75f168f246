"""Find the knowledge-base entry that answers a question, or decide that none does.

A question is normalised, its misspelt words are corrected against the knowledge base's own
vocabulary with rapidfuzz, the two role names collapse into the tokens `csm` and `pm`, and the
words are stemmed (Snowball), so "onboards" meets "onboarding". Every entry is then scored from
three signals, through inverted indexes that keep this fast on large knowledge bases:

- how well the question overlaps the entry's closest example question (IDF-weighted words,
  recall counted more than precision, so context around a question does not sink it);
- how much of the question the entry's vocabulary explains (questions and title in full, the
  answer's text in part), where words the knowledge base has never seen count against it;
- a rapidfuzz similarity of the word sequences, for near-identical phrasings.

The roles a question names then scale the score: a question about the CSM is not answered by
the PM's entry. Scores run from 0 to 100; below the threshold the bot abstains.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

import snowballstemmer
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Indel, Levenshtein

from bot.knowledge import Entry, KnowledgeBase
from bot.normalize import normalize

# Chosen from the question set in tests/data/question_set.yaml: see README, "Matching".
DEFAULT_THRESHOLD = 46.0
# Runners-up this close to the best score are offered as "did you mean" suggestions.
SUGGESTION_MARGIN = 12.0
MAX_SUGGESTIONS = 3

CSM, PM = "csm", "pm"
_ROLE_PHRASES = (
    (re.compile(r"\bcustomer success(?: managers?| team| teams| reps?)?\b"), CSM),
    (re.compile(r"\bproject managers?\b"), PM),
)
# Function words carry little meaning; they count, but only this much of their weight.
_STOPWORD_FACTOR = 0.1
_STOPWORDS = frozenset(
    """a an the is are was were be been am do does did doing of to in on at for from by with and or
    but so if as it its this that these those there i me my we our us they them their he she his
    her what whats which who whom how when where why can could would should will shall may might
    must just about any some all each other than then too very really actually also here please
    hi hey hello thanks ok okay like kind sort thing things get got tell""".split()  # noqa: SIM905
)
# Words too short to correct reliably ("pm" vs "am") are left as they are.
_MIN_CORRECTABLE_LENGTH = 5
_CORRECTION_CUTOFF = 80.0
_SHORT_WORD = 6
# How strongly each signal counts toward the final score (they add up to 1).
_QUESTION_WEIGHT = 0.5
_TOPIC_WEIGHT = 0.4
_FUZZY_WEIGHT = 0.1
# Recall (how much of an example question the user's question covers) counts this many times
# more than precision, so a long question with context still matches a short example.
_RECALL_BETA = 2.0
# A word the knowledge base has never seen: most likely what makes a question off topic.
_UNKNOWN_WEIGHT = 1.5
_ANSWER_TERM_CREDIT = 0.3
# Up to this many content words, every unknown word counts in full.
_CONTEXT_FREE_TERMS = 4
_ROLE_WEIGHT = 2.5
# A word in more example questions than this (or 2% of them) is too common to find candidates.
_COMMON_POSTINGS_MIN = 1000
# At most this many common words are combined when looking example questions up by their words.
_MAX_SUBSET_TERMS = 8
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


# Stemming is the costliest step of indexing; a vocabulary is small, so each word is stemmed once.
_stem = lru_cache(maxsize=65536)(snowballstemmer.stemmer("english").stemWord)


def _entry_texts(entry: Entry) -> tuple[str, str]:
    """An entry's own wording (title) and its subject matter (the answer's sides and note)."""
    answer = entry.answer
    sides = " ".join(part for part in (answer.csm, answer.pm, answer.note) if part)
    return entry.title, sides


class Matcher:
    """Scores questions against a knowledge base; build once, then call `match` many times."""

    def __init__(self, knowledge: KnowledgeBase, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.knowledge = knowledge
        self.threshold = threshold
        self._entries = knowledge.entries
        question_words = [
            (index, normalize(question).split())
            for index, entry in enumerate(self._entries)
            for question in entry.questions
        ]
        texts = [
            [normalize(text).split() for text in _entry_texts(entry)] for entry in self._entries
        ]
        surface = {word for _, words in question_words for word in words}
        surface.update(word for title, sides in texts for word in title + sides)
        self._vocabulary = sorted(surface)
        self._known = frozenset(surface)
        self._correct = lru_cache(maxsize=8192)(self._correct_word)

        questions = [(index, self._terms(words)) for index, words in question_words]
        # How much an entry vouches for a term: fully when its questions or title use it, partly
        # when only its answer does.
        credit: list[dict[str, float]] = [
            dict.fromkeys(self._terms(sides), _ANSWER_TERM_CREDIT) for _, sides in texts
        ]
        for index, (title, _) in enumerate(texts):
            credit[index].update(dict.fromkeys(self._terms(title), 1.0))
        for index, terms in questions:
            credit[index].update(dict.fromkeys(terms, 1.0))
        entry_count = max(len(self._entries), 1)
        entries_with: dict[str, int] = defaultdict(int)
        for terms in credit:
            for term in terms:
                entries_with[term] += 1
        self._idf = {
            term: self._weigh(term, math.log((entry_count + 1) / (count + 0.5)))
            for term, count in entries_with.items()
        }
        self._credit = credit
        self._questions: list[_Question] = []
        self._postings: dict[str, list[int]] = defaultdict(list)
        self._by_term_set: dict[frozenset[str], list[int]] = {}
        for index, terms in questions:
            weights = {term: self._idf[term] for term in set(terms)}
            position = len(self._questions)
            self._questions.append(
                _Question(index, " ".join(terms), weights, sum(weights.values()) or 1.0)
            )
            for term in weights:
                self._postings[term].append(position)
            meaningful = frozenset(term for term in weights if term not in _STOPWORDS)
            self._by_term_set.setdefault(meaningful, []).append(position)
        self._common_postings = max(_COMMON_POSTINGS_MIN, len(self._questions) // 50)

    @staticmethod
    def _weigh(term: str, weight: float) -> float:
        if term in (CSM, PM):
            return max(weight, _ROLE_WEIGHT)
        return weight * _STOPWORD_FACTOR if term in _STOPWORDS else weight

    def _correct_word(self, word: str) -> str:
        if word in self._known or len(word) < _MIN_CORRECTABLE_LENGTH or word.isdigit():
            return word
        found = process.extractOne(
            word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=_CORRECTION_CUTOFF
        )
        if found is None:
            return word
        return found[0] if _plausible_typo(word, found[0]) else word

    @staticmethod
    def _terms(words: list[str]) -> list[str]:
        return [term if term in _STOPWORDS else _stem(term) for term in role_tokens(words)]

    def terms(self, normalized: str) -> list[str]:
        """The terms of a normalised question: spelling corrected, roles collapsed, stemmed."""
        return self._terms([self._correct(word) for word in normalized.split()])

    def match(self, question: str) -> Match:
        """Match one question; `entry` is None when nothing scores above the threshold."""
        normalized = normalize(question)
        ranked = self._ranked(normalized)
        if not ranked:
            return Match(question, normalized, None, 0.0)
        best_index, best_score = ranked[0]
        if best_score < self.threshold:
            near = tuple(
                self._entries[index]
                for index, score in ranked[:MAX_SUGGESTIONS]
                if score >= self.threshold - SUGGESTION_MARGIN
            )
            return Match(question, normalized, None, round(best_score, 1), near)
        runners_up = tuple(
            self._entries[index]
            for index, score in ranked[1 : MAX_SUGGESTIONS + 1]
            if score >= best_score - SUGGESTION_MARGIN
        )
        best = self._entries[best_index]
        return Match(question, normalized, best, round(best_score, 1), runners_up)

    def closest(self, question: str) -> tuple[Entry, float] | None:
        """The best-scoring entry even below the threshold (for curators), or None if none scores."""
        ranked = self._ranked(normalize(question))
        if not ranked:
            return None
        index, score = ranked[0]
        return self._entries[index], round(score, 1)

    def _ranked(self, normalized: str) -> list[tuple[int, float]]:
        """Entry indexes with their scores, best first."""
        scores = self._score_entries(self.terms(normalized))
        return sorted(scores.items(), key=lambda item: item[1], reverse=True)

    def _candidates(self, query: dict[str, float]) -> set[int]:
        """Example questions sharing a meaningful word with the query, rarest words first.

        Words found in very many questions only add candidates when nothing rarer did: they
        still count when candidates are scored, but walking their long posting lists is what
        would make a large knowledge base slow.
        """
        known = [term for term in query if term in self._postings]
        # A question of function words only ("hello", "what can you do") still has its matches.
        meaningful = [term for term in known if term not in _STOPWORDS] or known
        meaningful.sort(key=lambda term: len(self._postings[term]))
        found: set[int] = set()
        for term in meaningful:
            postings = self._postings[term]
            if len(postings) > self._common_postings:
                break
            found.update(postings)
        if found or not meaningful:
            return found
        # Only common words ("what is a csm"): the example questions made of nothing but some
        # of those words are the ones worth scoring, and a set index finds them directly.
        common = meaningful[:_MAX_SUBSET_TERMS]
        for size in range(len(common), 0, -1):
            for subset in combinations(common, size):
                found.update(self._by_term_set.get(frozenset(subset), ()))
        return found or set(self._postings[meaningful[0]])

    def _coverage(self, index: int, query: dict[str, float]) -> float:
        """How much of the query's weight the entry's vocabulary explains."""
        credit = self._credit[index]
        return sum(weight * credit.get(term, 0.0) for term, weight in query.items())

    def _score_entries(self, terms: list[str]) -> dict[int, float]:
        # The more a person writes, the more of it is context rather than the question itself.
        content = sum(term not in _STOPWORDS for term in set(terms))
        unknown = _UNKNOWN_WEIGHT * min(1.0, _CONTEXT_FREE_TERMS / max(content, 1))
        query = {term: self._idf.get(term, unknown) for term in set(terms)}
        query_norm = sum(query.values())
        if not query_norm:
            return {}
        overlaps = {}
        for position in self._candidates(query):
            candidate = self._questions[position]
            common = sum(query.get(term, 0.0) for term in candidate.weights)
            overlaps[position] = _f_beta(common / query_norm, common / candidate.norm)
        pool = heapq.nlargest(_RESCORE_POOL, overlaps.items(), key=lambda item: item[1])
        query_roles = {term for term in terms if term in (CSM, PM)}
        query_text = " ".join(terms)
        best: dict[int, float] = {}
        for position, overlap in pool:
            candidate = self._questions[position]
            index = candidate.entry_index
            similarity = fuzz.token_sort_ratio(query_text, candidate.text) / 100
            score = 100 * (
                _QUESTION_WEIGHT * overlap
                + _TOPIC_WEIGHT * self._coverage(index, query) / query_norm
                + _FUZZY_WEIGHT * similarity
            )
            score *= _role_factor(query_roles, self._entries[index].roles)
            best[index] = max(score, best.get(index, 0.0))
        return best


def _plausible_typo(word: str, known: str) -> bool:
    """Whether `word` is a likely misspelling of `known` rather than another real word.

    Long words may be two edits away (a swap of neighbouring letters counts as one). Short
    words may be one edit away, but not by a changed letter alone: too many real words differ
    by one letter ("master" and "matter", "rain" and "main").
    """
    if len(word) > _SHORT_WORD:
        return OSA.distance(word, known) <= 2
    substitution_only = Levenshtein.distance(word, known) == 1 and Indel.distance(word, known) == 2
    return OSA.distance(word, known) <= 1 and not substitution_only


def _f_beta(precision: float, recall: float) -> float:
    """Overlap of two questions, counting recall `_RECALL_BETA` times as much as precision."""
    if precision <= 0 or recall <= 0:
        return 0.0
    beta2 = _RECALL_BETA**2
    return (1 + beta2) * precision * recall / (beta2 * precision + recall)


def _role_factor(query_roles: set[str], entry_roles: frozenset[str]) -> float:
    if len(query_roles) == 1 and len(entry_roles) == 1 and query_roles != entry_roles:
        return _OTHER_ROLE_FACTOR
    if len(query_roles) == 2 and len(entry_roles) == 1:
        return _SINGLE_ROLE_FACTOR
    return 1.0
