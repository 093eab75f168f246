"""The curators' conversation files: `knowledge/conversation.yaml` and `knowledge/tour.yaml`.

`conversation.yaml` says how a short follow-up is read against the last answer (which entries
are the same topic for the other role, which words open a follow-up, ask for more, or ask who
owns a topic); `tour.yaml` holds the onboarding tour's steps and its quiz. Both are optional: a
knowledge folder without them simply has no follow-ups or no tour. They are validated with the
entries, by `kb check` and at every (re)load, with the same `file:line: message` problems.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.vocabulary import ROLES, Vocabulary

if TYPE_CHECKING:
    from bot.knowledge import Article, Entry, SourceRef, _Checker, _Located

CONVERSATION_FILE = "conversation.yaml"
TOUR_FILE = "tour.yaml"
COMPANION_FILES = frozenset({CONVERSATION_FILE, TOUR_FILE})
# Block Kit: a button label holds 75 characters, a section 3,000; stay well inside both.
MAX_CHOICE_CHARS = 75
MAX_STEP_TEXT_CHARS = 1500
MAX_QUIZ_CHOICES = 5
_PHRASE_LISTS = (
    "openers",
    "references",
    "fillers",
    "role_words",
    "more",
    "owner",
    "greetings",
    "tour_words",
)
_CONVERSATION_KEYS = {"role_pairs", "max_words", *_PHRASE_LISTS}
_TOUR_KEYS = {"steps", "quiz"}
_STEP_KEYS = {"title", "text", "topic", "sources"}
_QUIZ_KEYS = {"id", "question", "choices", "answer", "reason", "sources"}
_ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def phrase_key(vocabulary: Vocabulary, text: str) -> str:
    """How a phrase or a message is compared: normalised with the curators' vocabulary, and
    every way of naming a role collapsed into `csm` or `pm` ("and for a PM?" -> "and for a pm")."""
    return " ".join(vocabulary.collapse(vocabulary.normalize(text)).split())


@dataclass(frozen=True)
class FollowUpRules:
    """How follow-ups are recognised (see knowledge/conversation.yaml)."""

    vocabulary: Vocabulary  # how messages are normalised (knowledge/vocabulary.yaml)
    role_pairs: dict[str, str]  # both directions: csm-skills -> pm-skills and back
    openers: tuple[str, ...]  # longest first, so "and what about" wins over "and"
    references: frozenset[str]
    fillers: frozenset[str]
    role_words: frozenset[str]
    more: frozenset[str]
    owner: frozenset[str]
    greetings: frozenset[str]
    tour_words: frozenset[str]
    max_words: int

    def key(self, text: str) -> str:
        """A message as the phrases here are compared (see `phrase_key`)."""
        return phrase_key(self.vocabulary, text)

    def is_greeting(self, text: str) -> bool:
        """Whether a message only says hello."""
        return self.key(text) in self.greetings

    def asks_for_tour(self, text: str) -> bool:
        """Whether a message asks to start the onboarding tour."""
        return self.key(text) in self.tour_words


@dataclass(frozen=True)
class TourStep:
    """One screen of the tour: a key difference, in a few lines, with its sources."""

    title: str
    text: str
    topic: str | None
    sources: tuple[SourceRef, ...]


@dataclass(frozen=True)
class QuizQuestion:
    """A question on a boundary people confuse, answered with buttons."""

    id: str
    question: str
    choices: tuple[tuple[str, str], ...]  # (choice id, label), in the file's order
    answer: str
    reason: str
    sources: tuple[SourceRef, ...]

    def label(self, choice: str) -> str:
        """The label of a choice id (the id itself if unknown)."""
        return dict(self.choices).get(choice, choice)


@dataclass(frozen=True)
class Tour:
    """The onboarding tour's steps, then its quiz."""

    steps: tuple[TourStep, ...]
    quiz: tuple[QuizQuestion, ...]

    def question(self, question_id: str) -> QuizQuestion | None:
        """The quiz question with this id, or None."""
        return next((item for item in self.quiz if item.id == question_id), None)


@dataclass(frozen=True)
class Companions:
    """What the conversation files hold; None where a file is absent."""

    followups: FollowUpRules | None = None
    tour: Tour | None = None


def read_companions(
    directory: Path, checker: _Checker, entries: list[Entry], articles: dict[str, Article]
) -> Companions:
    """Parse and validate the optional conversation and tour files, reporting through `checker`."""
    entry_roles = {entry.id: entry.roles for entry in entries}
    parsed: dict[str, Any] = {}
    for name in sorted(COMPANION_FILES):
        path = directory / name
        if not path.is_file():
            continue
        document = checker.read_yaml(path)  # the knowledge reader's limits and file checks
        if document is None:
            continue
        if not isinstance(document, dict):
            checker.report(str(path), 1, "expected a mapping")
            continue
        reader = _Reader(checker, str(path), entry_roles, articles)
        parsed[name] = (
            reader.followups(document) if name == CONVERSATION_FILE else reader.tour(document)
        )
    return Companions(parsed.get(CONVERSATION_FILE), parsed.get(TOUR_FILE))


