"""The curators' report: grouping, votes, answer rate, periods, formats, suggestions."""

from __future__ import annotations

import csv
import io
import json
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from bot import cli
from bot.answering import SURFACE_DM, SURFACE_SLASH, AnswerService, Library
from bot.curation.backends import SqlBackend, StoreError
from bot.curation.backends.sqlite import SqliteBackend
from bot.curation.report import (
    build_report,
    group_similar,
    render_csv,
    render_json,
    render_text,
)
from bot.curation.report_options import parse_since
from bot.curation.store import QuestionStore
from bot.knowledge import KnowledgeBase

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=timezone.utc)
WEEK = timedelta(days=7)
UNANSWERED = [
    # a group of four, worded three ways, closest to onboarding
    "how do i kick off onboarding for a huge enterprise customer quickly",
    "how do I kick off onboarding for a huge enterprise customer quickly?",
    "how do i kick off onboarding for a huge enterprise customer fast",
    "quickly, how do i kick off onboarding for a huge enterprise customer",
    # a group of two, closest to renewals
    "who does the renewal paperwork for enterprise customers",
    "who does the renewal paperwork for enterprise customer",
    # on its own, close to nothing
    "lunch menu",
]


Backends = Callable[[], SqlBackend]


def record(
    new_backend: Backends,
    knowledge: KnowledgeBase,
    questions: list[str],
    when: datetime,
    *,
    log_questions: bool = True,
    votes: dict[str, list[bool]] | None = None,
) -> None:
    """Ask `questions` at time `when`; `votes` are cast on the first answer to each question."""
    with QuestionStore(
        new_backend(), salt="s", log_questions=log_questions, clock=lambda: when
    ) as store:
        service = AnswerService(Library(knowledge), store)
        for number, question in enumerate(questions):
            answered = service.ask(question, SURFACE_SLASH if number % 2 else SURFACE_DM, "U1")
            for voter, helpful in enumerate((votes or {}).pop(question, [])):
                store.record_feedback(answered.record_id, helpful, f"U{voter}")
        assert store.flush()


@pytest.fixture
def filled(new_backend: Backends, small_kb: KnowledgeBase) -> Backends:
    answered = ["who owns contract renewals"] * 3 + ["who onboards new customers"] * 2
    votes = {
        "who onboards new customers": [False, False, True],
        "who owns contract renewals": [False, True, True],
    }
    record(new_backend, small_kb, UNANSWERED + answered, NOW - timedelta(days=1), votes=votes)
    record(
        new_backend,
        small_kb,
        ["who renews the customer contract", "holiday policy"],
        NOW - timedelta(days=10),
    )
    return new_backend


def test_near_duplicates_are_grouped_under_their_most_frequent_wording():
    groups = group_similar(
        [
            ("what is the qbr template", 1),
            ("whats the qbr template", 3),
            ("the qbr template whats", 1),
            ("where is the qbr template", 1),  # 81: different enough to stand alone
            ("holiday policy", 2),
        ]
    )
    assert [(group.example, group.count) for group in groups] == [
        ("whats the qbr template", 5),
        ("holiday policy", 2),
        ("where is the qbr template", 1),
    ]
    assert groups[0].phrasings == (
        "whats the qbr template",
        "the qbr template whats",
        "what is the qbr template",
    )


def test_typos_in_every_word_still_group_among_many_other_questions():
    """Grouping is bounded (not every pair is compared), but near-duplicates still meet: each
    word's first or last three letters survive a typo."""
    rng = random.Random(3)
    variants = [
        ("csm responsibilities", 5),
        ("csm responsibilites", 2),
        ("cms responsibilities", 1),
        ("csmm respnsibilities", 1),
        ("cssm responsibilitis", 1),
    ]
    words = [f"w{number}" for number in range(300)]
    others = {" ".join(rng.sample(words, 4)): 1 for _ in range(5_000)}
    groups = group_similar(variants + sorted(others.items()))
    assert (groups[0].example, groups[0].count) == ("csm responsibilities", 10)
    assert set(groups[0].phrasings) == {text for text, _ in variants}


