"""Load and validate the knowledge base: `knowledge/sources.yaml` plus topic files of entries.

Every problem is reported as `file:line: message`, so a curator can jump straight to it; the
same messages serve `csm-vs-pm kb check` and the refusal to start on a broken knowledge base.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

try:  # the parser `re` itself uses, to read the words a curator's pattern spells out
    from re import _constants as sre_constants
    from re import _parser as sre_parse
except ImportError:  # Python 3.10
    import sre_constants
    import sre_parse

from bot.normalize import clean
from bot.settings import DEFAULT_KNOWLEDGE_MAX_FILE_BYTES, ENV_KNOWLEDGE_MAX_FILE_MB
from bot.vocabulary import ROLES, Vocabulary

if TYPE_CHECKING:
    from bot.conversation.content import Companions

SOURCES_FILE = "sources.yaml"
# Curator data beside the entries: how questions are read, who owns each duty, and what the
# articles do not cover. Each is optional, so a small knowledge base can do without them.
VOCABULARY_FILE = "vocabulary.yaml"
OWNERS_FILE = "owners.yaml"
NOT_COVERED_FILE = "not-covered.yaml"
# Files with their own format, read by other parts of the bot; never parsed as entry files.
SPECIAL_FILES = {SOURCES_FILE, VOCABULARY_FILE, OWNERS_FILE, NOT_COVERED_FILE}
OWNER_BOTH = "both"
OWNERS = (*ROLES, OWNER_BOTH)
MIN_DUTY_QUESTIONS = 4
MAX_WHY_CHARS = 400
MAX_OTHER_CHARS = 300
MAX_REPLY_CHARS = 600
MAX_STARTER_CHARS = 75  # a Block Kit button label
# Written in an answer's summary, replaced by every topic's title: the help entry's topic list
# follows the knowledge base instead of being kept by hand.
TOPICS_PLACEHOLDER = "{topics}"
MIN_QUESTIONS = 7  # the canonical question and at least six alternate phrasings
# Block Kit caps a section field at 2,000 and section text at 3,000 characters; staying well
# below keeps room for labels and means no answer is ever cut short in Slack.
MAX_SIDE_CHARS = 1500
MAX_SUMMARY_CHARS = 700
MAX_NOTE_CHARS = 700
MAX_TITLE_CHARS = 120
MAX_PROBLEMS_SHOWN = 50  # `kb check` and the reload log stop listing here, then give a count
_ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ENTRY_KEYS = {"id", "title", "questions", "answer", "sources", "related", "starter"}
_DUTY_KEYS = {"id", "owner", "duty", "questions", "why", "other", "topic", "main", "sources"}
_SUBJECT_KEYS = {
    "id",
    "title",
    "reply",
    "terms",
    "patterns",
    "proper_names",
    "setting_words",
    "setting_before",
    "questions",
    "suggest",
}
_VOCABULARY_KEYS = {
    "synonyms",
    "roles",
    "who_phrases",
    "yes_no_openers",
    "question_words",
    "person_pronouns",
    "fillers",
    "pointing_words",
    "stopwords",
    "everyday_names",
    "introductions",
    "back_references",
    "who_patterns",
}
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


class KnowledgeFolderMissing(KnowledgeError):
    """There is no folder where the knowledge base should be: a setting to fix, not a file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        super().__init__([Problem(str(directory), 0, f"no knowledge folder at {directory}")])


def shown_problems(problems: list[Problem], limit: int = MAX_PROBLEMS_SHOWN) -> list[str]:
    """The first `limit` problems as lines, then one line counting the rest (if any).

    A broken or hostile file can hold hundreds of thousands of problems; nobody reads past the
    first screenful, and printing or logging them all costs more than the check itself.
    """
    lines = [str(problem) for problem in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"... and {len(problems) - limit} more problem(s) not shown")
    return lines


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
    starter: str | None = None

    @property
    def roles(self) -> frozenset[str]:
        """The roles this entry speaks about: `csm`, `pm`, both, or none (help-like entries)."""
        sides = {"csm": self.answer.csm, "pm": self.answer.pm}
        return frozenset(role for role, text in sides.items() if text)


