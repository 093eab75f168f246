"""Load and validate the knowledge base: `knowledge/sources.yaml` plus topic files of entries.

Every problem is reported as `file:line: message`, so a curator can jump straight to it; the
same messages serve `csm-vs-pm kb check` and the refusal to start on a broken knowledge base.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from bot.normalize import normalize

if TYPE_CHECKING:
    from bot.conversation.content import Companions

SOURCES_FILE = "sources.yaml"
MIN_QUESTIONS = 7  # the canonical question and at least six alternate phrasings
# Block Kit caps a section field at 2,000 and section text at 3,000 characters; staying well
# below keeps room for labels and means no answer is ever cut short in Slack.
MAX_SIDE_CHARS = 1500
MAX_SUMMARY_CHARS = 700
MAX_NOTE_CHARS = 700
MAX_TITLE_CHARS = 120
_ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ENTRY_KEYS = {"id", "title", "questions", "answer", "sources", "related"}
_ANSWER_KEYS = {"summary", "csm", "pm", "note"}
_ARTICLE_KEYS = {"id", "title", "publisher", "file", "sections"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the knowledge base, located at a file and line."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge base cannot be used; `problems` says why, one located line each."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass(frozen=True)
class Article:
    """A source article and the section names entries may cite."""

    id: str
    title: str
    publisher: str | None
    file: str
    sections: tuple[str, ...]


@dataclass(frozen=True)
class SourceRef:
    """A citation: which article, which section."""

    article: str
    section: str


@dataclass(frozen=True)
class Answer:
    """What the bot says: the CSM side, the PM side, a one-line summary, and a caveat."""

    summary: str
    csm: str | None = None
    pm: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Entry:
    """One topic of the knowledge base."""

    id: str
    title: str
    questions: tuple[str, ...]
    answer: Answer
    sources: tuple[SourceRef, ...]
    related: tuple[str, ...]
    file: str = ""
    line: int = 0
    question_lines: tuple[int, ...] = field(default=(), compare=False, repr=False)

    @property
    def roles(self) -> frozenset[str]:
        """The roles this entry speaks about: `csm`, `pm`, both, or none (help-like entries)."""
        sides = {"csm": self.answer.csm, "pm": self.answer.pm}
        return frozenset(role for role, text in sides.items() if text)


@dataclass(frozen=True)
class KnowledgeBase:
    """The validated entries and the articles they cite."""

    entries: tuple[Entry, ...]
    articles: dict[str, Article]
    # conversation.yaml and tour.yaml (follow-ups, the tour); None when not loaded from a folder.
    companions: Companions | None = field(default=None, compare=False)
    _by_id: dict[str, Entry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {entry.id: entry for entry in self.entries})

    def get(self, entry_id: str) -> Entry | None:
        """The entry with this id, or None."""
        return self._by_id.get(entry_id)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._by_id

    def cite(self, article_id: str, sections: list[str]) -> str:
        """A readable citation: article title, publisher where known, and the sections used."""
        article = self.articles[article_id]
        publisher = f" ({article.publisher})" if article.publisher else ""
        label = "section" if len(sections) == 1 else "sections"
        named = ", ".join(f"“{section}”" for section in sections)
        return f"{article.title}{publisher}: {label} {named}"

    def topics(self) -> list[Entry]:
        """Entries a user can ask about, in file order (the help entry last)."""
        return sorted(self.entries, key=lambda entry: entry.id == "help")


# --- YAML with line numbers -------------------------------------------------------------------


class _Located(dict):
    """A YAML mapping that remembers where it and each of its keys start."""

    line: int = 0
    key_lines: dict[Any, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class _LocatedList(list):
    """A YAML sequence that remembers where each item starts."""

    line: int = 0
    item_lines: list[int]


class _LineLoader(yaml.SafeLoader):
    duplicate_keys: list[tuple[str, int]]


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> Iterator[_Located]:
    data = _Located()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    yield data
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in data.key_lines:
            loader.duplicate_keys.append((str(key), key_node.start_mark.line + 1))
        data.key_lines[key] = key_node.start_mark.line + 1
        data[key] = loader.construct_object(value_node, deep=True)


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> Iterator[_LocatedList]:
    data = _LocatedList()
    data.line = node.start_mark.line + 1
    data.item_lines = [item.start_mark.line + 1 for item in node.value]
    yield data
    data.extend(loader.construct_object(item, deep=True) for item in node.value)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def _read_yaml(path: Path, problems: list[Problem]) -> Any:
    """Parse one file, turning syntax errors and duplicate keys into located problems."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        problems.append(Problem(name, 1, f"cannot read the file: {error}"))
        return None
    loader = _LineLoader(text)
    loader.duplicate_keys = []
    try:
        document = loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        problems.append(Problem(name, line, f"invalid YAML: {error.problem or error.context}"))
        return None
    except yaml.YAMLError as error:
        problems.append(Problem(name, 1, f"invalid YAML: {error}"))
        return None
    finally:
        loader.dispose()
    problems.extend(
        Problem(name, line, f"duplicate key '{key}'") for key, line in loader.duplicate_keys
    )
    return document