def test_grouping_50000_distinct_questions_is_not_quadratic():
    """Issue 10 row 12: all-pairs grouping took 146 s here; the bound keeps it to a few seconds
    (bench/curation.py measures the whole report)."""
    rng = random.Random(7)
    words = [f"word{number}" for number in range(60)]  # few, common words: the costly case
    texts: set[str] = set()
    while len(texts) < 50_000:
        texts.add(" ".join(rng.choices(words, k=rng.randint(3, 8))))
    started = time.perf_counter()
    groups = group_similar([(text, 1) for text in sorted(texts)])
    took = time.perf_counter() - started
    assert sum(group.count for group in groups) == 50_000
    assert took < 15, f"{took:.1f}s"


def test_report_counts_groups_votes_and_topics(filled, small_kb):
    report = build_report(filled(), WEEK, knowledge=small_kb, now=NOW)
    assert (report.asked, report.answered) == (12, 5)
    assert report.answer_rate == pytest.approx(5 / 12)
    assert [(group.example, group.count) for group in report.unanswered] == [
        (
            "how do i kick off onboarding for a huge enterprise customer quickly",
            4,
        ),  # normalised: "?" dropped
        ("who does the renewal paperwork for enterprise customer", 2),  # ties: alphabetical,
        ("lunch menu", 1),
    ]
    assert len(report.unanswered[0].phrasings) == 3
    assert [(v.id, v.not_helpful, v.helpful) for v in report.not_helpful] == [
        ("onboarding", 2, 1),
        ("renewals", 1, 2),
    ]
    assert report.not_helpful[0].title == "Onboarding"
    assert [(t.id, t.count) for t in report.topics] == [("renewals", 3), ("onboarding", 2)]


def test_since_filters_by_time(filled, small_kb):
    two_weeks = build_report(filled(), parse_since("2w"), knowledge=small_kb, now=NOW)
    assert (two_weeks.asked, two_weeks.answered) == (14, 6)
    assert "holiday policy" in {group.example for group in two_weeks.unanswered}
    hour = build_report(filled(), parse_since("30m"), knowledge=small_kb, now=NOW)
    assert hour.asked == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [("30m", timedelta(minutes=30)), ("24h", timedelta(hours=24)), ("7d", WEEK), ("2w", 2 * WEEK)],
)
def test_since_accepts_minutes_hours_days_weeks(text, expected):
    assert parse_since(text) == expected


@pytest.mark.parametrize("text", ["7", "d", "0d", "-1d", "3x", "1.5d"])
def test_since_refuses_anything_else(text, capsys):
    with pytest.raises(SystemExit):
        cli.main(["report", f"--since={text}"])
    assert "is not a period" in capsys.readouterr().err


def test_suggest_names_the_closest_entry_and_the_line_to_paste(filled, small_kb):
    report = build_report(filled(), WEEK, knowledge=small_kb, suggest=True, now=NOW)
    closest = {group.example: group.closest for group in report.unanswered}
    onboarding = closest["how do i kick off onboarding for a huge enterprise customer quickly"]
    assert onboarding.id == "onboarding"
    assert onboarding.file.endswith("topics.yaml") and onboarding.line > 0
    assert (
        onboarding.yaml
        == "      - how do i kick off onboarding for a huge enterprise customer quickly"
    )
    assert closest["who does the renewal paperwork for enterprise customer"].id == "renewals"
    assert closest["lunch menu"] is None
    text = render_text(report, suggest=True)
    assert "closest entry: onboarding (Onboarding)" in text
    assert "      - how do i kick off onboarding for a huge enterprise customer quickly" in text
    assert "none shares a word" in text