@dataclass(frozen=True)
class Duty:
    """A duty, task or situation, the role that owns it, and why (`knowledge/owners.yaml`)."""

    id: str
    owner: str  # one of OWNERS
    duty: str
    questions: tuple[str, ...]
    why: str
    other: str | None
    topic: str
    sources: tuple[SourceRef, ...]
    file: str = ""
    line: int = 0
    question_lines: tuple[int, ...] = field(default=(), compare=False, repr=False)
    # The duty that answers "who owns that?" about its topic when several are filed under it.
    main: bool = False


@dataclass(frozen=True)
class Subject:
    """Something in the roles' vocabulary the articles do not cover (`knowledge/not-covered.yaml`).

    `terms` and `patterns` decide on their own: a question with one of them is about this
    subject whatever else it says. With `proper_names`, so does a question asking who that
    names someone or something the knowledge base has never heard of (a person, a customer, a
    project). `questions` are matched like any example question. In a question asking who, a
    term followed by one of `setting_words`, or after one of `setting_before`, only names the
    setting of a task ("who tracks the Salesforce integration?" asks who tracks progress; "who
    explains features to a customer's sales reps?", who communicates), and decides nothing.
    """

    id: str
    title: str
    reply: str | None  # None: unrelated to the roles; declined with the usual fallback
    terms: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    questions: tuple[str, ...]
    suggest: str | None
    file: str = ""
    line: int = 0
    question_lines: tuple[int, ...] = field(default=(), compare=False, repr=False)
    proper_names: bool = False
    setting_words: tuple[str, ...] = ()
    setting_before: tuple[str, ...] = ()


@dataclass(frozen=True)
class KnowledgeBase:
    """The validated entries, the articles they cite, and the curators' matching data."""

    entries: tuple[Entry, ...]
    articles: dict[str, Article]
    vocabulary: Vocabulary = field(default_factory=Vocabulary)
    duties: tuple[Duty, ...] = ()
    subjects: tuple[Subject, ...] = ()
    # conversation.yaml and tour.yaml (follow-ups, the tour); None when not loaded from a folder.
    companions: Companions | None = field(default=None, compare=False)
    _by_id: dict[str, Entry] = field(init=False, repr=False, compare=False)
    _duties_by_id: dict[str, Duty] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {entry.id: entry for entry in self.entries})
        object.__setattr__(self, "_duties_by_id", {duty.id: duty for duty in self.duties})

    def get(self, entry_id: str) -> Entry | None:
        """The entry with this id, or None."""
        return self._by_id.get(entry_id)

    def duty(self, duty_id: str) -> Duty | None:
        """The duty with this id, or None."""
        return self._duties_by_id.get(duty_id)

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

    def starters(self) -> list[Entry]:
        """Entries curators marked as good first questions (`starter:`), in file order."""
        return [entry for entry in self.entries if entry.starter]


# --- reading the files ------------------------------------------------------------------------

# Only regular files inside the knowledge folder are read: a FIFO would block the reader forever, a
# link to /dev/zero never ends, and a link out of the folder would echo someone else's file.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.3g} MB"


def _inside(path: Path, folder: Path) -> bool:
    """Whether `path`, links followed, lies in `folder` (links followed too)."""
    return path.resolve().is_relative_to(folder.resolve())


def _read_bytes(path: Path, folder: Path, limit: int, problems: list[Problem]) -> bytes | None:
    """The bytes of one knowledge file, or None after adding a problem saying why not.

    The file is opened without blocking and checked on the open descriptor, so a FIFO or a
    device swapped in after listing is refused rather than read; at most `limit` + 1 bytes are
    read, so a file that grows meanwhile cannot get past the size limit either.
    """
    name = str(path)
    try:
        if path.is_symlink() and not _inside(path, folder):
            problems.append(Problem(name, 1, "a link to outside the knowledge folder; not read"))
            return None
        descriptor = os.open(path, _OPEN_FLAGS)
    except (OSError, RuntimeError) as error:  # RuntimeError: a symlink loop on Python < 3.13
        problems.append(Problem(name, 1, f"cannot read the file: {error}"))
        return None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            problems.append(
                Problem(name, 1, "not a regular file (a folder, FIFO or device); not read")
            )
            return None
        too_big = status.st_size > limit
        with open(descriptor, "rb", closefd=False) as handle:
            data = b"" if too_big else handle.read(limit + 1)
    finally:
        os.close(descriptor)
    if too_big or len(data) > limit:
        size = _megabytes(max(status.st_size, len(data)))
        problems.append(
            Problem(
                name,
                1,
                f"the file is {size}, over the {_megabytes(limit)} limit for a knowledge file "
                f"(raise it with {ENV_KNOWLEDGE_MAX_FILE_MB} if this is really one file)",
            )
        )
        return None
    return data