# --- validation -------------------------------------------------------------------------------


class _Checker:
    """Collects problems while turning parsed YAML into dataclasses."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        # sources.yaml is reported once when unusable, not again at every citation.
        self.sources_usable = True
        # Entries with a valid id that failed validation: not "missing" when related to.
        self.dropped_ids: set[str] = set()

    def report(self, file: str, line: int, message: str) -> None:
        self.problems.append(Problem(file, line, message))

    def text(
        self, file: str, mapping: _Located, key: str, *, required: bool, limit: int
    ) -> str | None:
        value = mapping.get(key)
        line = mapping.line_of(key)
        if value is None:
            if required:
                self.report(file, mapping.line, f"missing '{key}'")
            return None
        if not isinstance(value, str) or not value.strip():
            self.report(file, line, f"'{key}' must be non-empty text")
            return None
        if len(value) > limit:
            self.report(file, line, f"'{key}' is {len(value)} characters; keep it to {limit}")
        return value.strip()

    def unknown_keys(self, file: str, mapping: _Located, allowed: set[str], what: str) -> None:
        for key in mapping:
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                self.report(
                    file, mapping.line_of(key), f"unknown key '{key}' in {what} (known: {known})"
                )

    def articles(self, path: Path) -> dict[str, Article]:
        file = str(path)
        document = _read_yaml(path, self.problems)
        if document is None:
            return {}
        raw_articles = document.get("articles") if isinstance(document, _Located) else None
        if not isinstance(raw_articles, _LocatedList) or not raw_articles:
            self.report(
                file, getattr(document, "line", 1), "expected a mapping with a list 'articles'"
            )
            return {}
        articles: dict[str, Article] = {}
        for raw, line in zip(raw_articles, raw_articles.item_lines, strict=True):
            if not isinstance(raw, _Located):
                self.report(file, line, "each article must be a mapping")
                continue
            self.unknown_keys(file, raw, _ARTICLE_KEYS, "an article")
            article_id = self.text(file, raw, "id", required=True, limit=60)
            title = self.text(file, raw, "title", required=True, limit=200)
            publisher = raw.get("publisher")
            sections = raw.get("sections")
            if not isinstance(sections, list) or not all(
                isinstance(s, str) and s for s in sections
            ):
                self.report(
                    file, raw.line_of("sections"), "'sections' must be a list of section names"
                )
                sections = []
            if article_id in articles:
                self.report(file, raw.line_of("id"), f"duplicate article id '{article_id}'")
            if article_id and title:
                articles[article_id] = Article(
                    id=article_id,
                    title=title,
                    publisher=publisher if isinstance(publisher, str) and publisher else None,
                    file=str(raw.get("file") or ""),
                    sections=tuple(sections),
                )
        return articles

    def entries(self, path: Path, articles: dict[str, Article]) -> list[Entry]:
        file = str(path)
        document = _read_yaml(path, self.problems)
        if document is None:
            return []
        raw_entries = document.get("entries") if isinstance(document, _Located) else None
        if not isinstance(raw_entries, _LocatedList):
            self.report(
                file, getattr(document, "line", 1), "expected a mapping with a list 'entries'"
            )
            return []
        entries = []
        for raw, line in zip(raw_entries, raw_entries.item_lines, strict=True):
            if not isinstance(raw, _Located):
                self.report(file, line, "each entry must be a mapping")
                continue
            entry = self.entry(file, raw, articles)
            if entry is not None:
                entries.append(entry)
        return entries

    def entry(self, file: str, raw: _Located, articles: dict[str, Article]) -> Entry | None:
        self.unknown_keys(file, raw, _ENTRY_KEYS, "an entry")
        entry_id = self.text(file, raw, "id", required=True, limit=60)
        if entry_id and not _ID_PATTERN.match(entry_id):
            self.report(
                file, raw.line_of("id"), f"id '{entry_id}' must be lowercase words joined by '-'"
            )
        title = self.text(file, raw, "title", required=True, limit=MAX_TITLE_CHARS)
        questions, question_lines = self.questions(file, raw)
        answer = self.answer(file, raw)
        sources = self.sources(file, raw, articles)
        related = raw.get("related", [])
        if not isinstance(related, list) or not all(isinstance(item, str) for item in related):
            self.report(file, raw.line_of("related"), "'related' must be a list of entry ids")
            related = []
        if not (entry_id and title and answer):
            if entry_id:
                self.dropped_ids.add(entry_id)
            return None
        return Entry(
            id=entry_id,
            title=title,
            questions=tuple(questions),
            answer=answer,
            sources=tuple(sources),
            related=tuple(related),
            file=file,
            line=raw.line,
            question_lines=tuple(question_lines),
        )

    def questions(self, file: str, raw: _Located) -> tuple[list[str], list[int]]:
        questions = raw.get("questions")
        line = raw.line_of("questions")
        if not isinstance(questions, _LocatedList):
            self.report(file, line, "'questions' must be a list (the canonical question first)")
            return [], []
        valid, valid_lines = [], []
        for question, question_line in zip(questions, questions.item_lines, strict=True):
            if not isinstance(question, str) or not normalize(question):
                self.report(
                    file, question_line, "a question must be non-empty text with words in it"
                )
            else:
                valid.append(question.strip())
                valid_lines.append(question_line)
        if len(questions) < MIN_QUESTIONS:
            self.report(
                file,
                line,
                f"{len(questions)} questions; give the canonical question and at least "
                f"{MIN_QUESTIONS - 1} alternate phrasings",
            )
        return valid, valid_lines

    def answer(self, file: str, raw: _Located) -> Answer | None:
        answer = raw.get("answer")
        if not isinstance(answer, _Located):
            self.report(
                file, raw.line_of("answer"), "'answer' must be a mapping with at least 'summary'"
            )
            return None
        self.unknown_keys(file, answer, _ANSWER_KEYS, "an answer")
        summary = self.text(file, answer, "summary", required=True, limit=MAX_SUMMARY_CHARS)
        if summary is None:
            return None
        return Answer(
            summary=summary,
            csm=self.text(file, answer, "csm", required=False, limit=MAX_SIDE_CHARS),
            pm=self.text(file, answer, "pm", required=False, limit=MAX_SIDE_CHARS),
            note=self.text(file, answer, "note", required=False, limit=MAX_NOTE_CHARS),
        )

    def sources(self, file: str, raw: _Located, articles: dict[str, Article]) -> list[SourceRef]:
        sources = raw.get("sources")
        if not isinstance(sources, _LocatedList) or not sources:
            self.report(
                file, raw.line_of("sources"), "'sources' must list at least one article and section"
            )
            return []
        refs = []
        for source, line in zip(sources, sources.item_lines, strict=True):
            if not isinstance(source, _Located) or set(source) != {"article", "section"}:
                self.report(
                    file, line, "a source must be a mapping with exactly 'article' and 'section'"
                )
                continue
            if not self.sources_usable:
                continue
            article = articles.get(source["article"])
            if article is None:
                self.report(
                    file, line, f"unknown article '{source['article']}' (see {SOURCES_FILE})"
                )
            elif source["section"] not in article.sections:
                self.report(
                    file, line, f"article '{article.id}' has no section '{source['section']}'"
                )
            else:
                refs.append(SourceRef(article=article.id, section=source["section"]))
        return refs

    def across_entries(self, entries: list[Entry]) -> None:
        """Checks that need every entry: unique ids, unique questions, resolvable `related`."""
        first_seen: dict[str, Entry] = {}
        for entry in entries:
            if entry.id in first_seen:
                other = first_seen[entry.id]
                self.report(
                    entry.file,
                    entry.line,
                    f"duplicate id '{entry.id}' (first at {other.file}:{other.line})",
                )
            else:
                first_seen[entry.id] = entry
        question_owner: dict[str, str] = {}
        for entry in entries:
            for question, line in zip(entry.questions, entry.question_lines, strict=True):
                owner = question_owner.setdefault(normalize(question), entry.id)
                if owner != entry.id:
                    self.report(entry.file, line, f"question '{question}' is also under '{owner}'")
            for related_id in entry.related:
                if related_id not in first_seen and related_id not in self.dropped_ids:
                    self.report(
                        entry.file, entry.line, f"'{entry.id}' relates to missing id '{related_id}'"
                    )
                elif related_id == entry.id:
                    self.report(entry.file, entry.line, f"'{entry.id}' lists itself as related")


def read_knowledge(directory: Path) -> tuple[KnowledgeBase, list[Problem]]:
    """The knowledge base at `directory` and every problem in it, in one pass.

    The knowledge base holds only the entries that validated; use it only when there are no
    problems, as `load_knowledge` does.
    """
    directory = Path(directory)
    checker = _Checker()
    sources_path = directory / SOURCES_FILE
    if not directory.is_dir():
        missing = "knowledge directory not found (set KNOWLEDGE_DIR to the folder of *.yaml files)"
        return KnowledgeBase((), {}), [Problem(str(directory), 0, missing)]
    if not sources_path.is_file():
        checker.report(str(sources_path), 0, "missing: it lists the source articles entries cite")
        articles: dict[str, Article] = {}
    else:
        articles = checker.articles(sources_path)
    checker.sources_usable = bool(articles)
    entries: list[Entry] = []
    # Imported here: the conversation files refer back to this module's entries and checker.
    from bot.conversation.content import COMPANION_FILES, read_companions

    for path in sorted(directory.glob("*.yaml")):
        if path.name != SOURCES_FILE and path.name not in COMPANION_FILES:
            entries.extend(checker.entries(path, articles))
    if not entries and not checker.problems:
        checker.report(str(directory), 0, "no entries found in any *.yaml file")
    checker.across_entries(entries)
    companions = read_companions(directory, checker, entries, articles)
    return KnowledgeBase(tuple(entries), articles, companions), checker.problems


def check_knowledge(directory: Path) -> list[Problem]:
    """Every problem in the knowledge base at `directory` (empty when it is valid)."""
    return read_knowledge(directory)[1]


def load_knowledge(directory: Path) -> KnowledgeBase:
    """Load the knowledge base at `directory`, or raise KnowledgeError naming every problem."""
    knowledge, problems = read_knowledge(directory)
    if problems:
        raise KnowledgeError(problems)
    return knowledge
