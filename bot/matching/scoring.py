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

import itertools
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from bot.matching.index import ENTRY, KINDS, Index
from bot.matching.tuning import Tuning
from bot.vocabulary import CSM, PM, ROLES


@dataclass(frozen=True)
class Query:
    """A question's terms with their weights, ready to score."""

    terms: tuple[str, ...]
    weights: dict[str, float]
    norm: float
    roles: frozenset[str]
    text: str  # the terms sorted, as the index keeps its questions' terms


class Scorer:
    """Scores documents of one index against queries."""

    def __init__(self, index: Index, tuning: Tuning) -> None:
        self.index = index
        self.tuning = tuning
        self._beta2 = tuning.recall_beta**2
        self._beta2_question_norms = self._beta2 * index.question_norms
        # Role factors depend only on which roles a question names: four cases, computed once.
        self._role_factor_table = {
            frozenset(roles): self._role_factors(frozenset(roles))
            for roles in ((), (CSM,), (PM,), (CSM, PM))
        }

    def query(self, terms: list[str]) -> Query:
        """Weigh a question's terms: known terms by the index, unknown ones by the tuning."""
        unique = set(terms)
        stopwords = self.index.analyzer.stopwords
        tuning = self.tuning
        content = len(unique - stopwords)
        unknown = tuning.unknown_weight * min(1.0, tuning.context_free_terms / max(content, 1))
        unknown_stopword = unknown * tuning.stopword_factor
        idf = self.index.idf
        weights = {
            term: idf.get(term, unknown_stopword if term in stopwords else unknown)
            for term in unique
        }
        return Query(
            tuple(terms),
            weights,
            sum(weights.values()),
            frozenset(unique.intersection(ROLES)),
            " ".join(sorted(terms)),
        )

    def scores(self, query: Query, kinds: Collection[str] = KINDS) -> np.ndarray:
        """Each document's best score for the query, by position (0 for documents not found;
        only documents of `kinds` are scored).

        Overlap with every example question sharing a term is added up at once over the
        posting arrays; only the best few of each kind are rescored with the costlier signals.
        Duties and subjects are scored without the role words: "does the PM handle onboarding?"
        asks about onboarding, and its duty is the CSM's; naming a role must not count against
        it (the index leaves role words out of their questions, so only the query's norm differs).
        """
        postings = self.index.postings
        known = [term for term in query.weights if term in postings]
        if not query.norm or not known:
            return np.zeros(len(self.index.documents))
        role_free = self.without_roles(query)
        posting_weights = self.index.posting_weights
        common = np.bincount(
            np.concatenate([postings[term] for term in known]),
            weights=np.concatenate([posting_weights[term] for term in known]),
            minlength=len(self.index.questions),
        )
        index = self.index
        if len(common) > self.tuning.all_questions_up_to:
            # Only the questions sharing a term are looked at further: on a large knowledge
            # base they are a small part of all, and choosing the best among all would cost
            # most of the time. Questions are stored kind by kind, so each kind is a slice.
            rows = np.flatnonzero(common)
            bounds = np.searchsorted(rows, index.kind_bounds).tolist()
        else:
            # On a small one a long question shares a word with most of them: reading all
            # costs less than finding which.
            rows, bounds = slice(None), index.kind_bounds.tolist()
        shared = common[rows]
        # Duties and subjects are measured against the query without its role words.
        norms = (
            query.norm
            if role_free is query
            else np.where(index.question_is_entry[rows], query.norm, role_free.norm)
        )
        overlap = self._f_beta(shared, norms, rows)
        # Each kind of document gets its own share of the rescoring pool, so that duties are
        # not crowded out by entries sharing the role words, or the other way round.
        pool = self.tuning.rescore_pool
        chosen = []
        for kind, (low, high) in zip(KINDS, itertools.pairwise(bounds), strict=True):
            if kind not in kinds:
                continue
            if high - low > pool:
                chosen.append(low + largest(overlap[low:high], pool))
            elif high > low:
                chosen.append(np.arange(low, high))
        if not chosen:
            return np.zeros(len(index.documents))
        picked = np.concatenate(chosen)
        picked = picked[shared[picked] > 0]  # a question sharing no term is no candidate
        if not len(picked):
            return np.zeros(len(index.documents))
        positions = picked if isinstance(rows, slice) else rows[picked]
        return self._rescore(positions, overlap[picked], query, role_free)

    def _rescore(
        self, positions: np.ndarray, overlaps: np.ndarray, query: Query, role_free: Query
    ) -> np.ndarray:
        """Combine overlap, coverage and fuzzy similarity into each document's best score."""
        index, tuning = self.index, self.tuning
        documents = index.question_documents[positions]
        explained = self._explained(query.weights)
        coverage = explained[documents] / query.norm
        if role_free is not query:
            role_free_kind = ~index.question_is_entry[positions]
            # Without the role words, less is explained, out of a smaller whole.
            roles = {term: query.weights[term] for term in query.roles}
            without = (explained - self._explained(roles))[documents] / (role_free.norm or 1.0)
            coverage = np.where(role_free_kind, without, coverage)
        # Texts are stored with their terms sorted: plain ratio is then token_sort_ratio.
        texts = index.question_texts[positions].tolist()
        if role_free is query:
            similarity = process.cdist([query.text], texts, scorer=fuzz.ratio)[0]
        else:  # both texts in one call: half the call's overhead
            both = process.cdist([query.text, role_free.text], texts, scorer=fuzz.ratio)
            similarity = np.where(role_free_kind, both[1], both[0])
        scores = (
            100
            * self._role_factor_table[query.roles][documents]
            * (
                tuning.question_weight * overlaps
                + tuning.coverage_weight * coverage
                + tuning.fuzzy_weight * similarity / 100
            )
        )
        best = np.zeros(len(index.documents))
        np.maximum.at(best, documents, scores)
        return best

    @staticmethod
    def without_roles(query: Query) -> Query:
        """The query with its role words left out."""
        if not query.roles:
            return query
        terms = tuple(term for term in query.terms if term not in ROLES)
        weights = {term: weight for term, weight in query.weights.items() if term not in ROLES}
        return Query(terms, weights, sum(weights.values()), frozenset(), " ".join(sorted(terms)))

    def _explained(self, weights: dict[str, float]) -> np.ndarray:
        """For every document, how much of these weighted terms its vocabulary vouches for
        (divided by the query's whole weight, the share it explains: coverage)."""
        matrix = self.index.credit_matrix
        if matrix is not None:
            rows = self.index.credit_rows
            found_rows = [(rows[term], weight) for term, weight in weights.items() if term in rows]
            if not found_rows:
                return np.zeros(len(self.index.documents))
            picked, term_weights = zip(*found_rows, strict=True)
            return np.asarray(term_weights) @ matrix[list(picked)]
        credit_postings = self.index.credit_postings
        found = [(credit_postings[term], weight) for term, weight in weights.items()
                 if term in credit_postings]  # fmt: skip
        if not found:
            return np.zeros(len(self.index.documents))
        # One pass over every term's postings at once: per-term array arithmetic costs more
        # in call overhead than in work on a knowledge base this size.
        documents = np.concatenate([postings[0] for postings, _ in found])
        amounts = np.concatenate([postings[1] for postings, _ in found])
        term_weights = np.repeat(
            [weight for _, weight in found], [len(postings[0]) for postings, _ in found]
        )
        return np.bincount(
            documents, weights=amounts * term_weights, minlength=len(self.index.documents)
        )

    def _f_beta(
        self, shared: np.ndarray, query_norm: float | np.ndarray, rows: slice | np.ndarray
    ) -> np.ndarray:
        """Overlap of the query with each question (`rows` of the index), counting recall
        `recall_beta` times as much as precision: F = (1 + b²)·P·R / (b²·P + R) with
        P = shared / query_norm and R = shared / question_norm, which simplifies to
        (1 + b²)·shared / (b²·question_norm + query_norm): one pass, and 0 where nothing is
        shared (b²·question_norm is computed once, with the scorer)."""
        return (1 + self._beta2) * shared / (self._beta2_question_norms[rows] + query_norm)

    def _role_factors(self, query_roles: frozenset[str]) -> np.ndarray:
        """Per document: a question about one role should not be answered by the other role's
        entry, and a question about both prefers a comparison to a single-role entry."""
        factors = np.ones(len(self.index.documents))
        for position, document in enumerate(self.index.documents):
            if document.kind != ENTRY or len(document.roles) != 1:
                continue
            if len(query_roles) == 1 and query_roles != document.roles:
                factors[position] = self.tuning.other_role_factor
            elif len(query_roles) == 2:
                factors[position] = self.tuning.single_role_factor
        return factors


