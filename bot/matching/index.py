"""The index: every example question, ready to be looked up by its words.

Built in named steps, as rank_bm25 builds its index: collect each document's words, weigh
every term by how few documents use it, note how much each document vouches for each term,
then post every example question under its terms. Scoring lives apart (`scoring.py`).

A document is anything a question can be matched to: a topic entry, a duty ("who owns X?") or
a subject the articles do not cover. They share one index so that they compete fairly.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from bot.knowledge import KnowledgeBase
from bot.matching.analyzer import Analyzer
from bot.matching.tuning import Tuning
from bot.vocabulary import ROLES

ENTRY, DUTY, SUBJECT = "entry", "duty", "subject"
KINDS = (ENTRY, DUTY, SUBJECT)


@dataclass(frozen=True)
class Document:
    """What a question can be matched to, reduced to text."""

    kind: str  # ENTRY, DUTY or SUBJECT
    key: str  # the entry, duty or subject id
    questions: tuple[str, ...]
    title: str  # fully the document's own words, like its questions
    body: str  # its subject matter (an answer), vouched for in part
    roles: frozenset[str] = frozenset()  # for entries: the roles the answer speaks about
    topic: str | None = None  # for duties: the entry to read more (an entry id)


def documents_of(knowledge: KnowledgeBase) -> list[Document]:
    """Every entry, duty and not-covered subject of a knowledge base, as documents, kind by
    kind in that order (the index relies on it)."""
    documents = [
        Document(
            ENTRY,
            entry.id,
            entry.questions,
            entry.title,
            " ".join(
                part for part in (entry.answer.csm, entry.answer.pm, entry.answer.note) if part
            ),
            entry.roles,
        )
        for entry in knowledge.entries
    ]
    documents += [
        Document(
            DUTY,
            duty.id,
            duty.questions,
            duty.duty,
            " ".join(filter(None, (duty.why, duty.other))),
            topic=duty.topic,
        )
        for duty in knowledge.duties
    ]
    documents += [
        Document(SUBJECT, subject.id, subject.questions, subject.title, " ".join(subject.terms))
        for subject in knowledge.subjects
    ]
    return documents


@dataclass(frozen=True)
class IndexedQuestion:
    """One example question: its document, its terms sorted as text (for a word-order-blind
    similarity), and their weights."""

    document: int
    text: str
    weights: dict[str, float]
    norm: float


class Index:
    """Example questions posted under their terms, with term weights and document credit."""

    def __init__(self, documents: list[Document], analyzer: Analyzer, tuning: Tuning) -> None:
        self.documents = documents
        self.analyzer = analyzer
        self.tuning = tuning
        self._analyze_documents()
        self._calc_idf()
        self._calc_credit()
        self._post_questions()

    def _analyze_documents(self) -> None:
        """Each document's questions, title and body as terms; every surface word seen, and
        apart the words of what the articles cover (entries and duties, not subjects)."""
        normalize, terms = self.analyzer.normalize, self.analyzer.terms
        surface: dict[str, set[str]] = {kind: set() for kind in KINDS}

        def analyzed(text: str, kind: str) -> list[str]:
            words = normalize(text).split()
            surface[kind].update(words)
            return terms(words)

        self._question_terms = [
            (position, analyzed(question, document.kind))
            for position, document in enumerate(self.documents)
            for question in document.questions
        ]
        self._title_terms = [analyzed(document.title, document.kind) for document in self.documents]
        self._body_terms = [analyzed(document.body, document.kind) for document in self.documents]
        self.covered_words = frozenset(surface[ENTRY] | surface[DUTY])
        self.surface_words = self.covered_words | surface[SUBJECT]

    def _calc_idf(self) -> None:
        """Term weights from 0 to 1: 1 for a term only one document uses, near 0 for one all
        use. Scaled by the rarest possible weight, so they mean the same at any size."""
        used: list[set[str]] = [
            set(title) | set(body)
            for title, body in zip(self._title_terms, self._body_terms, strict=True)
        ]
        for position, terms in self._question_terms:
            used[position].update(terms)
        documents_with: dict[str, int] = defaultdict(int)
        for document_terms in used:
            for term in document_terms:
                documents_with[term] += 1
        count = len(self.documents)
        rarest = math.log((count + 1) / 0.5)
        self.idf = {
            term: self._weigh(term, math.log((count + 1) / (users + 0.5)) / rarest)
            for term, users in documents_with.items()
        }

    def _weigh(self, term: str, weight: float) -> float:
        if term in ROLES:
            return max(weight, self.tuning.role_weight)
        if self.analyzer.is_stopword(term):
            return weight * self.tuning.stopword_factor
        return weight

    def _calc_credit(self) -> None:
        """How much a document vouches for a term: in full for its questions and title, in
        part for words only its body uses."""
        credit: list[dict[str, float]] = [
            dict.fromkeys(terms, self.tuning.answer_term_credit) for terms in self._body_terms
        ]
        for position, terms in enumerate(self._title_terms):
            credit[position].update(dict.fromkeys(terms, 1.0))
        for position, terms in self._question_terms:
            credit[position].update(dict.fromkeys(terms, 1.0))
        self.credit = credit
        # The same credit by term, as arrays: the coverage of every document at once.
        by_term: dict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
        for document, vouched in enumerate(credit):
            for term, amount in vouched.items():
                documents, amounts = by_term[term]
                documents.append(document)
                amounts.append(amount)
        # A small knowledge base keeps the credit as a dense term-by-document matrix: coverage
        # is then one gather and one product, not a concatenation per term. A large one would
        # need gigabytes for it, and keeps postings (per term, its documents and amounts).
        self.credit_rows: dict[str, int] = {}
        self.credit_matrix: np.ndarray | None = None
        self.credit_postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        if len(by_term) * len(credit) <= self.tuning.dense_credit_cells:
            self.credit_rows = {term: row for row, term in enumerate(by_term)}
            self.credit_matrix = np.zeros((len(by_term), len(credit)))
            for term, (documents, amounts) in by_term.items():
                self.credit_matrix[self.credit_rows[term], documents] = amounts
        else:
            self.credit_postings = {
                term: (np.array(documents, dtype=np.int64), np.array(amounts))
                for term, (documents, amounts) in by_term.items()
            }

    def _post_questions(self) -> None:
        """Post each example question under its terms, as arrays scoring can add up at once."""
        self.questions: list[IndexedQuestion] = []
        postings: dict[str, list[int]] = defaultdict(list)
        for document, terms in self._question_terms:
            if self.documents[document].kind != ENTRY:
                # Who owns a duty is its `owner`, and a subject is about pay or tools whoever is
                # named: a role in their example questions ("does the pm do the budget") says
                # nothing about which task or subject is meant.
                terms = [term for term in terms if term not in ROLES]
            weights = {term: self.idf[term] for term in set(terms)}
            position = len(self.questions)
            self.questions.append(
                IndexedQuestion(
                    document, " ".join(sorted(terms)), weights, sum(weights.values()) or 1.0
                )
            )
            for term in weights:
                postings[term].append(position)
        self.postings = {term: np.array(found, dtype=np.int64) for term, found in postings.items()}
        # What each posting adds to a question's overlap: its term's weight, which is also the
        # weight any query gives a known term, so it is spread out once here, not per question.
        self.posting_weights = {
            term: np.full(len(found), self.idf[term]) for term, found in self.postings.items()
        }
        self.question_norms = np.array([question.norm for question in self.questions])
        self.question_texts = np.array([question.text for question in self.questions], dtype=object)
        kind_codes = [KINDS.index(document.kind) for document in self.documents]
        self.question_kinds = np.array(
            [kind_codes[question.document] for question in self.questions], dtype=np.int8
        )
        # `documents_of` lists documents kind by kind (entries, duties, subjects), so their
        # questions come kind by kind too: each kind is one slice of the arrays, from its
        # boundary to the next (the first kind's start, then each kind's end).
        self.kind_bounds = np.searchsorted(self.question_kinds, np.arange(len(KINDS) + 1))
        self.question_is_entry = self.question_kinds == KINDS.index(ENTRY)
        self.question_documents = np.array(
            [question.document for question in self.questions], dtype=np.int64
        )
        # Only the build needs the documents' terms; the index keeps what scoring reads.
        del self._question_terms, self._title_terms, self._body_terms
