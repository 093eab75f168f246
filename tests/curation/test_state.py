"""Conversations and the quiz in the store: context and tour progress that outlive a process,
under keys that reveal no Slack id, and quiz answers for the report. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from bot.conversation.state import ConversationMemory
from bot.curation.backends import SqlBackend
from bot.curation.report import build_report, render_csv, render_json, render_text
from bot.curation.store import QuestionStore, hash_user
from bot.knowledge import load_knowledge
from bot.settings import default_knowledge_dir
from tests.curation.conftest import rows

START = datetime(2025, 3, 10, 12, 0, tzinfo=timezone.utc)


def test_context_and_tour_progress_outlive_the_process(
    new_backend: Callable[[], SqlBackend],
) -> None:
    with QuestionStore(new_backend(), salt="s") as store:
        memory = ConversationMemory(store, 600, store.key)
        memory.remember("dm:D0SECRET", "csm-skills")
        memory.save_tour_progress("U0SECRET", json.dumps({"position": 3, "answers": {}}))
    with QuestionStore(new_backend(), salt="s") as restarted:
        memory = ConversationMemory(restarted, 600, restarted.key)
        assert memory.last_entry("dm:D0SECRET") == "csm-skills"
        assert memory.last_entry("dm:D0OTHER") is None
        assert json.loads(memory.tour_progress("U0SECRET"))["position"] == 3
    stored = json.dumps(rows(new_backend, "SELECT key, value FROM state"))
    assert "D0SECRET" not in stored and "U0SECRET" not in stored


def test_quiz_answers_are_recorded_hashed_and_reported(
    new_backend: Callable[[], SqlBackend],
) -> None:
    knowledge = load_knowledge(default_knowledge_dir())
    with QuestionStore(new_backend(), salt="s", clock=lambda: START) as store:
        for correct in (False, False, True):
            store.record_quiz_answer("renewals", correct, "U123")
        store.record_quiz_answer("training", False, "U456")
        store.record_quiz_answer("proactive", True, "U456")
    stored = rows(new_backend, "SELECT question_id, correct, user_hash FROM quiz_answers")
    assert len(stored) == 5 and ("renewals", 0, hash_user("s", "U123")) in stored
    assert "U123" not in json.dumps(stored)
    backend = new_backend()
    try:
        report = build_report(backend, timedelta(days=7), knowledge=knowledge, now=START)
    finally:
        backend.close()
    assert [(quiz.id, quiz.missed, quiz.answered) for quiz in report.quiz_missed] == [
        ("renewals", 2, 3),
        ("training", 1, 1),
    ]  # "proactive" was never missed
    assert report.quiz_missed[0].question == knowledge.companions.tour.question("renewals").question
    assert "Most-missed quiz questions" in render_text(report)
    assert json.loads(render_json(report))["quiz_missed"][0]["id"] == "renewals"
    assert "quiz,renewals," in render_csv(report)


def test_a_report_without_quiz_answers_says_nothing_of_the_quiz(
    new_backend: Callable[[], SqlBackend], store: QuestionStore
) -> None:
    store.put_state("k", "1", 60)
    backend = new_backend()
    try:
        report = build_report(backend, timedelta(days=7))
    finally:
        backend.close()
    assert report.quiz_missed == ()
    assert json.loads(render_json(report))["quiz_missed"] == []