def _decode(data: bytes, name: str, problems: list[Problem]) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        problems.append(Problem(name, line, "cannot read the file: it is not UTF-8 text"))
        return None


# --- YAML with line numbers -------------------------------------------------------------------

# libyaml (C) when PyYAML was built with it: about 12x faster than the pure-Python parser.
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_plain_yaml(text: str) -> Any:
    """`yaml.safe_load`, with libyaml's parser when available: for question and conversation
    sets, which need no line numbers (a 3,000-question set parses in 0.25 s, not 1.6 s)."""
    return yaml.load(text, Loader=_YamlLoader)  # a safe loader: plain data only


# Knowledge files nest about five levels deep. The bound keeps a hostile file from exhausting
# the stack (libyaml's composer recurses in C) or costing quadratic time in the scanner.
MAX_NESTING = 64
_TOO_DEEP = f"nested more than {MAX_NESTING} levels deep"
_LIBYAML_TOO_DEEP = "exceeded maximum nesting depth"
_STR_TAG = "tag:yaml.org,2002:str"
_COLLECTION_TAGS = {
    yaml.MappingStartEvent: "tag:yaml.org,2002:map",
    yaml.SequenceStartEvent: "tag:yaml.org,2002:seq",
}


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


class _Refused(Exception):
    """Something this reader does not accept in a knowledge file, at a line."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


_NO_KEY = object()  # an open mapping is waiting for a key, not a value
_SKIP = object()  # the key was unusable (already reported): drop its value


# A plain scalar starting with none of these characters is text: no implicit resolver (numbers,
# booleans, null, dates) can match it, so most scalars skip resolution altogether.
_RESOLVABLE_FIRST_CHARS = frozenset(_YamlLoader.yaml_implicit_resolvers)


def _scalar(loader: Any, event: yaml.ScalarEvent, line: int) -> Any:
    """A scalar's value, resolved as yaml.safe_load would (text, numbers, booleans, dates)."""
    tag = event.tag
    implicit = tag is None or tag == "!"
    if implicit:
        if not event.implicit[0]:  # quoted or block text
            return event.value
        tag = loader.resolve(yaml.ScalarNode, event.value, (True, False))
    if tag == _STR_TAG:
        return event.value
    construct = _YamlLoader.yaml_constructors.get(tag)
    if construct is None or tag is None:
        if implicit:  # YAML 1.1 oddities such as `<<` or `=` read as the text they are
            return event.value
        raise _Refused(line, f"unsupported tag {tag!r}")
    node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark)
    try:
        return construct(loader, node)
    except Exception as error:  # a constructor meeting text it cannot convert
        raise _Refused(line, f"cannot read {event.value!r} as {tag}: {error}") from None