class _Reader:
    """Turns one parsed companion file into dataclasses, reporting problems as it goes."""

    def __init__(
        self,
        checker: _Checker,
        file: str,
        entry_roles: dict[str, frozenset[str]],
        articles: dict[str, Article],
    ) -> None:
        self.checker = checker
        self.file = file
        self.entry_roles = entry_roles
        self.articles = articles

    def report(self, line: int, message: str) -> None:
        self.checker.report(self.file, line, message)

    def phrases(self, document: _Located, key: str) -> tuple[str, ...]:
        vocabulary = self.checker.vocabulary
        value = document.get(key, [])
        if not isinstance(value, list) or not all(
            isinstance(item, str) and phrase_key(vocabulary, item) for item in value
        ):
            self.report(document.line_of(key), f"'{key}' must be a list of phrases with words")
            return ()
        return tuple(phrase_key(vocabulary, item) for item in value)

    def followups(self, document: _Located) -> FollowUpRules:
        self.checker.unknown_keys(self.file, document, _CONVERSATION_KEYS, "conversation.yaml")
        pairs: dict[str, str] = {}
        for pair in document.get("role_pairs", []) or []:
            line = document.line_of("role_pairs")
            if not (isinstance(pair, list) and len(pair) == 2):
                self.report(line, "each role pair must be [csm entry id, pm entry id]")
                continue
            for entry_id, role in zip(pair, ROLES, strict=True):
                if self.entry_roles.get(entry_id) != frozenset({role}):
                    self.report(line, f"'{entry_id}' is not an entry about the {role} alone")
            pairs[pair[0]], pairs[pair[1]] = pair[1], pair[0]
        max_words = document.get("max_words", 4)
        if not isinstance(max_words, int) or isinstance(max_words, bool) or max_words < 1:
            self.report(document.line_of("max_words"), "'max_words' must be a positive number")
            max_words = 4
        lists = {key: self.phrases(document, key) for key in _PHRASE_LISTS}
        return FollowUpRules(
            vocabulary=self.checker.vocabulary,
            role_pairs=pairs,
            openers=tuple(sorted(lists["openers"], key=len, reverse=True)),
            references=frozenset(lists["references"]),
            fillers=frozenset(lists["fillers"]),
            role_words=frozenset(lists["role_words"]),
            more=frozenset(lists["more"]),
            owner=frozenset(lists["owner"]),
            greetings=frozenset(lists["greetings"]),
            tour_words=frozenset(lists["tour_words"]),
            max_words=max_words,
        )

    def tour(self, document: _Located) -> Tour:
        self.checker.unknown_keys(self.file, document, _TOUR_KEYS, "tour.yaml")
        steps = [
            self.step(raw) for raw in self.items(document, "steps", "each step must be a mapping")
        ]
        quiz = [
            self.quiz_question(raw)
            for raw in self.items(document, "quiz", "each quiz question must be a mapping")
        ]
        ids = [item.id for item in quiz if item]
        for repeated in sorted({item for item in ids if ids.count(item) > 1}):
            self.report(document.line_of("quiz"), f"quiz id '{repeated}' is used twice")
        return Tour(tuple(item for item in steps if item), tuple(item for item in quiz if item))

    def items(self, document: _Located, key: str, message: str) -> list[_Located]:
        raw = document.get(key)
        if not isinstance(raw, list) or not raw:
            self.report(document.line_of(key), f"'{key}' must be a non-empty list")
            return []
        found = []
        for item, line in zip(raw, raw.item_lines, strict=True):
            if isinstance(item, dict):
                found.append(item)
            else:
                self.report(line, message)
        return found

    def text(self, raw: _Located, key: str, limit: int, *, required: bool = True) -> str | None:
        return self.checker.text(self.file, raw, key, required=required, limit=limit)

    def sources(self, raw: _Located) -> tuple[SourceRef, ...]:
        return tuple(self.checker.sources(self.file, raw, self.articles))

    def step(self, raw: _Located) -> TourStep | None:
        self.checker.unknown_keys(self.file, raw, _STEP_KEYS, "a tour step")
        title = self.text(raw, "title", 120)
        text = self.text(raw, "text", MAX_STEP_TEXT_CHARS)
        topic = self.text(raw, "topic", 60, required=False)
        if topic and topic not in self.entry_roles:
            self.report(raw.line_of("topic"), f"topic '{topic}' is not an entry id")
            topic = None
        sources = self.sources(raw)
        if not (title and text and sources):
            return None
        return TourStep(title, text, topic, sources)

    def quiz_question(self, raw: _Located) -> QuizQuestion | None:
        self.checker.unknown_keys(self.file, raw, _QUIZ_KEYS, "a quiz question")
        question_id = self.text(raw, "id", 60)
        if question_id and not _ID_PATTERN.match(question_id):
            self.report(
                raw.line_of("id"), f"id '{question_id}' must be lowercase words joined by '-'"
            )
            question_id = None
        question = self.text(raw, "question", 300)
        reason = self.text(raw, "reason", 700)
        choices = raw.get("choices")
        line = raw.line_of("choices")
        if (
            not isinstance(choices, dict)
            or not 2 <= len(choices) <= MAX_QUIZ_CHOICES
            or not all(
                isinstance(key, str) and _ID_PATTERN.match(key) and isinstance(label, str)
                for key, label in choices.items()
            )
        ):
            self.report(
                line,
                f"'choices' must map 2 to {MAX_QUIZ_CHOICES} choice ids (lowercase words) to labels",
            )
            choices = {}
        for label in choices.values():
            if len(label) > MAX_CHOICE_CHARS:
                self.report(line, f"choice '{label}' is over {MAX_CHOICE_CHARS} characters")
        answer = raw.get("answer")
        if choices and answer not in choices:
            self.report(raw.line_of("answer"), f"answer '{answer}' is not one of the choices")
            return None
        sources = self.sources(raw)
        if not (question_id and question and reason and choices and sources):
            return None
        return QuizQuestion(
            question_id, question, tuple(choices.items()), str(answer), reason, sources
        )