def largest(values: np.ndarray, count: int) -> np.ndarray:
    """The positions of the `count` largest values (in no particular order; `count` at most
    the array's length).

    On a long array a threshold read from every third value narrows the search first: the
    `count`-th largest of a sample is never above that of the whole, so every value at or over
    it is kept, and the largest are chosen among those few. numpy's selection over the whole
    array costs more than both steps (the bundled knowledge base's p50 -5%, 10,000 entries'
    -9%; the same answers).
    """
    if len(values) < 6 * count:
        # every third value would give too small a sample to narrow anything by
        return np.argpartition(values, -count)[-count:]
    floor = np.partition(values[::3], -count)[-count]
    kept = np.flatnonzero(values >= floor)
    return kept[np.argpartition(values[kept], -count)[-count:]]


def by_score(scores: np.ndarray) -> list[tuple[int, float]]:
    """A ranking (document position, score; best first) of the documents found, from each
    document's score by position (0: not found). Ties keep the documents' order."""
    found = np.flatnonzero(scores)
    order = found[np.argsort(-scores[found], kind="stable")]
    return list(zip(order.tolist(), scores[order].tolist(), strict=True))


def rank_duties_by_meaning(
    scores: np.ndarray,
    similarities: tuple[np.ndarray, np.ndarray],
    tuning: Tuning,
    vouched: np.ndarray | None = None,
) -> list[tuple[int, float]]:
    """A ranking (document position, score; best first) from each document's score by
    position (0: not found), with duties re-ranked by meaning.

    `similarities` are the duties' positions and their cosine similarity to the question
    (`MeaningIndex`). A duty's new score blends its score with its similarity read on a 0..100
    scale, capped at the best score any duty had: meaning picks which duty a question is about
    ("who keeps an eye on the rollout?" is "who tracks progress?"), never whether the question
    fits a duty at all. Duties tied at the cap keep their blended order. A duty that fits only
    weakly and means something else is dropped, unless it is vouched for (`vouched`: for each
    duty of `similarities`, whether it is a duty of the entry the question matches best:
    "which role treats training as a business enabler?" is the training topic's, whose duty
    answers who).
    """
    positions, closeness = similarities
    if not len(positions):
        return by_score(scores)
    lexical = scores[positions]
    span = tuning.meaning_ceiling - tuning.meaning_floor
    # Clipped to 0..1 with minimum and maximum: np.clip costs several times more on arrays
    # this small.
    meaning = 100 * np.minimum(np.maximum((closeness - tuning.meaning_floor) / span, 0), 1)
    blended = (1 - tuning.meaning_weight) * lexical + tuning.meaning_weight * meaning
    capped = np.minimum(blended, lexical.max())
    # A duty that fits only weakly must also be close in meaning: "who handles security
    # incidents?" shares a word or two with some duty's examples, but means none of them.
    # The best entry's own duties are vouched for by the entry's fit.
    unlikely = (capped < tuning.meaning_veto_score) & (closeness < tuning.meaning_veto_cosine)
    if vouched is not None:
        unlikely &= ~vouched
    keep = ((blended > 0) | (lexical > 0)) & ~unlikely
    kept = positions[keep]
    reranked = scores.copy()
    reranked[positions[unlikely]] = 0.0
    reranked[kept] = capped[keep]
    blend = reranked.copy()
    blend[kept] = blended[keep]
    # A duty kept for its meaning alone is listed even at 0, below every document found.
    listed = reranked > 0
    listed[kept] = True
    found = np.flatnonzero(listed)
    # Best score first, then best blend; ties keep the documents' order (lexsort is stable).
    order = found[np.lexsort((-blend[found], -reranked[found]))]
    return list(zip(order.tolist(), reranked[order].tolist(), strict=True))