def _build(loader: Any, name: str, problems: list[Problem]) -> Any:
    """Turn the event stream into `_Located` / `_LocatedList` / scalars, with an explicit stack.

    No recursion, so depth is bounded by `MAX_NESTING` rather than by the interpreter's stack.
    Aliases are refused: knowledge files do not need them, and an alias repeated many times
    would multiply a small file into a huge amount of work. This loop runs once per YAML event
    (about 40 per entry), so it keeps to local names and the common cases first.
    """
    scalar_event, mapping_start, sequence_start = (
        yaml.ScalarEvent,
        yaml.MappingStartEvent,
        yaml.SequenceStartEvent,
    )
    collection_end = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    fast_text = None not in _RESOLVABLE_FIRST_CHARS
    open_collections: list[_Located | _LocatedList] = []
    pending_keys: list[Any] = []  # per open collection: _NO_KEY, _SKIP or (key, line)
    document: Any = None
    documents = 0
    get_event = loader.get_event
    while True:
        event = get_event()
        kind = type(event)
        if kind is scalar_event:
            line = event.start_mark.line + 1
            value = event.value
            if event.tag is not None or (
                event.implicit[0]
                and not (fast_text and value and value[0] not in _RESOLVABLE_FIRST_CHARS)
            ):
                value = _scalar(loader, event, line)
        elif kind is mapping_start or kind is sequence_start:
            line = event.start_mark.line + 1
            if len(open_collections) >= MAX_NESTING:
                raise _Refused(line, _TOO_DEEP)
            if event.tag not in (None, "!", _COLLECTION_TAGS[kind]):
                raise _Refused(line, f"unsupported tag {event.tag!r}")
            collection: _Located | _LocatedList
            if kind is mapping_start:
                collection = _Located()
                collection.key_lines = {}
            else:
                collection = _LocatedList()
                collection.item_lines = []
            collection.line = line
            open_collections.append(collection)
            pending_keys.append(_NO_KEY)
            continue
        elif kind in collection_end:
            value = open_collections.pop()
            pending_keys.pop()
            line = value.line
        elif kind is yaml.AliasEvent:
            raise _Refused(
                event.start_mark.line + 1,
                f"aliases (*{event.anchor}) are not allowed in knowledge files; "
                "write the value out in full",
            )
        elif kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise _Refused(
                    event.start_mark.line + 1,
                    "expected one YAML document, found a second one ('---')",
                )
            continue
        elif kind is yaml.StreamEndEvent:
            return document
        else:  # stream start, document end
            continue

        if not open_collections:
            document = value
            continue
        parent = open_collections[-1]
        if isinstance(parent, _LocatedList):
            parent.append(value)
            parent.item_lines.append(line)
            continue
        key = pending_keys[-1]
        if key is _NO_KEY:  # this value is a key
            if isinstance(value, (dict, list)):
                problems.append(Problem(name, line, "a key must be plain text, not a list or map"))
                pending_keys[-1] = _SKIP
            else:
                pending_keys[-1] = (value, line)
            continue
        pending_keys[-1] = _NO_KEY
        if key is _SKIP:
            continue
        key, key_line = key
        if key in parent.key_lines:
            problems.append(Problem(name, key_line, f"duplicate key '{key}'"))
        parent.key_lines[key] = key_line
        parent[key] = value


def _read_yaml(path: Path, folder: Path, limit: int, problems: list[Problem]) -> Any:
    """Read and parse one file, turning every problem into a located one (None if unusable)."""
    name = str(path)
    data = _read_bytes(path, folder, limit, problems)
    text = None if data is None else _decode(data, name, problems)
    if text is None:
        return None
    loader = _YamlLoader(text)
    try:
        return _build(loader, name, problems)
    except _Refused as refused:
        problems.append(Problem(name, refused.line, f"invalid YAML: {refused}"))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        problem = error.problem or error.context
        if problem == _LIBYAML_TOO_DEEP:
            # libyaml (PyYAML 6.0.4 on) has a depth limit of its own, deeper than ours, and
            # reads ahead of the events: the same problem, said the same way.
            problem = _TOO_DEEP
        problems.append(Problem(name, line, f"invalid YAML: {problem}"))
    except yaml.YAMLError as error:
        problems.append(Problem(name, 1, f"invalid YAML: {error}"))
    finally:
        loader.dispose()
    return None


# --- validation -------------------------------------------------------------------------------


_ESCAPE = re.compile(r"\\.")
_LETTER_RUN = re.compile(r"[a-z0-9]+")


def pattern_words(pattern: str) -> set[str]:
    """The whole words a regular expression spells out letter by letter: runs of letters and
    digits with a word's edge on both sides (a space or `\\b`, or the start or end of the
    pattern). A group's alternatives are words only where the group itself stands between
    edges; letters running into a group, a class or a repeat ("burn(s|ed)", "w ?9", and the
    parser's own "c(an|ould)" for "can|could") make no whole word and are left out, so nothing
    that might be part of a word is ever reported."""
    words: set[str] = set()

    def is_edge(item: tuple[Any, Any]) -> bool:
        op, value = item
        return op is sre_constants.AT or (op is sre_constants.LITERAL and value == ord(" "))

    def walk(items: Any, starts_whole: bool, ends_whole: bool) -> None:
        word, whole = "", starts_whole  # the letters so far, and whether they began at an edge
        for place, (op, value) in enumerate(items):
            if op is sre_constants.LITERAL and chr(value).isalnum():
                word += chr(value)
                continue
            edge = is_edge((op, value))
            if word and whole and edge:
                words.add(word)
            following = items[place + 1] if place + 1 < len(items) else None
            inner = (
                not word and whole,  # the group starts at an edge
                ends_whole if following is None else is_edge(following),
            )
            if op is sre_constants.BRANCH:
                for branch in value[1]:
                    walk(branch, *inner)
            elif op is sre_constants.SUBPATTERN:
                walk(value[-1], *inner)
            elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
                walk(value[2], *inner)
            elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
                walk(value[1], inner[0], True)  # what a look-around names, it names whole
            word, whole = "", edge
        if word and whole and ends_whole:
            words.add(word)

    walk(sre_parse.parse(pattern), True, True)
    return words


