"""`csm-vs-pm report`: what people asked that the bot could not answer, and what they disliked.

`build_report` reads the question store for a period and returns a `Report`: the answer rate,
the most frequent unanswered questions (near-duplicates grouped with rapidfuzz), the answers with
the most "not helpful" votes, and the most asked topics. With `suggest`, each unanswered group
also names the entry it came closest to and the YAML line that would add it as a phrasing.
`render_text`, `render_json` and `render_csv` print it.

JSON keys: since, until (ISO 8601 UTC), database, asked, answered, answer_rate (0-1, null when
nothing was asked), unanswered_without_text (recorded with LOG_QUESTIONS=0), unanswered (list of
{example, count, phrasings, closest}; closest is null or {id, title, file, line, score, yaml}),
not_helpful (list of {id, title, not_helpful, helpful}: how many distinct people voted each
way on that entry's answers, so one person clicking 21 times counts once), topics (list of {id, title, count}),
quiz_missed (list of {id, question, missed, answered}: the tour quiz questions most often
answered wrong).

CSV columns: section, id, text, count, helpful, not_helpful, closest_id, closest_score,
closest_file. Sections: `summary` (id = asked, answered, answer_rate, unanswered_without_text;
the value in count), `unanswered` (text = example), `not_helpful`, `topic`, `quiz` (id = quiz
question id, text = question, count = answers, not_helpful = missed).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone

import yaml
from rapidfuzz import fuzz, process

from bot.curation.backends import SqlBackend, StoreError, timestamp, utc_now
from bot.curation.report_options import DEFAULT_LIMIT
from bot.knowledge import KnowledgeBase, KnowledgeError, load_knowledge
from bot.matcher import Matcher
from bot.settings import Settings

# token_sort_ratio at or above this puts two unanswered questions in one group.
GROUP_SIMILARITY = 85.0
# How many earlier groups one unanswered question is compared with, at most (see group_similar).
MAX_GROUP_CANDIDATES = 100
# The knowledge files indent an entry's questions by six spaces.
_QUESTION_INDENT = " " * 6
CSV_COLUMNS = (
    "section",
    "id",
    "text",
    "count",
    "helpful",
    "not_helpful",
    "closest_id",
    "closest_score",
    "closest_file",
)


@dataclass(frozen=True)
class Closest:
    """The entry an unanswered question came closest to, and the line that would add it there."""

    id: str
    title: str
    file: str
    line: int
    score: float
    yaml: str


@dataclass(frozen=True)
class UnansweredGroup:
    """Near-duplicate unanswered questions: the most frequent wording and how often all were asked."""

    example: str
    count: int
    phrasings: tuple[str, ...]
    closest: Closest | None = None


@dataclass(frozen=True)
class AnswerVotes:
    id: str
    title: str
    not_helpful: int
    helpful: int


@dataclass(frozen=True)
class TopicCount:
    id: str
    title: str
    count: int


@dataclass(frozen=True)
class QuizMiss:
    """A tour quiz question and how often it was answered wrong: what curators should explain."""

    id: str
    question: str
    missed: int
    answered: int


@dataclass(frozen=True)
class Report:
    """Everything `csm-vs-pm report` shows for one period."""

    database: str
    since: datetime
    until: datetime
    asked: int = 0
    answered: int = 0
    unanswered_without_text: int = 0
    unanswered: tuple[UnansweredGroup, ...] = ()
    not_helpful: tuple[AnswerVotes, ...] = ()
    topics: tuple[TopicCount, ...] = ()
    quiz_missed: tuple[QuizMiss, ...] = ()

    @property
    def answer_rate(self) -> float | None:
        return self.answered / self.asked if self.asked else None


def group_similar(
    counts: list[tuple[str, int]],
    threshold: float = GROUP_SIMILARITY,
    max_candidates: int = MAX_GROUP_CANDIDATES,
) -> list[UnansweredGroup]:
    """Group texts whose word-order-insensitive similarity reaches `threshold`, biggest first.

    Each text joins the group of the most similar earlier (more frequent) representative; the
    representative is the group's most frequent wording. Words are sorted once up front, so
    `fuzz.ratio` on them equals `token_sort_ratio` without re-sorting on every comparison.

    Bounded, not quadratic: a text is compared only with representatives that share a blocking
    token with it (a word's first or last three letters), rarest token first, until about
    `max_candidates` comparisons; each token remembers its first `max_candidates` groups, the
    most frequent ones. A text made only of very common tokens is thus compared with the most
    frequent groups that use them. Identical word sets join without any comparison.
    """
    ordered = sorted(counts, key=lambda item: (-item[1], item[0]))
    members: list[list[tuple[str, int]]] = []
    group_of_key: dict[str, int] = {}
    index = _TokenIndex(max_candidates)
    for text, count in ordered:
        words = text.split()
        key = " ".join(sorted(words))
        number = group_of_key.get(key)
        if number is None:
            tokens = _blocking_tokens(words)
            number = index.most_similar(key, tokens, threshold)
            if number is None:  # a new group, with this text as its representative
                number = group_of_key[key] = len(members)
                members.append([])
                index.add(number, key, tokens)
        members[number].append((text, count))
    groups = [
        UnansweredGroup(
            example=group[0][0],
            count=sum(count for _, count in group),
            phrasings=tuple(text for text, _ in group),
        )
        for group in members
    ]
    return sorted(groups, key=lambda group: (-group.count, group.example))


def _blocking_tokens(words: list[str]) -> set[str]:
    """What two similar texts almost surely share: each word's first and last three letters.

    A typo rarely hits both ends of a word, so "respnsibilities" still meets "responsibilities"
    through "res" and "ies", where whole words would not meet at all.
    """
    return {part for word in words for part in ("<" + word[:3], word[-3:] + ">")}


class _TokenIndex:
    """Group representatives by blocking token, each token's list capped: the candidates."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        # Parallel lists per token: representatives (sorted words) and their group numbers,
        # kept as ready-made lists so rapidfuzz scores a whole list in one call.
        self.keys: dict[str, list[str]] = {}
        self.groups: dict[str, list[int]] = {}

    def add(self, number: int, key: str, tokens: set[str]) -> None:
        for token in tokens:
            groups = self.groups.setdefault(token, [])
            if len(groups) < self.cap:
                groups.append(number)
                self.keys.setdefault(token, []).append(key)

    def most_similar(self, key: str, tokens: set[str], threshold: float) -> int | None:
        """The earliest of the most similar groups at or above `threshold`, or None."""
        best_score, best_group = threshold, None
        compared = 0
        for token in sorted(tokens, key=lambda token: len(self.groups.get(token, ()))):
            groups = self.groups.get(token)
            if not groups:
                continue
            found = process.extractOne(
                key, self.keys[token], scorer=fuzz.ratio, score_cutoff=best_score
            )
            # A tie goes to the earlier, more frequent group, as a scan of all groups would.
            if found is not None:
                group = groups[found[2]]
                if best_group is None or found[1] > best_score or group < best_group:
                    best_score, best_group = found[1], group
            compared += len(groups)
            if compared >= self.cap:
                break
        return best_group


def closest_entry(matcher: Matcher, question: str) -> Closest | None:
    """The entry `question` came closest to, with the YAML line to add it as a phrasing."""
    found = matcher.closest(question)
    if found is None:
        return None
    entry, score = found
    line = yaml.safe_dump([question], allow_unicode=True, width=10_000).strip()
    return Closest(entry.id, entry.title, entry.file, entry.line, score, _QUESTION_INDENT + line)


def build_report(
    backend: SqlBackend,
    period: timedelta,
    *,
    knowledge: KnowledgeBase | None = None,
    suggest: bool = False,
    limit: int = DEFAULT_LIMIT,
    now: datetime | None = None,
) -> Report:
    """Read the store for the `period` up to `now`; a database never written is an empty report.

    Raises StoreError, in one line, when the database cannot be read.
    """
    until = now or utc_now()
    since = until - period
    empty = Report(backend.where, since, until)
    try:
        if not backend.exists() or not backend.has_table("questions"):
            return empty
        return _read(backend, empty, knowledge, suggest, limit)
    except StoreError:
        raise
    except Exception as error:
        raise StoreError(
            f"cannot read the database at {backend.where}: {backend.describe(error)}"
        ) from None


def _read(
    backend: SqlBackend,
    empty: Report,
    knowledge: KnowledgeBase | None,
    suggest: bool,
    limit: int,
) -> Report:
    window = (timestamp(empty.since), timestamp(empty.until))
    in_window = "asked_at >= ? AND asked_at <= ?"
    ((asked, answered, without_text),) = backend.read(
        f"""SELECT count(*), count(entry_id),
            count(*) FILTER (WHERE entry_id IS NULL AND question IS NULL)
            FROM questions WHERE {in_window}""",
        window,
    )
    texts = backend.read(
        f"""SELECT question, count(*) FROM questions
            WHERE {in_window} AND entry_id IS NULL AND question IS NOT NULL AND question != ''
            GROUP BY question""",
        window,
    )
    # People, not clicks: one person voting on many answers of a topic counts once.
    not_helpful_voters = "count(DISTINCT f.voter) FILTER (WHERE f.helpful = 0)"
    votes = backend.read(
        f"""SELECT q.entry_id, {not_helpful_voters} AS bad,
            count(DISTINCT f.voter) FILTER (WHERE f.helpful = 1) AS good
            FROM feedback f JOIN questions q ON q.id = f.question_id
            WHERE f.given_at >= ? AND f.given_at <= ? AND q.entry_id IS NOT NULL
            GROUP BY q.entry_id HAVING {not_helpful_voters} > 0
            ORDER BY bad DESC, good ASC, q.entry_id LIMIT ?""",
        (*window, limit),
    )
    topics = backend.read(
        f"""SELECT entry_id, count(*) AS asked FROM questions
            WHERE {in_window} AND entry_id IS NOT NULL
            GROUP BY entry_id ORDER BY asked DESC, entry_id LIMIT ?""",
        (*window, limit),
    )

    def title(entry_id: str) -> str:
        entry = knowledge.get(entry_id) if knowledge else None
        return entry.title if entry else entry_id

    missed = "count(*) FILTER (WHERE correct = 0)"
    quiz = (
        backend.read(
            f"""SELECT question_id, {missed} AS missed, count(*) AS answered FROM quiz_answers
                WHERE answered_at >= ? AND answered_at <= ?
                GROUP BY question_id HAVING {missed} > 0
                ORDER BY missed DESC, answered DESC, question_id LIMIT ?""",
            (*window, limit),
        )
        if backend.has_table("quiz_answers")
        else []
    )
    tour = knowledge.companions.tour if knowledge and knowledge.companions else None

    def quiz_question(question_id: str) -> str:
        found = tour.question(question_id) if tour else None
        return found.question if found else question_id

    groups = group_similar(texts)[:limit]
    if suggest and knowledge is not None and knowledge.entries:
        matcher = Matcher(knowledge)
        groups = [
            UnansweredGroup(
                group.example, group.count, group.phrasings, closest_entry(matcher, group.example)
            )
            for group in groups
        ]
    return Report(
        database=empty.database,
        since=empty.since,
        until=empty.until,
        asked=asked,
        answered=answered,
        unanswered_without_text=without_text,
        unanswered=tuple(groups),
        not_helpful=tuple(AnswerVotes(i, title(i), bad, good) for i, bad, good in votes),
        topics=tuple(TopicCount(i, title(i), count) for i, count in topics),
        quiz_missed=tuple(QuizMiss(i, quiz_question(i), bad, n) for i, bad, n in quiz),
    )


# --- rendering --------------------------------------------------------------------------------


def _when(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def render_text(report: Report, *, suggest: bool = False) -> str:
    """The terminal report: short sections, most important first, each with counts."""
    period = f"{_when(report.since)} to {_when(report.until)}"
    if not report.asked:
        return "\n".join(
            [
                f"No questions recorded since {_when(report.since)} in {report.database}.\n"
                "Questions are recorded by the Slack bot and by `csm-vs-pm ask --log`; "
                "try a longer period with --since, e.g. --since 4w.",
                *_quiz_lines(report),
            ]
        )
    unanswered = report.asked - report.answered
    lines = [
        f"Questions asked {period}",
        "",
        f"Answer rate: {report.answer_rate:.0%} "
        f"({report.answered} of {report.asked} answered, {unanswered} unanswered)",
        "",
        "Most frequent unanswered questions (near-duplicates grouped):",
    ]
    for group in report.unanswered:
        lines.append(f"  {group.count:>4}  {group.example}")
        others = [text for text in group.phrasings[1:4] if text != group.example]
        if others:
            more = len(group.phrasings) - 1 - len(others)
            extra = f" and {more} more" if more > 0 else ""
            lines.append("        also asked as: " + "; ".join(others) + extra)
        if suggest and group.closest is None:
            lines.append("        closest entry: none shares a word with it (a new entry?)")
        if group.closest is not None:
            closest = group.closest
            lines.append(
                f"        closest entry: {closest.id} ({closest.title}), score {closest.score:g},"
                f" {closest.file}:{closest.line}"
            )
            lines.append("        if it should answer this, add under its questions:")
            lines.append(f"  {closest.yaml}")
    if not report.unanswered:
        lines.append("  (none with text)")
    if report.unanswered_without_text:
        lines.append(
            f"  {report.unanswered_without_text} unanswered question(s) were recorded without "
            "text (LOG_QUESTIONS=0)."
        )
    lines += ["", 'Answers with the most "not helpful" votes:']
    lines += [
        f"  {votes.not_helpful:>4} not helpful, {votes.helpful} helpful  {votes.id} ({votes.title})"
        for votes in report.not_helpful
    ] or ['  (no "not helpful" votes)']
    lines += ["", "Most asked topics:"]
    lines += [f"  {topic.count:>4}  {topic.id} ({topic.title})" for topic in report.topics] or [
        "  (none answered)"
    ]
    lines += _quiz_lines(report)
    if report.unanswered and not suggest:
        lines += [
            "",
            "Run with --suggest to see the entry each unanswered question came closest to.",
        ]
    elif suggest:
        lines += [
            "",
            "After editing knowledge/*.yaml, run `csm-vs-pm kb check`; the running bot reloads "
            "valid edits within seconds.",
        ]
    return "\n".join(lines)


def _quiz_lines(report: Report) -> list[str]:
    if not report.quiz_missed:
        return []
    return ["", "Most-missed quiz questions (explain these better):"] + [
        f"  {quiz.missed:>4} of {quiz.answered} wrong  {quiz.id} ({quiz.question})"
        for quiz in report.quiz_missed
    ]


def render_json(report: Report) -> str:
    """The report as one JSON object (keys documented in this module's docstring)."""
    document = {
        "since": report.since.isoformat(),
        "until": report.until.isoformat(),
        "database": report.database,
        "asked": report.asked,
        "answered": report.answered,
        "answer_rate": report.answer_rate,
        "unanswered_without_text": report.unanswered_without_text,
        "unanswered": [
            {**asdict(group), "phrasings": list(group.phrasings)} for group in report.unanswered
        ],
        "not_helpful": [asdict(votes) for votes in report.not_helpful],
        "topics": [asdict(topic) for topic in report.topics],
        "quiz_missed": [asdict(quiz) for quiz in report.quiz_missed],
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def render_csv(report: Report) -> str:
    """The report as CSV rows (columns documented in this module's docstring)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    summary = {
        "asked": report.asked,
        "answered": report.answered,
        "answer_rate": "" if report.answer_rate is None else round(report.answer_rate, 4),
        "unanswered_without_text": report.unanswered_without_text,
    }
    for key, value in summary.items():
        writer.writerow({"section": "summary", "id": key, "count": value})
    for group in report.unanswered:
        closest = group.closest
        writer.writerow(
            {
                "section": "unanswered",
                "text": group.example,
                "count": group.count,
                "closest_id": closest.id if closest else "",
                "closest_score": closest.score if closest else "",
                "closest_file": f"{closest.file}:{closest.line}" if closest else "",
            }
        )
    for votes in report.not_helpful:
        writer.writerow(
            {
                "section": "not_helpful",
                "id": votes.id,
                "text": votes.title,
                "helpful": votes.helpful,
                "not_helpful": votes.not_helpful,
            }
        )
    for topic in report.topics:
        writer.writerow(
            {"section": "topic", "id": topic.id, "text": topic.title, "count": topic.count}
        )
    for quiz in report.quiz_missed:
        writer.writerow(
            {
                "section": "quiz",
                "id": quiz.id,
                "text": quiz.question,
                "count": quiz.answered,
                "not_helpful": quiz.missed,
            }
        )
    return buffer.getvalue().rstrip("\n")


def render(report: Report, output_format: str, *, suggest: bool = False) -> str:
    """The report in `text`, `json` or `csv`."""
    if output_format == "json":
        return render_json(report)
    if output_format == "csv":
        return render_csv(report)
    return render_text(report, suggest=suggest)


def run(args: argparse.Namespace, settings: Settings) -> str:
    """`csm-vs-pm report`: the rendered report for the parsed options.

    Titles come from the knowledge base when it loads; `--suggest` needs it and so reports its
    problems (KnowledgeError) rather than guessing.
    """
    try:
        knowledge: KnowledgeBase | None = load_knowledge(
            settings.knowledge_dir, max_file_bytes=settings.knowledge_max_file_bytes
        )
    except KnowledgeError:
        if args.suggest:
            raise
        knowledge = None
    # Imported here: the command line reads this module for `report`'s options at every start.
    from bot.curation.store import open_backend

    backend = open_backend(settings)
    try:
        report = build_report(
            backend, args.since, knowledge=knowledge, suggest=args.suggest, limit=args.limit
        )
    finally:
        backend.close()
    return render(report, args.format, suggest=args.suggest)
