"""Find what answers a question: a topic entry, a duty's owner, a "not covered" subject, or nothing.

The parts live in `bot/matching/`, each testable alone: the analyzer turns text into terms, the
speller corrects typos against the knowledge base's own words, the index holds every example
question, the scorer ranks documents, meaning (word vectors) re-ranks the duties a who-question
may be about, and the decision step chooses what to reply. `Matcher`
builds them once per knowledge base; `match` is then cheap.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from bot.knowledge import Duty, Entry, KnowledgeBase, Subject
from bot.matching.analyzer import Analyzer, quoted, sentences
from bot.matching.decision import Decision, best_of_kind, decide
from bot.matching.index import DUTY, ENTRY, SUBJECT, Index, documents_of
from bot.matching.meaning import MeaningIndex, WordVectors
from bot.matching.names import ProperNames
from bot.matching.patterns import PatternGroups
from bot.matching.scoring import Scorer, by_score, rank_duties_by_meaning
from bot.matching.speller import Speller, english_words
from bot.matching.tuning import DEFAULT_TUNING, Tuning
from bot.vocabulary import ASKS_WHO, ASKS_YES_NO, ROLES


@dataclass(frozen=True)
class Match:
    """The outcome of matching one question.

    `entry` is the topic answered (for an owner answer, the duty's topic to read more); it is
    None when the bot declines, and `subject` then says when that is because the articles do
    not cover what was asked.
    """

    question: str
    normalized: str
    entry: Entry | None
    score: float
    suggestions: tuple[Entry, ...] = ()
    duty: Duty | None = None
    subject: Subject | None = None

    @property
    def id(self) -> str | None:
        """The answered entry's id, or None when the bot declines."""
        return self.entry.id if self.entry else None

    @property
    def owner(self) -> str | None:
        """ "csm", "pm" or "both" for an owner answer; None otherwise."""
        return self.duty.owner if self.duty else None

    @property
    def not_covered(self) -> str | None:
        """The id of the not-covered subject the question was about, or None (also for a
        subject unrelated to the roles, which gets the usual fallback)."""
        return self.subject.id if self.subject and self.subject.reply else None


# A sentence opening like this continues the question before it: "... at the start? and the CSM?",
# or says it again in other words: "what is a CSM? like, what is the role, in plain words?"
# A message this short that only points back ("who owns that?") has nothing to point at; a
# longer one that matches the same patterns is a question in itself ("whose job is it to
# retain customers?").
_POINTER_WORDS = 4
_FOLLOW_UP = re.compile(
    r"(?:and|or|also|plus|what about|how about|like|i mean|as in|in other words)\b", re.IGNORECASE
)
# "who does the budget estimate? is it finance or the project person?": the choice offered
# for the question before it
_CHOICE_FOLLOW_UP = re.compile(
    r"(?:is|was|would|will|should)\s+(?:it|that|this)\b[^?]*\bor\b", re.IGNORECASE
)
# "who is the pm on the globex migration? is it <@U0ABC123>?", "which role generates revenue?
# just one of them?", "... is it just one role?": a guess at the answer to the question before
# it (a person, a role, or how many of the roles)
_GUESS_FOLLOW_UP = re.compile(
    r"(?:(?:is|was)\s+(?:it|that)\s+"
    r"(?:<@\w+(?:\|[^>]*)?>|(?-i:[A-Z][a-z]+)|(?:the\s+|a\s+)?(?:csm|pm)s?)"
    r"|(?:(?:is|was)\s+(?:it|that)\s+)?(?:or\s+)?(?:just|only)\s+(?:one|1)"
    r"(?:\s+role|\s+of\s+(?:them|the\s+two|the\s+2|those|the\s+roles))?)"
    r"(?:\s+(?:then|maybe|perhaps|or not|or both))?\s*\?*\s*$",
    re.IGNORECASE,
)
# "... whose job is it to bring in money? is the answer cs or pm?", "our wiki or somewhere
# else?": a short sentence offering options, no question word of its own, after a question
_OPTIONS_FOLLOW_UP = re.compile(
    r"(?!.*\b(?:who|whos|what|whats|which|how|why|when|where|whose)\b)[^?]*\bor\b",
    re.IGNORECASE,
)
# Each way a sentence continues the question before it, with the most words it may have
# (None: any number).
_CONTINUATIONS: tuple[tuple[re.Pattern[str], int | None], ...] = (
    (_FOLLOW_UP, None),
    (_GUESS_FOLLOW_UP, None),
    (_OPTIONS_FOLLOW_UP, 8),
    (_CHOICE_FOLLOW_UP, 12),
)
# "who should be writing the project plan for the Kestrel migration?" asks which role ought to
# do it, the project only its setting ("who should i ask about Kestrel?" asks for a person).
_ASKS_FOR_A_ROLE = re.compile(
    r"\b(?:should|supposed to|meant to|expected to)\b(?! i\b)", re.IGNORECASE
)
# Clauses of a sentence end at a comma, a semicolon or a colon.
_CLAUSE_BREAK = re.compile(r"[,;:]")
# A sentence that ends offering the roles as its answer ("..., cs or pm", "csm, pm or both?"),
# over normalised text where the roles are the words `csm` and `pm`.
_ROLES_AS_ANSWER = re.compile(
    r"\b(?:csm|pm)s? (?:or|vs|versus) (?:the |a )?(?:csm|pm)s?(?: or both)?$"
    r"|\b(?:csm|pm)s? (?:csm|pm)s? or both$"
)
# "which role would check in with Ferncliff?" asks for a role, as typed; "which role does
# Priya have?" asks about Priya.
_WHICH_ROLE = re.compile(r"\b(?i:which (?:role|of the two roles))\b(?!(?: \w+)? [A-Z][a-z])")
_BOTH_ROLES = frozenset(ROLES)


def _continues(sentence: str) -> bool:
    """Whether an asking sentence only continues the question before it ("and the CSM?",
    "monthly?", "is it <@U0ABC123>?", "is the answer cs or pm?")."""
    if " " not in sentence:
        return True
    words = len(sentence.split())
    return any(
        pattern.match(sentence) and (most is None or words <= most)
        for pattern, most in _CONTINUATIONS
    )


@lru_cache(maxsize=1)
def bundled_word_vectors() -> WordVectors:
    """The package's word vectors, read once per process (every matcher shares them)."""
    return WordVectors.bundled()


class Matcher:
    """Matches questions against one knowledge base; build once, then call `match` many times."""

    def __init__(self, knowledge: KnowledgeBase, tuning: Tuning = DEFAULT_TUNING) -> None:
        self.knowledge = knowledge
        self.tuning = tuning
        self.analyzer = Analyzer(knowledge.vocabulary)
        self.documents = documents_of(knowledge)
        self.index = Index(self.documents, self.analyzer, tuning)
        # Typos of a synonym ("objectivs") are corrected to it, then expanded like it.
        word_vectors = bundled_word_vectors()
        self.speller = Speller(
            self.index.surface_words | knowledge.vocabulary.synonym_words,
            tuning,
            dictionary=word_vectors.dictionary,
            english=english_words(),
        )
        self.scorer = Scorer(self.index, tuning)
        # Duties' example questions as vectors: which duty a question means, beyond its words.
        self.meaning = MeaningIndex(
            word_vectors,
            [
                (position, document.questions)
                for position, document in enumerate(self.documents)
                if document.kind == DUTY
            ],
        )
        # Names an example of a not-covered subject uses ("Initech") are still unknown names.
        self.proper_names = ProperNames(
            self.index.covered_words | knowledge.vocabulary.synonym_words,
            knowledge.vocabulary.everyday_names,
            self.speller,
            names_a_role=self._names_a_role,
        )
        self._duties = {duty.id: duty for duty in knowledge.duties}
        # For each entry, which of the meaning index's duties are its own (their topic is it).
        topics = [self.documents[position].topic for position in self.meaning.positions.tolist()]
        self._own_duties = {
            position: np.array([topic == document.key for topic in topics])
            for position, document in enumerate(self.documents)
            if document.kind == ENTRY and document.key in topics
        }
        # A curator's own example question is never a bare pointer ("who wrote this?").
        self._own_questions = frozenset(
            self.analyzer.normalize(question)
            for item in (*knowledge.entries, *knowledge.duties, *knowledge.subjects)
            for question in item.questions
        )
        subjects = {subject.id: subject for subject in knowledge.subjects}
        # Each subject by its document's position, which is what the decision names.
        self._subjects = {
            position: subjects[document.key]
            for position, document in enumerate(self.documents)
            if document.kind == SUBJECT
        }
        # Subject terms (word sequences) by their first word: a question is scanned once.
        self._subject_terms: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        # Each subject's setting words, as terms: after (or before) one of its terms in a
        # who-question, the term only names the setting of a task ("the salesforce
        # integration", "a customer's sales reps").
        self._setting_terms: dict[int, frozenset[str]] = {}
        self._setting_before: dict[int, frozenset[str]] = {}
        for position, subject in self._subjects.items():
            for term in subject.terms:
                sequence = tuple(self.analyzer.terms(self.analyzer.normalize(term).split()))
                if sequence:
                    self._subject_terms.setdefault(sequence[0], []).append((sequence, position))
            self._setting_terms[position] = self._terms_of(subject.setting_words)
            self._setting_before[position] = self._terms_of(subject.setting_before)
        # Every subject's patterns searched at once; the first subject with a match wins.
        self._pattern_subjects = list(self._subjects)
        self._subject_patterns = PatternGroups(
            [subject.patterns for subject in self._subjects.values()]
        )
        # The subject a question asking who about an unknown name is about (people, accounts).
        self._names_subject = next(
            (position for position, subject in self._subjects.items() if subject.proper_names),
            None,
        )

    def with_tuning(self, tuning: Tuning) -> Matcher:
        """The same knowledge base matched with other tuning (for threshold sweeps)."""
        return Matcher(self.knowledge, tuning)

    def match(self, question: str) -> Match:
        """Match one question."""
        normalized, decision = self._decide(question)
        return self._to_match(question, normalized, decision)

    def closest(self, question: str) -> tuple[Entry, float] | None:
        """The best-scoring entry even below the threshold, for curators to add the question to;
        None when nothing scores at least the suggestion floor ("what is the weather" belongs
        to no entry, however it scores against them)."""
        ranked = by_score(self._scores(self.analyzer.terms(self._read(question))))
        for position, score in ranked:
            if self.documents[position].kind == ENTRY:
                if score < self.tuning.closest_floor:
                    return None
                return self.knowledge.entries[position], round(score, 1)
        return None

    def _read(self, text: str) -> list[str]:
        """The words of a text as typed, normalised and typos corrected."""
        return self._corrected(self.analyzer.normalize(text))

    def _corrected(self, normalized: str) -> list[str]:
        """The words of a normalised question, typos corrected (and synonyms expanded again)."""
        corrected = " ".join(self.speller.correction(word) for word in normalized.split())
        return self.analyzer.vocabulary.expand(corrected).split()

    def _scores(self, *term_lists: list[str], adding_to: np.ndarray | None = None) -> np.ndarray:
        """Each document's score by position (0: not found); with several readings of a
        question, its best over them (and over `adding_to`, the scores of other readings)."""
        best = np.zeros(len(self.documents)) if adding_to is None else adding_to.copy()
        for terms in term_lists:
            np.maximum(best, self.scorer.scores(self.scorer.query(terms)), out=best)
        return best

    def _decide(self, question: str) -> tuple[str, Decision]:
        normalized = self.analyzer.normalize(question)
        if self._points_at_nothing(normalized):
            # "who owns that?" or "is this right?" alone points at nothing: whatever it
            # matched would be a guess. (In a conversation, the follow-up rules answer it
            # about the last topic before it gets here.)
            return normalized, Decision(None, None, 0.0)
        words = self._corrected(normalized)
        readings = [self.analyzer.terms(words)]
        asked_terms = readings[0]  # the terms of what is asked, for not-covered subjects
        parts = sentences(question)
        asking = self._asking_sentence(parts)
        focus = self.analyzer.normalize(asking) if asking else ""
        pointing_back = ""
        if focus and self.analyzer.vocabulary.refers_back(focus):
            pointing_back, focus = focus, ""  # "is this right?": the context is the question
        else:
            # The asking sentence may end pointing back too: "read this in a blog, feels
            # backwards?" after a quoted claim.
            pointing_back = self._pointing_tail(parts)
            if pointing_back:
                focus = ""
        if focus:
            # Context before the question can only help: the asking sentence is scored alone
            # too (unless it only points back at the context), and who-words and not-covered
            # subjects are read in it alone.
            context_words, words = words, self._corrected(focus)
            asked_terms = self._with_context_role(words, context_words)
            if self._names_a_task_of_its_own(words, asked_terms):
                readings.append(asked_terms)
        unmarked = None if focus or pointing_back else self._unmarked_question(parts)
        # A last sentence asking without a question mark may ask who about a role named before
        # it ("i'm the pm and a client wants a training. do i run it myself").
        asks_who = self.analyzer.asks_who(words) or (
            self.analyzer.asks_who(unmarked + words) if unmarked else None
        )
        if not asks_who and pointing_back:
            # "my boss says renewals are how a PM is judged. is that right?" asks yes or no
            # about a claim naming a role: the opener is in the last sentence, the role before.
            asks_who = self.analyzer.asks_who(self._corrected(pointing_back) + words)
            # (`words` are still the whole message's here: `readings[0]` holds their terms)
            if not asks_who and any(term in ROLES for term in readings[0]):
                # "my teammate says the pm is the customer's advocate. true?", "... so customers
                # stay happy - csm?": a verdict on, or a guess at, a role's part in something
                asks_who = ASKS_YES_NO
        if (
            not asks_who
            and ("?" not in question or pointing_back)
            and self.analyzer.vocabulary.names_a_task(self._clauses(question))
        ):
            # "making sure the whole thing doesn't blow past the deadline": a task named alone
            # asks who does it (and so does one followed only by "pointers?").
            asks_who = ASKS_WHO
        if not asks_who and focus and self._asks_about_askers_own_job(words, context_words):
            # "im cs. is organizing the project team on me?": a yes/no question about the
            # asker's own job, their role told before it, asks who owns the task.
            asks_who = ASKS_YES_NO
        if not asks_who and self._states_a_role_in_question(parts):
            # "wait, cs is involved in implementation too?": a statement with a question mark
            # asks yes or no about the role's part.
            asks_who = ASKS_YES_NO
        claim = quoted(question) if pointing_back else ""
        if claim:
            # "&gt; the pm trains customers / saw this in a doc, is this right?": the quoted
            # claim is what is asked about, the story around it context.
            asked_terms = self.analyzer.terms(self._read(claim))
            readings.append(asked_terms)
        subject_words, subject_terms = words, asked_terms
        opening = None if focus or pointing_back else self._opening_question(parts)
        opening_words = self._read(opening) if opening else []
        if opening and (not asks_who or self._followed_by_context(question, opening)):
            # "what are each role's goals? setting our team's objectives": the question is
            # scored alone too. (A who-question only when a story follows it: otherwise its
            # owner is read from the whole, the words after it detailing the task.)
            readings.append(self.analyzer.terms(opening_words))
        who_clause = self._who_clause(asking if focus else question) if asks_who else None
        if who_clause:
            # "kicking off a big migration next month, who should be spotting the risks?":
            # the context's words dilute the task's, so the who-clause is scored alone too.
            readings.append(who_clause)
        scores = self._scores(*readings)
        ranked = by_score(scores)
        unmarked_terms = self.analyzer.terms(unmarked) if unmarked else []
        if unmarked and self._scored_alone_too(unmarked, unmarked_terms, ranked):
            # "customer's IT folks keep asking eng about implementation. which role handles
            # implementation, csm or pm": the last sentence asks, question mark or not.
            scores = self._scores(unmarked_terms, adding_to=scores)
            ranked = by_score(scores)
        if not asks_who and self._describes_a_duty(parts, ranked):
            asks_who = ASKS_WHO
        if asks_who or self._best_score(ranked, DUTY) >= self.tuning.duty_without_who:
            # Only then can a duty answer: meaning is not computed for nothing.
            ranked = rank_duties_by_meaning(
                scores,
                self.meaning.similarities(f"{claim} {pointing_back}" if claim else question),
                self.tuning,
                vouched=self._best_topics_duties(ranked),
            )
        if opening:
            # "what even is a CSM? the recruiter said it's kinda sales": what follows an
            # opening question tells why it is asked; a subject named there is not asked about.
            subject_words, subject_terms = opening_words, self.analyzer.terms(opening_words)
        subject_hit = self._subject_hit(
            subject_words,
            subject_terms,
            asking if focus else opening or question,
            asks_who,
            question,
        )
        if subject_hit is not None and unmarked and self._only_context(subject_hit, unmarked):
            # "shadowing our pm while the csm is on pto. what skills does the pm job need"
            subject_hit = None
        if (
            subject_hit is None
            and focus
            and (
                not ranked
                or ranked[0][1] < self.tuning.context_subject_fit
                or self._points_back_at_a_role(asked_terms)
            )
        ):
            # "vpn disconnects every 10 min. any fix?": the asking sentence may be about a
            # subject named before it.
            subject_hit = self._context_subject(asked_terms, readings[0], context_words)
        names_both_roles = _BOTH_ROLES.issubset(readings[0])
        decision = decide(
            ranked,
            self.documents,
            asks_who=asks_who,
            subject_hit=subject_hit,
            tuning=self.tuning,
            names_both_roles=names_both_roles,
            fit_without_roles=(
                self._entry_fit_without_roles(readings[-1])
                if names_both_roles
                and asks_who == ASKS_WHO
                and ranked
                and ranked[0][1] >= self.tuning.roles_entry_fit
                else None
            ),
        )
        return normalized, decision

    def _states_a_role_in_question(self, parts: Sequence[str]) -> bool:
        """Whether the message's last sentence ending with a question mark asks yes or no as a
        statement about a role (see `Vocabulary.states_a_role_in_question`)."""
        asking = [sentence for sentence in parts if sentence.rstrip().endswith("?")]
        if not asking:
            return False
        vocabulary = self.analyzer.vocabulary
        return vocabulary.states_a_role_in_question(
            vocabulary.collapse(self.analyzer.normalize(asking[-1]))
        )

    def _names_a_task_of_its_own(self, words: list[str], terms: list[str]) -> bool:
        """Whether an asking sentence can be scored apart from the context before it: it points
        at nothing there, or it names a task of its own besides what it points at ("who
        identifies risks and plans how to mitigate them?"). One that only points ("who ends up
        having to fix that, cs or pm?", "is that my job?") is about the story before it, and
        its few words alone would match whatever entry has them. (`terms`: the sentence's
        terms, already worked out; roles among them do not count.)"""
        pointing = self.analyzer.vocabulary.pointing_words
        # "customer concerns like this" names its task; "like this" only says of what kind
        if not any(
            word in pointing and (position == 0 or words[position - 1] != "like")
            for position, word in enumerate(words)
        ):
            return True
        return self._own_words_weight(terms) >= self.tuning.own_task_weight

    def _asks_little_of_its_own(self, sentence: str) -> bool:
        """Whether a question names too little to be asked alone and points at nothing
        before it ("what do you recommend?", "any tips?")."""
        words = self._read(sentence)
        pointing = self.analyzer.vocabulary.pointing_words
        return not any(word in pointing for word in words) and (
            self._own_words_weight(self.analyzer.terms(words)) < self.tuning.own_task_weight
        )

    def _own_words_weight(self, terms: list[str]) -> float:
        """How much an asking sentence's terms name of their own: the weights of its content
        words, roles and words pointing back left out."""
        pointing = self.analyzer.vocabulary.pointing_words
        return sum(
            self.index.idf.get(term, 0.0)
            for term in set(terms)
            if term not in ROLES and term not in pointing and not self.analyzer.is_stopword(term)
        )

    def _only_context(self, subject: int, unmarked: list[str]) -> bool:
        """Whether a subject found in a message is only context for its last sentence asking
        without a question mark (`unmarked`, its words): an unrelated subject (no reply of its
        own) before a sentence that names a role and no subject of its own, as a question mark
        would have shown ("... while the csm is on pto. what skills does the pm job need")."""
        if self._subjects[subject].reply is not None:
            return False
        terms = self.analyzer.terms(unmarked)
        return (
            any(term in ROLES for term in terms)
            and self._subject_hit(unmarked, terms, " ".join(unmarked), None) is None
        )

    def _context_subject(
        self, asked_terms: list[str], message_terms: list[str], message_words: list[str]
    ) -> int | None:
        """The subject named by a term or a pattern of a message whose asking sentence asks
        nothing of its own (content words weighing under `own_task_weight`): an unrelated one
        (no reply of its own) when the sentence names no role ("vpn disconnects every 10 min.
        any fix?", "our W-9 on file has the old address. how do we get a corrected one?"), a
        not-covered one when it names a role but points back at the context ("i mean CSM as in
        Certified ScrumMaster. does that overlap with a pm?"); else None. Such a sentence is
        about its context."""
        if self._own_words_weight(asked_terms) >= self.tuning.own_task_weight:
            return None
        names_a_role = any(term in ROLES for term in asked_terms)
        if names_a_role and not self._points_back_at_a_role(asked_terms):
            return None
        # Patterns too, for an unrelated subject only: a not-covered one's patterns would read
        # too much into the story told before a question pointing back at it.
        by_pattern = () if names_a_role else self._pattern_subjects_in(message_words)
        # With a role named, an unrelated subject is only what someone asked for ("export my
        # dashboards to pdf. should i be the go-to for that as the pm?"): the role's part in it
        # is the question.
        return next(
            (
                position
                for position in itertools.chain(self._term_subjects(message_terms), by_pattern)
                if (self._subjects[position].reply is not None) == names_a_role
            ),
            None,
        )

    def _points_back_at_a_role(self, terms: list[str]) -> bool:
        """Whether an asking sentence's terms name a role and point back at the context ("the
        *product* manager. what do they do compared to a csm?"): however well the whole
        message fits an entry, the sentence asks about what the context named."""
        pointing_words = self.analyzer.vocabulary.pointing_words
        return any(term in ROLES for term in terms) and any(
            term in pointing_words for term in terms
        )

    def _best_topics_duties(self, ranked: list[tuple[int, float]]) -> np.ndarray | None:
        """Which duties are the entry ranked first's own (a mask over the meaning index's),
        when it scores at least the threshold; else None."""
        if not ranked or ranked[0][1] < self.tuning.threshold:
            return None
        return self._own_duties.get(ranked[0][0])

    def _who_clause(self, text: str) -> list[str] | None:
        """The terms of a clause of a message's last sentence that opens with a who-phrase and
        names a task of its own (at least `who_clause_terms` content words after the who-phrase,
        roles aside, none pointing back: "who handles that", "which role are we talking about"
        and "should i ask my csm or pm" name none), when another clause comes before or after
        it: context ("kicking off a migration, who spots the risks?") or details ("who decides
        the sequence of work, like what goes in wave 1"). The last such clause counts, unless a
        clause after it names a role: "..., is it just the pms?" offers the choice, and the
        whole sentence is the question. Else None."""
        parts = sentences(text)
        clauses = parts[-1].split(",") if parts else []
        if len(clauses) < 2:
            return None
        vocabulary = self.analyzer.vocabulary
        for number, clause in enumerate(reversed(clauses)):
            if number:
                # An earlier clause is read (typos corrected) only when it opens with a
                # who-phrase: reading every clause of a long message costs.
                collapsed = vocabulary.collapse(self.analyzer.normalize(clause))
                if vocabulary.after_who_opening(collapsed) is None:
                    if not _BOTH_ROLES.isdisjoint(collapsed.split()):
                        return None
                    continue
            words = self._read(clause)
            if not any(
                word in vocabulary.pointing_words for word in words
            ) and self._names_a_task_after_who(words):
                return self.analyzer.terms(words)
            if any(term in ROLES for term in self.analyzer.terms(words)):
                return None
        return None

    def _names_a_task_after_who(self, words: list[str]) -> bool:
        """Whether words open with a who-phrase and name a task after it: at least
        `who_clause_terms` content words, roles aside ("who answers for the timeline"; not
        "who handles that" or "which role are we talking about")."""
        vocabulary = self.analyzer.vocabulary
        task = vocabulary.after_who_opening(vocabulary.collapse(" ".join(words)))
        if task is None:
            return False
        named = sum(
            not self.analyzer.is_stopword(term) and term not in ROLES
            for term in self.analyzer.terms(task)
        )
        return named >= self.tuning.who_clause_terms

    def _clauses(self, text: str) -> Iterator[str]:
        """The normalised clauses of a message, one at a time (each is normalised only when
        read): its sentences split at commas, semicolons and colons, empty ones left out."""
        return (
            clause
            for sentence in sentences(text)
            for part in _CLAUSE_BREAK.split(sentence)
            if (clause := self.analyzer.normalize(part))
        )

    def _points_at_nothing(self, normalized: str) -> bool:
        """A short message that only points back ("who owns that?"), and is none of the
        knowledge base's own questions ("who wrote this?" asks about the sources) and not a
        role alone ("customer success mgr?" asks what the role is; after a task it guesses
        the task's owner)."""
        return (
            len(normalized.split()) <= _POINTER_WORDS
            and normalized not in self._own_questions
            and self.analyzer.vocabulary.refers_back(normalized)
            and not all(
                self.analyzer.keeps(term) for term in self.analyzer.terms(normalized.split())
            )
        )

    def _describes_a_duty(self, parts: Sequence[str], ranked: list[tuple[int, float]]) -> bool:
        """Whether a message in which no sentence opens a question only describes a task,
        question mark or not: a duty ranked first, well ahead of every entry ("being the
        friendly face the client trusts and checks in with regularly", "budget overrun -> ?")."""
        if not ranked or self.documents[ranked[0][0]].kind != DUTY:
            return False
        score = ranked[0][1]
        if (
            score < self.tuning.described_duty
            or score - self._best_score(ranked, ENTRY) < self.tuning.described_duty_lead
        ):
            return False
        return not any(self.analyzer.opens_question(part) for part in parts)

    def _entry_fit_without_roles(self, terms: list[str]) -> float:
        """How well the best entry fits a question's terms with the role words left out:
        "which role matters more, csm or pm?" still fits the entry comparing the roles, "is
        customer support a csm thing or a pm thing" only by the role words it offers as the
        choice. (`terms`: its most focused reading, the last; reading them all gave the same
        answers at three times the cost on long messages.)"""
        without = [term for term in terms if term not in ROLES]
        return float(self.scorer.scores(self.scorer.query(without), kinds=(ENTRY,)).max())

    def _best_score(self, ranked: list[tuple[int, float]], kind: str) -> float:
        """The score of the best-ranked document of a kind, 0 when the ranking has none."""
        best = best_of_kind(ranked, self.documents, kind)
        return best[1] if best else 0.0

    def _asking_sentence(self, parts: Sequence[str]) -> str | None:
        """The sentences that ask, as typed, when context comes before them; else None
        (`parts`: the message's sentences).

        "I'm interviewing next week and realised I don't know the role. What is a CSM?" asks
        what a CSM is, not about interviews. A follow-up fragment keeps the question it follows
        ("is the PM there at the start? and the CSM?"), and so does a one-word question ("how
        often should a csm check in with a customer? weekly? monthly?"), as does a bare "csm or
        pm?" the sentence before it; a question after it without a question mark asks too ("is
        that a csm vs pm thing? how does approachability differ"); and a message that opens with its
        question has no context to leave out ("what's on a CSM's plate? the full list").
        """
        asking = [number for number, sentence in enumerate(parts) if "?" in sentence]
        if len(parts) < 2 or not asking:
            return None
        start = end = asking[-1]
        while end + 1 < len(parts) and self.analyzer.opens_question(parts[end + 1]):
            end += 1
        if len(asking) > 1 and _continues(parts[start]):
            position = len(asking) - 2
            while position and _continues(parts[asking[position]]):
                position -= 1  # "weekly? monthly?": every fragment keeps the question
            start = asking[position]
        elif start and self._asks_only_who(parts[start]):
            # "implementation - csm or pm? at my last co it was its own team": what is asked
            # about comes just before the bare question, and what follows it is context.
            return " ".join(parts[start - 1 : end + 1])
        elif start:
            # "who leads the team during a project - eng, design, support?", "whose scorecard
            # is tied to how the customer does — their roi and results — rather than internal
            # stuff?": the question opened before the details
            start = self._question_opened_before(parts, start)
        if start and self._compares(parts[start - 1]):
            # "account manager vs csm — who handles contract negotiation?": the two jobs
            # compared are what the question is about
            start -= 1
        return " ".join(parts[start : end + 1]) if start else None

    def _compares(self, sentence: str) -> bool:
        """Whether a sentence is only a short comparison ("account manager vs csm", "product
        manager vs project manager") heading the question after it."""
        words = self.analyzer.normalize(sentence).split()
        return "versus" in words and len(words) <= self.tuning.comparison_words

    def _question_opened_before(self, parts: Sequence[str], start: int) -> int:
        """Where the question asked by the sentence at `start` opens: a sentence with a
        question mark that does not open as a question may only detail one opened a sentence
        or two before it without a question mark ("who leads the cross-functional team during
        a project - eng, design, support, etc?"), or be an aside after a question ("which role
        has a sales quota? i thought neither??"); one asking little of its own follows up the
        question before it. `start` itself when there is none."""
        opens_question, asks_who = self.analyzer.opens_question, self.analyzer.asks_who
        refers_back = self.analyzer.vocabulary.refers_back
        if opens_question(parts[start]):
            # "who plans the activities — which tasks happen in what order?": a question that
            # does not ask who may only spell out the who-question just before it
            before = start - 1
            if (
                before >= 0
                and "?" not in parts[before]
                and opens_question(parts[before])
                and asks_who(self._read(parts[before]))
                and not asks_who(self._read(parts[start]))
            ):
                return before
            if (
                before >= 0
                and "?" in parts[before]
                and opens_question(parts[before])
                and self._asks_little_of_its_own(parts[start])
            ):
                # "should i do the pmp certification or a cs course first? what do you
                # recommend?": a question asking little of its own follows up the one before
                return before
            return start
        for before in range(start - 1, max(start - 1 - self.tuning.detail_sentences, -1), -1):
            if "?" in parts[before]:
                # "which role has a sales quota? i thought neither?? but someone said one
                # does", "how's a product manager different from a pm? same team different
                # jersey?": an aside with a question mark keeps the question before it (one
                # pointing back at it is asked about itself: "my buddy said that's a pm
                # thing, right?")
                if opens_question(parts[before]) and not refers_back(
                    self.analyzer.normalize(parts[start])
                ):
                    return before
                break
            # ("out of the two roles, which one has to be a great communicator — explaining
            # product things, handling concerns?": the question opens after a lead-in)
            if opens_question(parts[before]) or asks_who(self._read(parts[before])):
                return before
        return start

    def _pointing_tail(self, parts: Sequence[str]) -> str:
        """The normalised end of a message that only points back at what comes before it
        ("my pm asked me (the csm) to gather feedback... is that normal?", "i'm the pm tho, is
        that right"): its last sentence or that sentence's last clause; "" when it ends
        otherwise, or when the rest of its last sentence asks who itself ("who's the problem
        solver, the csm or the pm")."""
        if not parts:
            return ""
        *before, tail = parts[-1].split(",")
        if not before and len(parts) < 2:
            return ""  # nothing before it to point at
        normalized = self.analyzer.normalize(tail)
        if not self.analyzer.vocabulary.refers_back(normalized):
            return ""
        if before and self.analyzer.asks_who(self._read(",".join(before))):
            return ""
        return normalized

    def _asks_only_who(self, sentence: str) -> bool:
        """Whether a sentence asks which role and names nothing else ("csm or pm?")."""
        words = self.analyzer.normalize(sentence).split()
        if not self.analyzer.asks_who(words):
            return False
        vocabulary = self.analyzer.vocabulary
        rest = vocabulary.without_who_phrases(vocabulary.collapse(" ".join(words))).split()
        return all(self.analyzer.keeps(term) for term in self.analyzer.terms(rest))

    def _with_context_role(self, words: list[str], context_words: list[str]) -> list[str]:
        """The asking sentence's terms, plus a role it leaves unnamed: the one role the asker
        introduced themselves as ("writing my 30-60-90 plan as a new csm. what am i responsible
        for?"), or, when the sentence speaks of someone ("what will they do?"), the one role the
        message names."""
        terms = self.analyzer.terms(words)
        if any(term in ROLES for term in terms):
            return terms
        vocabulary = self.analyzer.vocabulary
        if any(word in vocabulary.person_pronouns for word in words):
            roles = set(vocabulary.collapse(" ".join(context_words)).split()).intersection(ROLES)
        else:
            roles = self._introduced_roles(context_words)
        return [*terms, *roles] if len(roles) == 1 else terms

    def _introduced_roles(self, context_words: list[str]) -> set[str]:
        """The roles the asker introduces themselves as in the words of a message's context
        ("pm here", "im a csm")."""
        vocabulary = self.analyzer.vocabulary
        context = vocabulary.collapse(" ".join(context_words))
        introduced = set(context.split()) - set(vocabulary.without_introductions(context).split())
        return introduced.intersection(ROLES)

    def _asks_about_askers_own_job(self, words: list[str], context_words: list[str]) -> bool:
        """Whether an asking sentence is a yes/no question ("is organizing the team on me?",
        "should i be building that?") after a context introducing the asker as one role."""
        return (
            self.analyzer.vocabulary.opens_yes_no(" ".join(words))
            and len(self._introduced_roles(context_words)) == 1
        )

    def _unmarked_question(self, parts: Sequence[str]) -> list[str] | None:
        """The words of the message's last sentence, corrected, when it asks without a
        question mark (none of the sentences has one) and points at nothing before it; else
        None (`parts`: the message's sentences)."""
        if len(parts) < 2 or any("?" in part for part in parts):
            return None
        last = self.analyzer.normalize(parts[-1])
        vocabulary = self.analyzer.vocabulary
        if not vocabulary.opens_question(last) or vocabulary.refers_back(last):
            return None
        return self._corrected(last)

    def _scored_alone_too(
        self, words: list[str], terms: list[str], ranked: list[tuple[int, float]]
    ) -> bool:
        """Whether a last sentence asking without a question mark names enough to be scored
        alone ("who handles it" does not; a role counts: "what all does the pm own on a
        project"; so does a task after a who-phrase: "who answers for the timeline"), without
        pointing back at the message before it
        ("which of the two roles is he describing there"), and the message as a whole is not
        first about a not-covered subject ("my laptop drops off the VPN. who do i ask in IT to
        fix it")."""
        if any(word in self.analyzer.vocabulary.pointing_words for word in words):
            return False
        if ranked and self.documents[ranked[0][0]].kind == SUBJECT:
            return False
        content = sum(not self.analyzer.is_stopword(term) for term in terms)
        return content >= self.tuning.unmarked_question_terms or self._names_a_task_after_who(words)

    def _followed_by_context(self, question: str, opening: str) -> bool:
        """Whether at least `context_after_opening` words follow a message's opening question
        (`opening`, its first sentences as typed)."""
        words_after = len(question.split()) - len(opening.split())
        return words_after >= self.tuning.context_after_opening

    def _opening_question(self, parts: Sequence[str]) -> str | None:
        """The question the message opens with, when it is its only question and more
        follows: its first sentence, or the first few when the question mark ends details of
        the question opened before it ("whose scorecard is tied to the customer — roi,
        results — not internal stuff? asking for our bonus plan")."""
        asking = [number for number, part in enumerate(parts) if "?" in part]
        if len(asking) != 1 or asking[0] == len(parts) - 1:
            return None
        end = asking[0]
        if self._question_opened_before(parts, end):
            return None  # context comes first: the question opens after it
        opening = " ".join(parts[: end + 1])
        if self._offers_only_the_roles(opening):
            return None  # "csm or pm? -> risk assessment": what follows is what it asks about
        return opening

    def _offers_only_the_roles(self, text: str) -> bool:
        """Whether a text names both roles and nothing else but stopwords ("csm or pm?",
        "cs, pm, or both??"): the choice offered, for a task told around it."""
        vocabulary = self.analyzer.vocabulary
        if not _BOTH_ROLES.issubset(vocabulary.collapse(self.analyzer.normalize(text)).split()):
            return False  # most openings name neither: no need to read them closely
        named = {
            term
            for term in self.analyzer.terms(self._read(text))
            if not self.analyzer.is_stopword(term)
        }
        return named == _BOTH_ROLES

    def _subject_hit(
        self,
        words: list[str],
        terms: list[str],
        asking: str,
        asks_who: str | None,
        message: str = "",
    ) -> int | None:
        """A not-covered subject named outright: one of its terms or patterns, or, for a
        question asking who, a name the knowledge base does not know (`asking` as typed) in
        a `message` that does not offer the roles as its answer ("who writes the plan for
        Project Atlas, cs or pm?" asks which role). The asker's introduction of themselves
        ("sales rep here") names no subject."""
        vocabulary = self.analyzer.vocabulary
        introduced: frozenset[str] = frozenset()  # the words of the introduction, if any
        if vocabulary.introductions:
            text = " ".join(words)
            asked = vocabulary.without_introductions(text)
            if asked != text:
                introduced = frozenset(words) - frozenset(asked.split())
                words = asked.split()
                terms = self.analyzer.terms(words)
        by_term = next(self._term_subjects(terms, asks_who == ASKS_WHO), None)
        if by_term is not None:
            return by_term
        by_pattern = next(self._pattern_subjects_in(words), None)
        if by_pattern is not None:
            return by_pattern
        if (
            asks_who
            and self._names_subject is not None
            and self._names_where_asked(asking, introduced)
            and not (asks_who == ASKS_WHO and self._offers_the_roles(message))
        ):
            return self._names_subject
        return None

    def _pattern_subjects_in(self, words: list[str]) -> Iterator[int]:
        """The not-covered subjects whose patterns the words hold: the first found in the text
        as written, then in the text without its filler words ("how much does a csm *usually*
        make")."""
        vocabulary = self.analyzer.vocabulary
        for text in vocabulary.and_without_fillers(vocabulary.collapse(" ".join(words))):
            group = self._subject_patterns.first(text)
            if group is not None:
                yield self._pattern_subjects[group]

    def _terms_of(self, phrases: Sequence[str]) -> frozenset[str]:
        """The terms of some curator phrases, as a set."""
        return frozenset(
            term
            for phrase in phrases
            for term in self.analyzer.terms(self.analyzer.normalize(phrase).split())
        )

    def _term_subjects(self, terms: list[str], asks_who: bool = False) -> Iterator[int]:
        """The not-covered subjects whose terms the terms contain, in the order found. In a
        question asking who (`asks_who`), a term next to one of its subject's setting words
        names only the setting of the task asked about ("who tracks progress on the hubspot
        integration?", "who explains features to a customer's sales reps?")."""
        for start, term in enumerate(terms):
            for sequence, position in self._subject_terms.get(term, ()):
                end = start + len(sequence)
                if tuple(terms[start:end]) != sequence:
                    continue
                if asks_who and (
                    (end < len(terms) and terms[end] in self._setting_terms[position])
                    or (start and terms[start - 1] in self._setting_before[position])
                ):
                    continue
                yield position

    def _names_where_asked(self, text: str, introduced: frozenset[str]) -> bool:
        """Whether the last sentence of `text` that asks who names someone unknown: "Northwind
        escalated again. Who owns the relationship?" asks about the role, not about Northwind,
        and so does "Lindqvist's kickoff is next week and nobody knows who's doing what. who
        organizes the project team?": the last who is the question, and it is read clause by
        clause ("before we kick off the Harbor Bank integration, who should be identifying
        risks?" asks about the role too). A who-clause asking who ought to do something ("who
        should be writing the plan for the Kestrel migration?") asks about the role whatever it
        names. With no clause asking on its own, the whole text counts. Capitalised words of
        the asker's introduction ("Solutions Engineer here") name no one."""

        def names(part: str, roles_offered: bool = False) -> list[str]:
            found = self.proper_names.find(part, roles_offered=roles_offered)
            return [name for name in found if name.lower() not in introduced]

        parts = [clause for part in sentences(text) for clause in part.split(",")]
        named = [part for part in parts if names(part)]
        if not named:
            return False  # the usual case, decided without reading any sentence twice
        if _BOTH_ROLES.issubset(self.analyzer.terms(self._read(text))):
            # "which role should handle renewals, the csm (Mo) or the pm (Bex)?": the names
            # only say who holds each role offered (leaving them out can only drop names, so
            # only the clauses already naming someone are read again)
            named = [part for part in named if names(part, roles_offered=True)]
            if not named:
                return False
        # The last clause that asks who, read from the end: the ones before it need no reading.
        last_asking = next(
            (part for part in reversed(parts) if self.analyzer.asks_who(self._read(part))), None
        )
        if last_asking is not None and _ASKS_FOR_A_ROLE.search(last_asking):
            return False
        return last_asking in named if last_asking is not None else True

    def _offers_the_roles(self, message: str) -> bool:
        """Whether a sentence of `message` asks which role ("which role would check in with
        Ferncliff?") or ends offering the roles as its answer, naming no one in those last
        clauses ("..., cs or pm", "csm, pm or both?"): "is Priya a csm or pm?" asks about
        Priya."""
        collapse, normalize = self.analyzer.vocabulary.collapse, self.analyzer.normalize
        for sentence in sentences(message):
            if _WHICH_ROLE.search(sentence):
                return True
            clauses = _CLAUSE_BREAK.split(sentence)
            for start in reversed(range(len(clauses))):
                choice = ",".join(clauses[start:])
                if _ROLES_AS_ANSWER.search(collapse(normalize(choice))):
                    if not self.proper_names.find(choice):
                        return True
                    break
        return False

    def _names_a_role(self, words: str) -> bool:
        """Whether a few words as typed name a role ("the csm", "our proj mgr")."""
        return any(term in ROLES for term in self.analyzer.terms(self._read(words)))

    def _to_match(self, question: str, normalized: str, decision: Decision) -> Match:
        knowledge = self.knowledge
        suggestions = tuple(knowledge.entries[position] for position in decision.suggestions)
        match = Match(question, normalized, None, decision.score, suggestions)
        if decision.subject is not None:
            subject = self._subjects[decision.subject]
            if subject.reply is None:  # unrelated to the roles: the usual fallback
                return replace(match, subject=subject, suggestions=())
            suggested = knowledge.get(subject.suggest) if subject.suggest else None
            return replace(match, subject=subject, suggestions=(suggested,) if suggested else ())
        if decision.answer is None:
            return match
        document = self.documents[decision.answer]
        if document.kind == DUTY:
            duty = self._duties[document.key]
            topic = knowledge.get(duty.topic)
            rest = tuple(entry for entry in suggestions if entry is not topic)
            return replace(match, entry=topic, duty=duty, suggestions=rest)
        return replace(match, entry=knowledge.entries[decision.answer])