def test_json_and_csv_are_machine_readable(filled, small_kb):
    report = build_report(filled(), WEEK, knowledge=small_kb, suggest=True, now=NOW)
    document = json.loads(render_json(report))
    assert document["asked"] == 12 and document["answer_rate"] == pytest.approx(5 / 12)
    assert document["unanswered"][0]["closest"]["id"] == "onboarding"
    assert document["not_helpful"][0] == {
        "id": "onboarding",
        "title": "Onboarding",
        "not_helpful": 2,
        "helpful": 1,
    }
    assert document["topics"][0] == {"id": "renewals", "title": "Renewals", "count": 3}
    rows = list(csv.DictReader(io.StringIO(render_csv(report))))
    summary = {row["id"]: row["count"] for row in rows if row["section"] == "summary"}
    assert summary["asked"] == "12" and summary["answered"] == "5"
    unanswered = [row for row in rows if row["section"] == "unanswered"]
    assert unanswered[0]["closest_id"] == "onboarding" and unanswered[0]["count"] == "4"
    assert [row["id"] for row in rows if row["section"] == "not_helpful"] == [
        "onboarding",
        "renewals",
    ]


def test_text_without_question_text_still_counts(new_backend, small_kb):
    record(
        new_backend,
        small_kb,
        ["lunch menu", "who owns contract renewals"],
        NOW,
        log_questions=False,
    )
    report = build_report(new_backend(), WEEK, knowledge=small_kb, now=NOW + timedelta(minutes=1))
    assert (report.asked, report.answered, report.unanswered_without_text) == (2, 1, 1)
    assert report.unanswered == ()
    assert "1 unanswered question(s) were recorded without text" in render_text(report)


def test_cli_records_with_log_and_reports(tmp_path, kb_dir, monkeypatch, capsys):
    database = tmp_path / "nested" / "cli.sqlite3"
    monkeypatch.setenv("DATABASE_PATH", str(database))
    monkeypatch.setenv("KNOWLEDGE_DIR", str(kb_dir))
    assert cli.main(["report"]) == 0
    assert capsys.readouterr().out.startswith("No questions recorded since ")
    assert not database.exists()  # reading an empty report creates nothing

    assert cli.main(["ask", "who owns contract renewals"]) == 0  # without --log: not recorded
    assert cli.main(["ask", "--log", "who owns contract renewals"]) == 0
    assert cli.main(["ask", "--log", "lunch menu"]) == 0
    capsys.readouterr()
    assert cli.main(["report", "--since", "24h", "--suggest"]) == 0
    out = capsys.readouterr().out
    assert "Answer rate: 50% (1 of 2 answered, 1 unanswered)" in out
    assert "lunch menu" in out
    assert "renewals (Renewals)" in out
    assert cli.main(["report", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["asked"] == 2


def test_empty_database_reports_nothing_recorded(new_backend):
    QuestionStore(new_backend(), salt="s").close()  # created, with no rows
    report = build_report(new_backend(), WEEK)
    assert report.asked == 0 and report.answer_rate is None
    assert render_text(report).startswith("No questions recorded since")
    assert json.loads(render_json(report))["unanswered"] == []


def test_not_helpful_counts_people_not_clicks(new_backend, small_kb):
    with QuestionStore(new_backend(), salt="s", clock=lambda: NOW) as store:
        service = AnswerService(Library(small_kb), store)
        for _ in range(21):  # one person asks 21 times and votes "not helpful" on each answer
            answered = service.ask("who owns contract renewals", SURFACE_DM, "U1")
            store.record_feedback(answered.record_id, False, "U1")
        store.record_feedback(answered.record_id, False, "U2")
        store.record_feedback("f" * 32, False, "U3")  # an id never recorded: refused
        assert store.flush()
    report = build_report(new_backend(), WEEK, knowledge=small_kb, now=NOW + timedelta(minutes=1))
    assert [(v.id, v.not_helpful, v.helpful) for v in report.not_helpful] == [("renewals", 2, 0)]


def test_a_corrupt_database_is_one_line(tmp_path, kb_dir, monkeypatch, capsys):
    database = tmp_path / "corrupt.sqlite3"
    database.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="file is not a database") as raised:
        build_report(SqliteBackend(database), WEEK)
    assert str(database) in str(raised.value)
    monkeypatch.setenv("DATABASE_PATH", str(database))
    monkeypatch.setenv("KNOWLEDGE_DIR", str(kb_dir))
    assert cli.main(["report"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and str(database) in err