class _Checker:
    """Collects problems while turning parsed YAML into dataclasses."""

    def __init__(self, folder: Path, max_file_bytes: int) -> None:
        self.folder = folder
        self.max_file_bytes = max_file_bytes
        self.problems: list[Problem] = []
        # sources.yaml is reported once when unusable, not again at every citation.
        self.sources_usable = True
        # Entries with a valid id that failed validation: not "missing" when related to.
        self.dropped_ids: set[str] = set()
        # Questions from every file are compared after the curators' own normalisation.
        self.vocabulary = Vocabulary()
        # Each question normalised once: the check for wordless questions and the check for
        # questions under two items both need it (normalising is most of a big load's time).
        self.normal_forms: dict[str, str] = {}
        # Every curator pattern (file, line, text), for the check that needs the vocabulary.
        self.pattern_sites: list[tuple[str, int, str]] = []

    def report(self, file: str, line: int, message: str) -> None:
        self.problems.append(Problem(file, line, message))

    def read_yaml(self, path: Path) -> Any:
        return _read_yaml(path, self.folder, self.max_file_bytes, self.problems)

    def normal_form(self, question: str) -> str:
        """`question` normalised with the curators' vocabulary (read before any question)."""
        found = self.normal_forms.get(question)
        if found is None:
            found = self.normal_forms[question] = self.vocabulary.normalize(question)
        return found

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
        document = self.read_yaml(path)
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
        document = self.read_yaml(path)
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
        starter = self.text(file, raw, "starter", required=False, limit=MAX_STARTER_CHARS)
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
            starter=starter,
        )

    def questions(
        self, file: str, raw: _Located, minimum: int = MIN_QUESTIONS
    ) -> tuple[list[str], list[int]]:
        questions = raw.get("questions")
        line = raw.line_of("questions")
        if not isinstance(questions, _LocatedList):
            self.report(file, line, "'questions' must be a list (the canonical question first)")
            return [], []
        valid, valid_lines = [], []
        for question, question_line in zip(questions, questions.item_lines, strict=True):
            if not isinstance(question, str) or not self.normal_form(question):
                self.report(
                    file, question_line, "a question must be non-empty text with words in it"
                )
            else:
                valid.append(question.strip())
                valid_lines.append(question_line)
        if len(questions) < minimum:
            self.report(
                file,
                line,
                f"{len(questions)} questions; give the canonical question and at least "
                f"{minimum - 1} alternate phrasings",
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

    def items(self, path: Path, key: str) -> list[tuple[_Located, int]]:
        """The mappings listed under `key` in a curator file, each with its line."""
        file = str(path)
        document = self.read_yaml(path)
        if document is None:
            return []
        raw_items = document.get(key) if isinstance(document, _Located) else None
        if not isinstance(raw_items, _LocatedList):
            self.report(
                file, getattr(document, "line", 1), f"expected a mapping with a list '{key}'"
            )
            return []
        found = []
        for raw, line in zip(raw_items, raw_items.item_lines, strict=True):
            if isinstance(raw, _Located):
                found.append((raw, line))
            else:
                self.report(file, line, f"each item of '{key}' must be a mapping")
        return found

    def word_list(self, file: str, mapping: _Located, key: str) -> list[str]:
        """A list of non-empty texts (phrases), or a problem and nothing."""
        value = mapping.get(key, [])
        if not isinstance(value, list) or not all(
            isinstance(item, str) and clean(item) for item in value
        ):
            self.report(file, mapping.line_of(key), f"'{key}' must be a list of words or phrases")
            return []
        return [item.strip() for item in value]

    def word_set(self, file: str, mapping: _Located, key: str) -> frozenset[str]:
        """A list of words as a set of their normalised forms, or a problem and nothing."""
        return frozenset(clean(word) for word in self.word_list(file, mapping, key))

    def vocabulary_file(self, path: Path) -> Vocabulary:
        file = str(path)
        document = self.read_yaml(path)
        if document is None:
            return Vocabulary()
        if not isinstance(document, _Located):
            self.report(file, 1, f"expected a mapping with {', '.join(sorted(_VOCABULARY_KEYS))}")
            return Vocabulary()
        self.unknown_keys(file, document, _VOCABULARY_KEYS, "the vocabulary")
        synonyms = document.get("synonyms", {})
        if not isinstance(synonyms, dict) or not all(
            isinstance(short, str) and isinstance(long, str) and clean(short) and clean(long)
            for short, long in synonyms.items()
        ):
            self.report(file, document.line_of("synonyms"), "'synonyms' must map words to words")
            synonyms = {}
        roles = document.get("roles")
        if roles is None:
            roles = _Located()
            roles.key_lines = {}
        elif not isinstance(roles, _Located) or set(roles) - set(ROLES):
            self.report(
                file,
                document.line_of("roles"),
                f"'roles' must map {' and '.join(ROLES)} to phrases",
            )
            roles = _Located()
            roles.key_lines = {}
        role_phrases = {role: tuple(self.word_list(file, roles, role)) for role in roles}
        return Vocabulary(
            synonyms=dict(synonyms),
            roles=role_phrases,
            who_phrases=tuple(self.word_list(file, document, "who_phrases")),
            yes_no_openers=self.word_set(file, document, "yes_no_openers"),
            question_words=self.word_set(file, document, "question_words"),
            person_pronouns=self.word_set(file, document, "person_pronouns"),
            fillers=self.word_set(file, document, "fillers"),
            pointing_words=self.word_set(file, document, "pointing_words"),
            stopwords=self.word_set(file, document, "stopwords"),
            everyday_names=self.word_set(file, document, "everyday_names"),
            introductions=tuple(self.patterns(file, document, "introductions")),
            back_references=tuple(self.patterns(file, document, "back_references")),
            who_patterns=tuple(self.patterns(file, document, "who_patterns")),
        )

    def duties(self, path: Path, articles: dict[str, Article]) -> list[Duty]:
        file = str(path)
        duties = []
        for raw, _ in self.items(path, "duties"):
            self.unknown_keys(file, raw, _DUTY_KEYS, "a duty")
            duty_id = self.text(file, raw, "id", required=True, limit=60)
            owner = raw.get("owner")
            if owner not in OWNERS:
                self.report(
                    file, raw.line_of("owner"), f"'owner' must be one of {', '.join(OWNERS)}"
                )
            label = self.text(file, raw, "duty", required=True, limit=MAX_TITLE_CHARS)
            questions, question_lines = self.questions(file, raw, MIN_DUTY_QUESTIONS)
            why = self.text(file, raw, "why", required=True, limit=MAX_WHY_CHARS)
            other = self.text(file, raw, "other", required=False, limit=MAX_OTHER_CHARS)
            topic = self.text(file, raw, "topic", required=True, limit=60)
            main = raw.get("main", False)
            if not isinstance(main, bool):
                self.report(file, raw.line_of("main"), "'main' must be true or false")
            sources = self.sources(file, raw, articles)
            if duty_id and owner in OWNERS and label and why and topic:
                duties.append(
                    Duty(
                        duty_id,
                        owner,
                        label,
                        tuple(questions),
                        why,
                        other,
                        topic,
                        tuple(sources),
                        file,
                        raw.line,
                        tuple(question_lines),
                        main is True,
                    )
                )
        return duties

    def patterns(self, file: str, mapping: _Located, key: str) -> list[re.Pattern[str]]:
        """`key`'s regular expressions, each one that does not compile reported."""
        patterns = []
        texts = self.word_list(file, mapping, key)
        listed = mapping.get(key)
        lines = (
            listed.item_lines
            if isinstance(listed, _LocatedList) and len(listed.item_lines) == len(texts)
            else [mapping.line_of(key)] * len(texts)
        )
        for text, line in zip(texts, lines, strict=True):
            try:
                patterns.append(re.compile(text))
            except re.error as error:
                self.report(file, line, f"pattern {text!r}: {error}")
            else:
                self.pattern_sites.append((file, line, text))
        return patterns

    def pattern_words(self) -> None:
        """Every word a pattern spells out can be in the text it reads. Patterns read normalised
        text, shorthands and synonyms already replaced ("W-9" reads "with 9", "kickoff" reads
        "start"): a word the vocabulary rewrites never matches, and the pattern silently misses
        what its curator meant."""
        vocabulary = self.vocabulary

        def rewritten(word: str) -> bool:
            normal = vocabulary.normalize(word)
            return word not in (normal, vocabulary.collapse(normal))

        for file, line, text in self.pattern_sites:
            # Parsing every pattern would cost half a load: only a pattern with some run of
            # letters the vocabulary rewrites can spell such a word (every word is such a run).
            if not any(map(rewritten, _LETTER_RUN.findall(_ESCAPE.sub(" ", text)))):
                continue
            for word in sorted(filter(rewritten, pattern_words(text))):
                self.report(
                    file,
                    line,
                    f"pattern {text!r}: no question holds '{word}' when patterns "
                    f"read it (normalised, it is '{vocabulary.normalize(word)}'); write that "
                    "instead",
                )

    def subjects(self, path: Path) -> list[Subject]:
        file = str(path)
        subjects = []
        for raw, _ in self.items(path, "subjects"):
            self.unknown_keys(file, raw, _SUBJECT_KEYS, "a subject")
            subject_id = self.text(file, raw, "id", required=True, limit=60)
            title = self.text(file, raw, "title", required=True, limit=MAX_TITLE_CHARS)
            reply = self.text(file, raw, "reply", required=False, limit=MAX_REPLY_CHARS)
            terms = self.word_list(file, raw, "terms")
            patterns = self.patterns(file, raw, "patterns")
            questions, question_lines = self.questions(file, raw, MIN_DUTY_QUESTIONS)
            suggest = self.text(file, raw, "suggest", required=False, limit=60)
            proper_names = raw.get("proper_names", False)
            if not isinstance(proper_names, bool):
                self.report(
                    file, raw.line_of("proper_names"), "'proper_names' must be true or false"
                )
                proper_names = False
            setting_words = self.word_list(file, raw, "setting_words")
            setting_before = self.word_list(file, raw, "setting_before")
            if subject_id and title:
                subjects.append(
                    Subject(
                        subject_id,
                        title,
                        reply,
                        tuple(terms),
                        tuple(patterns),
                        tuple(questions),
                        suggest,
                        file,
                        raw.line,
                        tuple(question_lines),
                        proper_names,
                        tuple(setting_words),
                        tuple(setting_before),
                    )
                )
        return subjects

    def across_curator_data(
        self, entries: list[Entry], duties: list[Duty], subjects: list[Subject]
    ) -> None:
        """Ids unique within their file, and every entry id they point at exists."""
        known = {entry.id for entry in entries} | self.dropped_ids
        for items, what in ((duties, "duty"), (subjects, "subject")):
            seen: dict[str, int] = {}
            for item in items:
                if item.id in seen:
                    self.report(
                        item.file,
                        item.line,
                        f"duplicate {what} id '{item.id}' (line {seen[item.id]})",
                    )
                seen.setdefault(item.id, item.line)
        main_of: dict[str, str] = {}
        for duty in duties:
            if duty.topic not in known:
                self.report(
                    duty.file, duty.line, f"duty '{duty.id}' has unknown topic '{duty.topic}'"
                )
            if duty.main and duty.topic in main_of:
                self.report(
                    duty.file,
                    duty.line,
                    f"duty '{duty.id}' is the second 'main' duty of topic '{duty.topic}' "
                    f"(the first is '{main_of[duty.topic]}')",
                )
            if duty.main:
                main_of.setdefault(duty.topic, duty.id)
        for subject in subjects:
            if subject.suggest and subject.suggest not in known:
                self.report(
                    subject.file,
                    subject.line,
                    f"subject '{subject.id}' suggests unknown topic '{subject.suggest}'",
                )

    def unique_questions(self, *groups: list[Entry] | list[Duty] | list[Subject]) -> None:
        """A question belongs to one entry, duty or subject, after normalisation."""
        question_owner: dict[str, str] = {}
        for group in groups:
            for item in group:
                for question, line in zip(item.questions, item.question_lines, strict=True):
                    owner = question_owner.setdefault(self.normal_form(question), item.id)
                    if owner != item.id:
                        self.report(
                            item.file, line, f"question '{question}' is also under '{owner}'"
                        )

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
        for entry in entries:
            for related_id in entry.related:
                if related_id not in first_seen and related_id not in self.dropped_ids:
                    self.report(
                        entry.file, entry.line, f"'{entry.id}' relates to missing id '{related_id}'"
                    )
                elif related_id == entry.id:
                    self.report(entry.file, entry.line, f"'{entry.id}' lists itself as related")


def _present(path: Path) -> bool:
    """Whether there is anything at `path`: a FIFO or a dangling link is reported, not skipped."""
    return path.exists() or path.is_symlink()


def yaml_files(directory: Path) -> list[Path]:
    """Every `*.yaml` in the knowledge folder, in name order, hidden files left out.

    Editors leave hidden files beside the ones being edited (Emacs' `.#name.yaml` lock links);
    they are not knowledge.
    """
    return [
        path for path in sorted(Path(directory).glob("*.yaml")) if not path.name.startswith(".")
    ]


def knowledge_files(directory: Path) -> list[Path]:
    """The entry files, in load order: every YAML file but the special ones (sources, vocabulary,
    owners, not covered)."""
    return [path for path in yaml_files(directory) if path.name not in SPECIAL_FILES]


def read_knowledge(
    directory: Path, *, max_file_bytes: int = DEFAULT_KNOWLEDGE_MAX_FILE_BYTES
) -> tuple[KnowledgeBase, list[Problem]]:
    """The knowledge base at `directory` and every problem in it, in one pass.

    The knowledge base holds only the entries that validated; use it only when there are no
    problems, as `load_knowledge` does. Files over `max_file_bytes` are refused unread. Raises
    KnowledgeFolderMissing when `directory` is not a folder.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise KnowledgeFolderMissing(directory)
    checker = _Checker(directory, max_file_bytes)
    sources_path = directory / SOURCES_FILE
    if not _present(sources_path):
        checker.report(str(sources_path), 0, "missing: it lists the source articles entries cite")
        articles: dict[str, Article] = {}
    else:
        articles = checker.articles(sources_path)
    checker.sources_usable = bool(articles)
    vocabulary_path = directory / VOCABULARY_FILE
    if _present(vocabulary_path):
        checker.vocabulary = checker.vocabulary_file(vocabulary_path)
    entries: list[Entry] = []
    # Imported here: the conversation files refer back to this module's entries and checker.
    from bot.conversation.content import COMPANION_FILES, read_companions

    for path in knowledge_files(directory):
        if path.name not in COMPANION_FILES:
            entries.extend(checker.entries(path, articles))
    if not entries and not checker.problems:
        checker.report(str(directory), 0, "no entries found in any *.yaml file")
    owners_path, not_covered_path = directory / OWNERS_FILE, directory / NOT_COVERED_FILE
    duties = checker.duties(owners_path, articles) if _present(owners_path) else []
    subjects = checker.subjects(not_covered_path) if _present(not_covered_path) else []
    checker.across_entries(entries)
    checker.across_curator_data(entries, duties, subjects)
    checker.unique_questions(entries, duties, subjects)
    checker.pattern_words()
    knowledge = KnowledgeBase(
        tuple(_with_topic_list(entries)),
        articles,
        checker.vocabulary,
        tuple(duties),
        tuple(subjects),
        read_companions(directory, checker, entries, articles),
    )
    return knowledge, checker.problems


def _with_topic_list(entries: list[Entry]) -> list[Entry]:
    """Entries whose summary holds TOPICS_PLACEHOLDER get the list of every other topic."""
    titles = ", ".join(
        entry.title for entry in entries if TOPICS_PLACEHOLDER not in entry.answer.summary
    )
    return [
        replace(
            entry,
            answer=replace(
                entry.answer, summary=entry.answer.summary.replace(TOPICS_PLACEHOLDER, titles)
            ),
        )
        if TOPICS_PLACEHOLDER in entry.answer.summary
        else entry
        for entry in entries
    ]


def check_knowledge(
    directory: Path, *, max_file_bytes: int = DEFAULT_KNOWLEDGE_MAX_FILE_BYTES
) -> list[Problem]:
    """Every problem in the knowledge base at `directory` (empty when it is valid)."""
    return read_knowledge(directory, max_file_bytes=max_file_bytes)[1]


def load_knowledge(
    directory: Path, *, max_file_bytes: int = DEFAULT_KNOWLEDGE_MAX_FILE_BYTES
) -> KnowledgeBase:
    """Load the knowledge base at `directory`, or raise KnowledgeError naming every problem."""
    knowledge, problems = read_knowledge(directory, max_file_bytes=max_file_bytes)
    if problems:
        raise KnowledgeError(problems)
    return knowledge
