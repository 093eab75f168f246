"""Scoring: how well each document answers a question, from 0 to 100.

Three signals, weighted by `Tuning`:
- overlap with the document's closest example question (weighted words, recall counted more
  than precision, so context around a question does not sink it);
- coverage: how much of the question the document's vocabulary explains, where words the
  knowledge base has never seen count against every document;
- a rapidfuzz similarity of the word sequences, for near-identical phrasings.
The roles a question names then scale an entry's score: a question about the CSM is not
answered by the PM's entry.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from itertools import combinations

from rapidfuzz import fuzz

from bot.matching.index import DUTY, ENTRY, Index
from bot.matching.tuning import Tuning
from bot.vocabulary import ROLES


@dataclass(frozen=True)
class Query:
    """A question's terms with their weights, ready to score."""

    terms: tuple[str, ...]
    weights: dict[str, float]
    norm: float
    roles: frozenset[str]
    text: str


class Scorer:
    """Scores documents of one index against queries."""

    def __init__(self, index: Index, tuning: Tuning) -> None:
        self.index = index
        self.tuning = tuning

    def query(self, terms: list[str]) -> Query:
        """Weigh a question's terms: known terms by the index, unknown ones by the tuning."""
        is_stopword = self.index.analyzer.is_stopword
        content = sum(not is_stopword(term) for term in set(terms))
        tuning = self.tuning
        unknown = tuning.unknown_weight * min(1.0, tuning.context_free_terms / max(content, 1))
        idf = self.index.idf
        weights = {
            term: idf.get(term, unknown * (tuning.stopword_factor if is_stopword(term) else 1.0))
            for term in set(terms)
        }
        return Query(
            tuple(terms),
            weights,
            sum(weights.values()),
            frozenset(term for term in terms if term in ROLES),
            " ".join(terms),
        )

    def scores(self, query: Query) -> dict[int, float]:
        """Each candidate document's best score for the query (documents not found are 0).

        Duties are scored without the role words: "does the PM handle onboarding?" asks about
        onboarding, and its duty is the CSM's; naming a role must not count against it.
        """
        if not query.norm:
            return {}
        role_free = self.without_roles(query)
        questions = self.index.questions
        documents = self.index.documents
        overlaps = {}
        for position in self._candidates(query):
            candidate = questions[position]
            asked = role_free if documents[candidate.document].kind == DUTY else query
            if not asked.norm:
                continue
            common = sum(asked.weights.get(term, 0.0) for term in candidate.weights)
            overlaps[position] = self._f_beta(common / asked.norm, common / candidate.norm)
        tuning = self.tuning
        # Each kind of document gets its own share of the rescoring pool, so that duties (scored
        # without role words) are not crowded out by entries sharing the role words, or back.
        by_kind: dict[str, list[tuple[int, float]]] = {}
        for position, overlap in overlaps.items():
            by_kind.setdefault(documents[questions[position].document].kind, []).append(
                (position, overlap)
            )
        pool = [
            candidate
            for candidates in by_kind.values()
            for candidate in heapq.nlargest(
                tuning.rescore_pool, candidates, key=lambda item: item[1]
            )
        ]
        best: dict[int, float] = {}
        for position, overlap in pool:
            candidate = questions[position]
            document = candidate.document
            asked = role_free if documents[document].kind == DUTY else query
            similarity = fuzz.token_sort_ratio(asked.text, candidate.text) / 100
            score = 100 * (
                tuning.question_weight * overlap
                + tuning.coverage_weight * self.coverage(document, asked)
                + tuning.fuzzy_weight * similarity
            )
            score *= self._role_factor(query.roles, document)
            best[document] = max(score, best.get(document, 0.0))
        return best

    @staticmethod
    def without_roles(query: Query) -> Query:
        """The query with its role words left out."""
        if not query.roles:
            return query
        terms = tuple(term for term in query.terms if term not in ROLES)
        weights = {term: weight for term, weight in query.weights.items() if term not in ROLES}
        return Query(terms, weights, sum(weights.values()), frozenset(), " ".join(terms))

    def coverage(self, document: int, query: Query) -> float:
        """The share of the query's weight that the document's vocabulary explains (0..1)."""
        credit = self.index.credit[document]
        explained = sum(weight * credit.get(term, 0.0) for term, weight in query.weights.items())
        return explained / query.norm

    def _candidates(self, query: Query) -> set[int]:
        """Example questions sharing a meaningful term with the query, rarest terms first.

        Walking stops once the candidate budget is spent: common terms still count when the
        candidates are scored, but walking their long posting lists is what would make a
        large knowledge base slow.
        """
        postings = self.index.postings
        is_stopword = self.index.analyzer.is_stopword
        known = [term for term in query.weights if term in postings]
        # A question of function words only ("hello", "what can you do") still has matches.
        meaningful = [term for term in known if not is_stopword(term)] or known
        meaningful.sort(key=lambda term: len(postings[term]))
        found: set[int] = set()
        budget = self.tuning.candidate_budget
        for term in meaningful:
            posted = postings[term]
            if found and len(found) + len(posted) > budget:
                break
            if len(posted) > budget:
                break
            found.update(posted)
        if found or not meaningful:
            return found
        # Only common terms ("what is a csm"): the example questions made of nothing but some
        # of those terms are the ones worth scoring, and a set index finds them directly.
        common = meaningful[: self.tuning.max_subset_terms]
        for size in range(len(common), 0, -1):
            for subset in combinations(common, size):
                found.update(self.index.by_term_set.get(frozenset(subset), ()))
            if len(found) >= budget:
                break
        return found or set(postings[meaningful[0]][:budget])

    def _f_beta(self, precision: float, recall: float) -> float:
        """Overlap of two questions, counting recall `recall_beta` times as much as precision."""
        if precision <= 0 or recall <= 0:
            return 0.0
        beta2 = self.tuning.recall_beta**2
        return (1 + beta2) * precision * recall / (beta2 * precision + recall)

    def _role_factor(self, query_roles: frozenset[str], position: int) -> float:
        document = self.index.documents[position]
        if document.kind != ENTRY:
            return 1.0
        if len(query_roles) == 1 and len(document.roles) == 1 and query_roles != document.roles:
            return self.tuning.other_role_factor
        if len(query_roles) == 2 and len(document.roles) == 1:
            return self.tuning.single_role_factor
        return 1.0
