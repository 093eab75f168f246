"""What only the SQLite file has: its modes, the salt kept beside it, version 1 files, several
processes on one file, a full disk, and files that cannot be used."""

from __future__ import annotations

import multiprocessing
import sqlite3
import stat
import threading
import time
from pathlib import Path

import pytest

from bot.answering import SURFACE_DM
from bot.curation.backends import SCHEMA_VERSION, StoreError
from bot.curation.backends.sqlite import SqliteBackend
from bot.curation.store import QuestionStore, hash_user
from bot.matcher import Match

FAST = 0.05


def unanswered(text: str = "how do i expense a taxi") -> Match:
    return Match(text, text, None, 12.5)


def count(path: Path, sql: str = "SELECT count(*) FROM questions") -> int:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql).fetchone()[0]
    finally:
        connection.close()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_files_are_private_and_the_salt_lives_apart(db_path):
    raw = "U0RAWSLACKID42"
    with QuestionStore(SqliteBackend(db_path)) as store:  # no USER_HASH_SALT: a file beside
        store.record_feedback(store.record_question(unanswered(), SURFACE_DM, raw), True, raw)
        assert store.flush()
        for file in db_path.parent.iterdir():
            assert raw.encode() not in file.read_bytes(), file
            assert mode(file) == 0o600, file
    assert mode(db_path.parent) == 0o700
    salt_file = db_path.parent / "questions.sqlite3.salt"
    salt = salt_file.read_text().strip()
    assert len(salt) >= 32
    assert salt.encode() not in db_path.read_bytes()  # never in the same file as the hashes
    with QuestionStore(SqliteBackend(db_path)) as again:  # the same salt: the same hash
        again.record_question(unanswered(), SURFACE_DM, raw)
        assert again.flush()
    assert count(db_path, "SELECT count(DISTINCT user_hash) FROM questions") == 1
    expected = hash_user(salt, raw)
    assert count(db_path, f"SELECT count(*) FROM questions WHERE user_hash = '{expected}'") == 2


def test_files_left_readable_by_others_are_tightened(db_path):
    QuestionStore(SqliteBackend(db_path), salt="s").close()
    db_path.chmod(0o644)
    QuestionStore(SqliteBackend(db_path), salt="s").close()
    assert mode(db_path) == 0o600


def test_a_version_1_database_moves_its_salt_out(db_path):
    db_path.parent.mkdir(parents=True)
    old = sqlite3.connect(db_path)
    old.executescript(
        """CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta VALUES ('schema_version', '1'), ('user_hash_salt', 'legacy-salt');
        CREATE TABLE questions (id TEXT PRIMARY KEY, asked_at TEXT NOT NULL,
            surface TEXT NOT NULL, entry_id TEXT, score REAL NOT NULL,
            suggestions TEXT NOT NULL DEFAULT '[]', question TEXT, user_hash TEXT);"""
    )
    old.close()
    with QuestionStore(SqliteBackend(db_path)) as store:
        store.record_question(unanswered(), SURFACE_DM, "U1")
        assert store.flush()
    assert (db_path.parent / "questions.sqlite3.salt").read_text() == "legacy-salt"
    assert count(db_path, "SELECT count(*) FROM meta WHERE key = 'user_hash_salt'") == 0
    assert count(db_path, "SELECT value FROM meta WHERE key = 'schema_version'") == str(
        SCHEMA_VERSION
    )
    with sqlite3.connect(db_path) as check:
        (stored,) = check.execute("SELECT user_hash FROM questions").fetchone()
    assert stored == hash_user("legacy-salt", "U1")  # old and new hashes still match


def _read_only(path: str) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)


def test_unusable_databases_stop_the_start_in_one_line(tmp_path, db_path):
    QuestionStore(SqliteBackend(db_path), salt="s").close()
    with pytest.raises(StoreError, match="readonly") as read_only:
        QuestionStore(SqliteBackend(db_path, connect=_read_only), salt="s")
    corrupt = tmp_path / "corrupt.sqlite3"
    corrupt.write_bytes(b"not a database" * 1000)
    with pytest.raises(StoreError, match="file is not a database") as broken:
        QuestionStore(SqliteBackend(corrupt), salt="s")
    nowhere = Path("/proc/csm-vs-pm/questions.sqlite3")  # a folder nobody, root included, can make
    with pytest.raises(StoreError, match="cannot create") as unwritable:
        QuestionStore(SqliteBackend(nowhere), salt="s")
    for error, path in ((read_only, db_path), (broken, corrupt), (unwritable, nowhere)):
        message = str(error.value)
        assert str(path) in message and "\n" not in message


def _write_each(store: QuestionStore, label: str, count: int) -> None:
    """One transaction per record, the most contention a writer can make."""
    for number in range(count):
        store.record_question(unanswered(f"{label} {number}"), SURFACE_DM, "U1")
        store.flush()


def _write_from_process(path: str, count: int, start: threading.Barrier) -> None:
    with QuestionStore(SqliteBackend(Path(path)), salt="s") as store:
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
    with QuestionStore(SqliteBackend(db_path), salt="s") as store:
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
    assert count(db_path) == threads * each + processes * each


def _small_disk(path: str) -> sqlite3.Connection:
    """A real SQLite connection whose database may not grow past 32 pages: a full disk."""
    connection = sqlite3.connect(path, check_same_thread=False)
    connection.execute("PRAGMA max_page_count = 32")
    return connection


def test_a_full_disk_is_retried_and_logged_with_a_count(db_path, store_log):
    big = "word " * 2000
    store = QuestionStore(SqliteBackend(db_path, connect=_small_disk), salt="s")
    try:
        slowest = 0.0
        for number in range(30):
            started = time.perf_counter()
            assert store.record_question(unanswered(f"{number} {big}"), SURFACE_DM, "U1")
            slowest = max(slowest, time.perf_counter() - started)
            store.flush(timeout=0.1)  # one transaction each, so the early ones fit
        assert slowest < FAST
        health = store.health()
        assert health["ok"] is False and "full" in health["error"]
        assert health["waiting"] > 0
    finally:
        store.close(timeout=1.0)
    messages = [record.getMessage() for record in store_log.records]
    failures = [message for message in messages if "database or disk is full" in message]
    assert len(failures) == 1, failures  # at most one line per 10 s, with a count
    assert "in the last 10s" in failures[0]
    assert any("not written" in message for message in messages)  # said so at the end
    assert 0 < count(db_path) < 30


def test_an_empty_salt_file_is_refused(db_path):
    QuestionStore(SqliteBackend(db_path)).close()
    (db_path.parent / "questions.sqlite3.salt").write_text("")
    with pytest.raises(StoreError, match=r"salt file .* is empty"):
        QuestionStore(SqliteBackend(db_path))
