"""The question store: what is stored, what is never stored, and answers that never wait on it."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.answering import SURFACE_CLI, SURFACE_DM, AnswerService, Library
from bot.curation.store import QuestionStore, hash_user
from bot.knowledge import KnowledgeBase
from bot.matcher import Match

# Generous: a correctness check that nothing waits on the database, not a benchmark.
FAST = 0.05


def unanswered(text: str = "how do i expense a taxi") -> Match:
    return Match(text, text, None, 12.5)


def rows(path: Path, sql: str = "SELECT * FROM questions ORDER BY asked_at") -> list[sqlite3.Row]:
    connection = sqlite3.connect(path)
    connection.row_factory = sqlite3.Row
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def test_round_trip_of_questions_and_votes(store, db_path, small_kb: KnowledgeBase):
    renewals, onboarding = small_kb.get("renewals"), small_kb.get("onboarding")
    answered = Match("Who renews?", "who renews", renewals, 81.0, (onboarding,))
    first = store.record_question(answered, SURFACE_DM, "U123")
    second = store.record_question(unanswered(), SURFACE_CLI, None)
    store.record_feedback(first, False, "U123")
    store.record_feedback(first, True, "U123")  # the same voter changes their mind
    store.record_feedback(first, False, "U999")
    assert store.flush()

    stored = {row["id"]: row for row in rows(db_path)}
    assert set(stored) == {first, second}
    assert stored[first]["entry_id"] == "renewals"
    assert stored[first]["score"] == 81.0
    assert json.loads(stored[first]["suggestions"]) == ["onboarding"]
    assert stored[first]["question"] == "who renews"
    assert stored[first]["surface"] == SURFACE_DM
    assert stored[first]["user_hash"] == hash_user("test-salt", "U123")
    assert datetime.fromisoformat(stored[first]["asked_at"]).tzinfo == timezone.utc
    assert stored[second]["entry_id"] is None
    assert stored[second]["user_hash"] is None
    votes = rows(db_path, "SELECT voter, helpful FROM feedback ORDER BY helpful")
    assert [(vote["voter"], vote["helpful"]) for vote in votes] == [
        (hash_user("test-salt", "U999"), 0),
        (hash_user("test-salt", "U123"), 1),
    ]


def test_answer_service_records_through_the_store(store, db_path, small_kb):
    service = AnswerService(Library(small_kb), store)
    answered = service.ask("who owns contract renewals", SURFACE_CLI)
    assert answered.match.id == "renewals"
    assert answered.record_id
    assert store.flush()
    assert [row["id"] for row in rows(db_path)] == [answered.record_id]


def test_raw_user_id_never_reaches_the_database_files(db_path):
    raw = "U0RAWSLACKID42"
    with QuestionStore(db_path) as store:  # salt generated and kept in the database
        store.record_feedback(store.record_question(unanswered(), SURFACE_DM, raw), True, raw)
        assert store.flush()
        for file in db_path.parent.iterdir():
            assert raw.encode() not in file.read_bytes(), file
    with QuestionStore(db_path) as again:  # the stored salt is reused: same user, same hash
        again.record_question(unanswered(), SURFACE_DM, raw)
        assert again.flush()
    hashes = {row["user_hash"] for row in rows(db_path)}
    assert len(hashes) == 1
    assert raw not in hashes.pop()


def test_log_questions_off_stores_no_text(db_path, small_kb):
    with QuestionStore(db_path, log_questions=False, salt="s") as store:
        match = Match("Who renews, Alice?", "who renews alice", small_kb.get("renewals"), 70.0)
        store.record_question(match, SURFACE_DM, "U1")
        store.record_question(unanswered("my secret project name"), SURFACE_DM, "U1")
        assert store.flush()
    stored = rows(db_path)
    assert [row["question"] for row in stored] == [None, None]
    assert {row["entry_id"] for row in stored} == {"renewals", None}
    for file in db_path.parent.iterdir():
        assert b"secret project" not in file.read_bytes()


def test_old_records_are_pruned_on_open_and_periodically(db_path):
    now = datetime.now(timezone.utc)
    moment = [now - timedelta(days=101)]
    with QuestionStore(db_path, salt="s", retention_days=90, clock=lambda: moment[0]) as store:
        old = store.record_question(unanswered("old"), SURFACE_DM, None)
        store.record_feedback(old, False, None)
        assert store.flush()
    moment[0] = now - timedelta(days=10)
    with QuestionStore(db_path, salt="s", retention_days=90, clock=lambda: moment[0]) as store:
        kept = store.record_question(unanswered("recent"), SURFACE_DM, None)
        assert store.flush()
        assert [row["id"] for row in rows(db_path)] == [kept]  # the 91-day-old one went on open
        assert rows(db_path, "SELECT * FROM feedback") == []
    moment[0] = now + timedelta(days=85)  # the recent one is now 95 days old
    with QuestionStore(
        db_path, salt="s", retention_days=90, clock=lambda: moment[0], prune_every=0.0
    ) as store:
        store.record_question(unanswered("later"), SURFACE_DM, None)
        assert store.flush()
    assert [row["question"] for row in rows(db_path)] == ["later"]


def _write_each(store: QuestionStore, label: str, count: int) -> None:
    """One transaction per record, the most contention a writer can make."""
    for number in range(count):
        store.record_question(unanswered(f"{label} {number}"), SURFACE_DM, "U1")
        store.flush()


def _write_from_process(path: str, count: int, start: threading.Barrier) -> None:
    with QuestionStore(Path(path), salt="s") as store:
        assert store.flush()  # opened: now wait for everyone, then write at the same time
        start.wait(60)
        _write_each(store, "process", count)


def test_threads_and_processes_lose_no_record(db_path):
    threads, processes, each = 6, 3, 60
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(processes + 1)
    workers = [
        context.Process(target=_write_from_process, args=(str(db_path), each, start))
        for _ in range(processes)
    ]
    with QuestionStore(db_path, salt="s") as store:
        assert store.flush()
        for worker in workers:
            worker.start()
        pool = [
            threading.Thread(target=_write_each, args=(store, "thread", each))
            for _ in range(threads)
        ]
        start.wait(60)
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        for worker in workers:
            worker.join(60)
            assert worker.exitcode == 0
        assert store.flush()
    (count,) = rows(db_path, "SELECT count(*) FROM questions")[0]
    assert count == threads * each + processes * each


def test_locked_database_never_slows_an_answer(db_path, small_kb, store_log):
    with QuestionStore(db_path, salt="s", busy_timeout=0.2, queue_size=5) as store:
        assert store.flush()  # the database exists before someone else locks it
        locker = sqlite3.connect(db_path, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        try:
            service = AnswerService(Library(small_kb), store)
            slowest = 0.0
            ids = []
            for _ in range(20):  # more than the queue holds: the rest are dropped, not waited for
                started = time.perf_counter()
                ids.append(service.ask("who owns contract renewals", SURFACE_DM, "U1").record_id)
                slowest = max(slowest, time.perf_counter() - started)
            assert slowest < FAST
            assert ids[0] is not None and None in ids
            assert store.flush(timeout=10)
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        messages = [record.getMessage() for record in store_log.records]
        assert any("database is locked" in message for message in messages)
        assert sum("queue is full" in message for message in messages) == 1  # once, not per record
        assert all("\n" not in message for message in messages)

        after = store.record_question(unanswered("after the lock"), SURFACE_DM, None)
        assert store.flush()
    assert after in {row["id"] for row in rows(db_path)}


def _small_disk(path: str) -> sqlite3.Connection:
    """A real SQLite connection whose database may not grow past 16 pages: a full disk."""
    connection = sqlite3.connect(path, check_same_thread=False)
    connection.execute("PRAGMA max_page_count = 16")
    return connection


def test_full_disk_is_logged_not_raised(db_path, small_kb, store_log):
    big = "word " * 2000
    with QuestionStore(db_path, salt="s", connect=_small_disk) as store:
        slowest = 0.0
        for number in range(30):
            started = time.perf_counter()
            assert store.record_question(unanswered(f"{number} {big}"), SURFACE_DM, "U1")
            slowest = max(slowest, time.perf_counter() - started)
            assert store.flush()  # one transaction each, so the early ones fit
        assert slowest < FAST
    messages = [record.getMessage() for record in store_log.records]
    assert any("database or disk is full" in message for message in messages)
    (count,) = rows(db_path, "SELECT count(*) FROM questions")[0]
    assert 0 < count < 30


def test_closed_store_records_nothing_and_says_so(db_path, store_log):
    store = QuestionStore(db_path, salt="s")
    store.close()
    store.close()  # twice is harmless
    assert store.record_question(unanswered(), SURFACE_DM, None) is None
    assert any("store is closed" in record.getMessage() for record in store_log.records)


@pytest.mark.parametrize("user_id", ["", None])
def test_anonymous_users_have_no_hash(user_id):
    assert hash_user("salt", user_id) is None
