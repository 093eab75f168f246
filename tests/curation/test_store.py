"""The store on both backends: what is stored, what is never stored, what is done once, and
answers that never wait on the database. Tests taking `store` or `new_backend` run twice: on
SQLite and on a throwaway PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import psycopg
import pytest

from bot.answering import SURFACE_CLI, SURFACE_DM, AnswerService, Library
from bot.curation.backends import SCHEMA_VERSION, SqlBackend, StoreError
from bot.curation.backends.sqlite import SqliteBackend
from bot.curation.store import QuestionStore, hash_user
from bot.knowledge import KnowledgeBase
from bot.matcher import Match
from tests.curation.conftest import rows

# Generous: a correctness check that nothing waits on the database, not a benchmark.
FAST = 0.05
Backends = Callable[[], SqlBackend]


def unanswered(text: str = "how do i expense a taxi") -> Match:
    return Match(text, text, None, 12.5)


@contextmanager
def locked(new_backend: Backends, seconds: float | None = None) -> Iterator[None]:
    """Another client holds the write lock (of every table the bot writes) until the block ends
    or, with `seconds`, until that long has passed."""
    backend = new_backend()
    if isinstance(backend, SqliteBackend):
        connection = sqlite3.connect(backend.path, isolation_level=None, check_same_thread=False)
        connection.execute("BEGIN EXCLUSIVE")
    else:
        connection = psycopg.connect(backend.url, autocommit=True)
        connection.execute("BEGIN")
        connection.execute("LOCK TABLE questions, feedback, claims, state IN EXCLUSIVE MODE")
    release = threading.Timer(seconds or 0, connection.rollback)
    if seconds:
        release.start()
    try:
        yield
    finally:
        release.join() if seconds else connection.rollback()
        connection.close()


def test_round_trip_of_questions_and_votes(store, new_backend, small_kb: KnowledgeBase):
    renewals, onboarding = small_kb.get("renewals"), small_kb.get("onboarding")
    answered = Match("Who renews?", "who renews", renewals, 81.0, (onboarding,))
    first = store.record_question(answered, SURFACE_DM, "U123")
    second = store.record_question(unanswered(), SURFACE_CLI, None)
    store.record_feedback(first, False, "U123")
    store.record_feedback(first, True, "U123")  # the same voter changes their mind
    store.record_feedback(first, False, "U999")
    assert store.flush()

    columns = "id, asked_at, surface, entry_id, score, suggestions, question, user_hash"
    stored = {row[0]: row for row in rows(new_backend, f"SELECT {columns} FROM questions")}
    assert set(stored) == {first, second}
    _, asked_at, surface, entry_id, score, suggestions, question, user_hash = stored[first]
    assert (surface, entry_id, score, question) == (SURFACE_DM, "renewals", 81.0, "who renews")
    assert json.loads(suggestions) == ["onboarding"]
    assert user_hash == hash_user("test-salt", "U123")
    assert datetime.fromisoformat(asked_at).tzinfo == timezone.utc
    assert stored[second][3] is None and stored[second][7] is None
    votes = rows(new_backend, "SELECT voter, helpful FROM feedback ORDER BY helpful")
    assert votes == [(hash_user("test-salt", "U999"), 0), (hash_user("test-salt", "U123"), 1)]


def test_answer_service_records_through_the_store(store, new_backend, small_kb):
    service = AnswerService(Library(small_kb), store)
    answered = service.ask("who owns contract renewals", SURFACE_CLI)
    assert answered.match.id == "renewals"
    assert answered.record_id
    assert store.flush()
    assert rows(new_backend, "SELECT id FROM questions") == [(answered.record_id,)]


def test_votes_on_unknown_record_ids_are_refused(new_backend, store_log):
    with QuestionStore(new_backend(), salt="s", vote_patience=0) as store:
        store.record_feedback("0" * 32, False, "U1")
        store.record_feedback("not-an-id", False, "U2")
        known = store.record_question(unanswered(), SURFACE_DM, "U3")
        store.record_feedback(known, False, "U3")
        assert store.flush()
        assert rows(new_backend, "SELECT question_id FROM feedback") == [(known,)]
    refusals = [r.getMessage() for r in store_log.records if "refused" in r.getMessage()]
    assert len(refusals) == 1 and "(2 in the last 10s)" in refusals[0]


def test_a_vote_that_arrives_before_its_question_waits_for_it(new_backend):
    # Another replica recorded the question, but its writer is behind: the vote comes first.
    question_id = uuid.uuid4().hex
    with QuestionStore(new_backend(), salt="s", vote_patience=30) as store:
        store.record_feedback(question_id, False, "U1")
        assert store.flush()
        assert rows(new_backend, "SELECT * FROM feedback") == []
        other = new_backend()
        with other.borrowed() as connection:
            row = (question_id, "2026-01-01T00:00:00.000+00:00", "dm", "renewals", 80.0, "[]", None, None)  # fmt: skip
            other.write(connection, [row], [])
        other.close()
        deadline = time.monotonic() + 5
        while not rows(new_backend, "SELECT * FROM feedback") and time.monotonic() < deadline:
            time.sleep(0.1)
    assert rows(new_backend, "SELECT question_id, helpful FROM feedback") == [(question_id, 0)]


def test_log_questions_off_stores_no_text(new_backend, small_kb):
    with QuestionStore(new_backend(), log_questions=False, salt="s") as store:
        match = Match("Who renews, Alice?", "who renews alice", small_kb.get("renewals"), 70.0)
        store.record_question(match, SURFACE_DM, "U1")
        store.record_question(unanswered("my secret project name"), SURFACE_DM, "U1")
        assert store.flush()
    stored = rows(new_backend, "SELECT question, entry_id FROM questions")
    assert sorted(stored, key=str) == sorted([(None, "renewals"), (None, None)], key=str)


def test_old_records_are_pruned_on_open_and_periodically(new_backend):
    now = datetime.now(timezone.utc)
    moment = [now - timedelta(days=101)]

    def opened(**options: float) -> QuestionStore:
        return QuestionStore(
            new_backend(), salt="s", retention_days=90, clock=lambda: moment[0], **options
        )

    with opened() as store:
        old = store.record_question(unanswered("old"), SURFACE_DM, None)
        store.record_feedback(old, False, None)
        assert store.flush()
    moment[0] = now - timedelta(days=10)
    with opened() as store:
        kept = store.record_question(unanswered("recent"), SURFACE_DM, None)
        assert store.flush()
        assert rows(new_backend, "SELECT id FROM questions") == [(kept,)]  # 91 days old went
        assert rows(new_backend, "SELECT * FROM feedback") == []
    moment[0] = now + timedelta(days=85)  # the recent one is now 95 days old
    with opened(prune_every=0.0) as store:
        store.record_question(unanswered("later"), SURFACE_DM, None)
        assert store.flush()
    assert rows(new_backend, "SELECT question FROM questions") == [("later",)]


def test_a_claim_is_won_once_across_threads_and_replicas(new_backend):
    with (
        QuestionStore(new_backend(), salt="s") as first,
        QuestionStore(new_backend(), salt="s") as second,
        ThreadPoolExecutor(16) as pool,
    ):
        for round_ in range(5):
            key = f"event:Ev{round_}"
            stores = [first, second] * 10
            results = list(pool.map(lambda store, key=key: store.claim(key, 60), stores))
            assert results.count(True) == 1 and results.count(False) == 19
        assert first.claim("event:short", 0.2) is True
        assert second.claim("event:short", 60) is False
        time.sleep(0.3)  # the first claim expired: the key may be claimed again
        assert second.claim("event:short", 60) is True


def test_state_is_shared_and_expires(new_backend):
    with (
        QuestionStore(new_backend(), salt="s") as first,
        QuestionStore(new_backend(), salt="s") as second,
    ):
        key = first.key("tour", "U123")
        assert "U123" not in key and key == second.key("tour", "U123")
        assert first.get_state(key) is None
        assert first.put_state(key, json.dumps({"step": 1}))
        assert json.loads(second.get_state(key)) == {"step": 1}
        assert second.put_state(key, json.dumps({"step": 2}), ttl=0.2)
        assert json.loads(first.get_state(key)) == {"step": 2}
        time.sleep(0.3)
        assert first.get_state(key) is None  # expired
        assert first.add_state(key, '"mine"') is True  # an expired value does not block
        assert second.add_state(key, '"theirs"') is False
        assert second.get_state(key) == '"mine"'
        assert second.delete_state(key)
        assert first.get_state(key) is None


def test_a_locked_database_slows_no_answer_and_loses_no_record(new_backend, small_kb, store_log):
    with QuestionStore(new_backend(), salt="s", writer_timeout=0.2) as store:
        service = AnswerService(Library(small_kb), store)
        ids, slowest = [], 0.0
        with locked(new_backend, seconds=1.5):
            for number in range(30):
                started = time.perf_counter()
                ids.append(service.ask(f"who owns renewals {number}", SURFACE_DM, "U1").record_id)
                slowest = max(slowest, time.perf_counter() - started)
                time.sleep(0.02)
            assert not store.flush(timeout=0.3)  # not written yet: the lock is still held
            assert store.health()["ok"] is False
        assert slowest < FAST
        assert store.flush(timeout=10)
        assert store.health()["ok"] is True
    stored = {row[0] for row in rows(new_backend, "SELECT id FROM questions")}
    assert stored == set(ids)
    failures = [r.getMessage() for r in store_log.records if "could not write" in r.getMessage()]
    assert len(failures) == 1, failures  # once, not once per attempt
    assert all("\n" not in message for message in failures)


def test_answer_path_calls_give_up_quickly_when_the_database_is_stuck(new_backend):
    with QuestionStore(new_backend(), salt="s") as store, locked(new_backend):
        started = time.perf_counter()
        assert store.claim("event:stuck", 60) is None  # waits at most about a second
        assert time.perf_counter() - started < 2.5
        started = time.perf_counter()
        assert store.claim("event:stuck2", 60) is None  # the next ones do not wait at all
        assert store.put_state("k", "1") is False
        assert time.perf_counter() - started < FAST


def test_health_reports_the_database(store):
    health = store.health()
    assert health["ok"] is True and health["reachable"] is True
    assert health["backend"] in {"sqlite", "postgresql"}
    assert "password" not in json.dumps(health)


def test_schema_version_is_recorded_and_a_newer_one_refused(store, new_backend):
    version = rows(new_backend, "SELECT value FROM meta WHERE key = 'schema_version'")
    assert version == [(str(SCHEMA_VERSION),)]
    store.close()
    backend = new_backend()
    with backend.borrowed() as connection, backend.transaction(connection) as cursor:
        cursor.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    backend.close()
    with pytest.raises(StoreError, match="schema version 99"):
        QuestionStore(new_backend(), salt="s")


def test_closed_store_records_nothing_and_says_so(new_backend, store_log):
    store = QuestionStore(new_backend(), salt="s")
    store.close()
    store.close()  # twice is harmless
    assert store.record_question(unanswered(), SURFACE_DM, None) is None
    assert any("closed" in record.getMessage() for record in store_log.records)


@pytest.mark.parametrize("user_id", ["", None])
def test_anonymous_users_have_no_hash(user_id):
    assert hash_user("salt", user_id) is None
