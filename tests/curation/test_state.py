"""Conversation state in the question store: expiring keys that survive a restart, quiz answers."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.curation.report import build_report, render_csv, render_json, render_text
from bot.curation.store import QuestionStore, hash_user
from bot.knowledge import load_knowledge
from bot.settings import default_knowledge_dir

START = datetime(2025, 3, 10, 12, 0, tzinfo=timezone.utc)


def test_state_expires_and_survives_a_restart(db_path: Path) -> None:
    now = [START]
    with QuestionStore(db_path, salt="s", clock=lambda: now[0]) as store:
        assert store.get_state("context:dm:D1") is None
        store.put_state("context:dm:D1", '{"entry": "goals"}', 60)
        store.put_state("context:dm:D2", '{"entry": "training"}', 600)
        store.put_state("context:dm:D1", '{"entry": "csm-skills"}', 60)  # replaces
        assert store.get_state("context:dm:D1") == '{"entry": "csm-skills"}'
    now[0] += timedelta(seconds=61)
    with QuestionStore(db_path, salt="s", clock=lambda: now[0]) as reopened:
        assert reopened.get_state("context:dm:D1") is None  # expired
        assert reopened.get_state("context:dm:D2") == '{"entry": "training"}'


def test_an_unusable_database_is_logged_not_raised(tmp_path: Path, store_log) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with QuestionStore(blocker / "questions.sqlite3", salt="s") as store:
        store.put_state("k", "1", 60)
        assert store.get_state("k") is None
    assert "could not write state" in store_log.text and "could not read state" in store_log.text


def test_quiz_answers_are_recorded_hashed_and_reported(db_path: Path) -> None:
    knowledge = load_knowledge(default_knowledge_dir())
    with QuestionStore(db_path, salt="s", clock=lambda: START) as store:
        for correct in (False, False, True):
            store.record_quiz_answer("renewals", correct, "U123")
        store.record_quiz_answer("training", False, "U456")
        store.record_quiz_answer("proactive", True, "U456")
        store.flush()
    connection = sqlite3.connect(db_path)
    stored = connection.execute(
        "SELECT question_id, correct, user_hash FROM quiz_answers"
    ).fetchall()
    connection.close()
    assert len(stored) == 5 and ("renewals", 0, hash_user("s", "U123")) in stored
    assert "U123" not in json.dumps(stored)
    report = build_report(db_path, timedelta(days=7), knowledge=knowledge, now=START)
    assert [(quiz.id, quiz.missed, quiz.answered) for quiz in report.quiz_missed] == [
        ("renewals", 2, 3),
        ("training", 1, 1),
    ]  # "proactive" was never missed
    assert report.quiz_missed[0].question == knowledge.companions.tour.question("renewals").question
    assert "Most-missed quiz questions" in render_text(report)
    assert json.loads(render_json(report))["quiz_missed"][0]["id"] == "renewals"
    assert "quiz,renewals," in render_csv(report)


def test_a_report_without_quiz_answers_says_nothing_of_the_quiz(db_path: Path, store) -> None:
    store.put_state("k", "1", 60)
    report = build_report(db_path, timedelta(days=7))
    assert report.quiz_missed == ()
    assert json.loads(render_json(report))["quiz_missed"] == []
