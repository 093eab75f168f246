"""The question store: every question and vote, in SQLite, written off the answer path.

`QuestionStore` implements `bot.answering.Recorder`. `record_question` only builds a row and puts
it on a bounded queue, so it returns at once with a pre-generated id even when the database is
locked or its disk is full; one writer thread drains the queue in batches, one transaction each.
A write that fails is logged (one line) and dropped, never raised; a full queue drops the new
record with a warning instead of blocking.

The database runs in WAL mode with a busy timeout, so threads of one process and several
processes sharing the file all get their rows in. Slack user ids are stored only as an HMAC
(SHA-256) under a salt that comes from `USER_HASH_SALT` or is generated once and kept in the
database's `meta` table. With `LOG_QUESTIONS=0` the question text is not stored at all. Rows
older than the retention period are pruned when the store opens and then once a day.

Schema (times are UTC, ISO 8601 with milliseconds, so they sort as text):

    questions(id, asked_at, surface, entry_id, score, suggestions, question, user_hash)
        entry_id NULL when the bot abstained; suggestions a JSON list of entry ids;
        question the normalised text, NULL when LOG_QUESTIONS=0
    feedback(question_id, voter, helpful, given_at)
        one vote per question and voter (a later click replaces it); voter is the user hash,
        '' when anonymous
    meta(key, value)
        schema_version, user_hash_salt
    state(key, value, expires_at)
        conversation state (bot.conversation.state): a JSON value per key until it expires;
        created on first use, read and written at once (not through the writer thread)
    quiz_answers(question_id, correct, user_hash, answered_at)
        one row per answer to a tour quiz question; created on first use
"""

from __future__ import annotations

import atexit
import hashlib
import hmac
import json
import logging
import queue
import secrets
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import NamedTuple

from bot.matcher import Match
from bot.settings import DEFAULT_RETENTION_DAYS, Settings

logger = logging.getLogger(__name__)

SCHEMA_VERSION = "1"
DEFAULT_BUSY_TIMEOUT = 5.0  # seconds a write waits for another writer before giving up
DEFAULT_QUEUE_SIZE = 10_000
DEFAULT_CLOSE_TIMEOUT = 5.0
PRUNE_EVERY = 24 * 3600.0
DROP_WARNING_EVERY = 10.0  # seconds between warnings about dropped records, so logs never flood
_BATCH_SIZE = 500
_IDLE_TICK = 1.0  # how often an idle writer wakes to see whether pruning is due
_SALT_KEY = "user_hash_salt"

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS questions (
        id TEXT PRIMARY KEY,
        asked_at TEXT NOT NULL,
        surface TEXT NOT NULL,
        entry_id TEXT,
        score REAL NOT NULL,
        suggestions TEXT NOT NULL DEFAULT '[]',
        question TEXT,
        user_hash TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS questions_asked_at ON questions (asked_at)",
    """CREATE TABLE IF NOT EXISTS feedback (
        question_id TEXT NOT NULL,
        voter TEXT NOT NULL,
        helpful INTEGER NOT NULL,
        given_at TEXT NOT NULL,
        PRIMARY KEY (question_id, voter)
    )""",
    "CREATE INDEX IF NOT EXISTS feedback_given_at ON feedback (given_at)",
)
_INSERT_QUESTION = "INSERT OR IGNORE INTO questions VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
_STATE_TABLE = """CREATE TABLE IF NOT EXISTS state (
    key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at TEXT NOT NULL)"""
_QUIZ_TABLE = """CREATE TABLE IF NOT EXISTS quiz_answers (
    question_id TEXT NOT NULL, correct INTEGER NOT NULL, user_hash TEXT, answered_at TEXT NOT NULL)"""
_UPSERT_STATE = """INSERT INTO state VALUES (?, ?, ?)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at"""
# Expired state rows are deleted every this many writes, so the table does not grow forever.
_STATE_SWEEP_EVERY = 200
_UPSERT_FEEDBACK = """INSERT INTO feedback VALUES (?, ?, ?, ?)
    ON CONFLICT (question_id, voter) DO UPDATE SET helpful = excluded.helpful,
    given_at = excluded.given_at"""

Connect = Callable[[str], sqlite3.Connection]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def timestamp(moment: datetime) -> str:
    """The stored form of a time: UTC, ISO 8601, milliseconds; sorts correctly as text."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def hash_user(salt: str, user_id: str | None) -> str | None:
    """The stored form of a Slack user id: an HMAC-SHA256 under the salt; None stays None."""
    if not user_id:
        return None
    return hmac.new(salt.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def _default_connect(path: str) -> sqlite3.Connection:
    return sqlite3.connect(path, check_same_thread=False)


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT: take the write lock up front (waiting up to the busy timeout)."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        if connection.in_transaction:  # SQLite may already have rolled back (disk full)
            connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def open_database(
    path: Path, busy_timeout: float = DEFAULT_BUSY_TIMEOUT, connect: Connect = _default_connect
) -> sqlite3.Connection:
    """Open (creating it and its folder if needed) the database, in WAL mode with the schema."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = connect(str(path))
    try:
        connection.isolation_level = None  # transactions are explicit, see `transaction`
        connection.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        with transaction(connection):
            for statement in _SCHEMA:
                connection.execute(statement)
            connection.execute(
                "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,)
            )
    except BaseException:
        connection.close()
        raise
    return connection


def prune(connection: sqlite3.Connection, retention_days: int, now: datetime) -> int:
    """Delete questions and votes older than the retention period; return how many went."""
    cutoff = timestamp(now - timedelta(days=retention_days))
    with transaction(connection):
        questions = connection.execute("DELETE FROM questions WHERE asked_at < ?", (cutoff,))
        votes = connection.execute("DELETE FROM feedback WHERE given_at < ?", (cutoff,))
        quiz = 0
        if has_table(connection, "quiz_answers"):
            quiz = connection.execute(
                "DELETE FROM quiz_answers WHERE answered_at < ?", (cutoff,)
            ).rowcount
    return questions.rowcount + votes.rowcount + quiz


def has_table(connection: sqlite3.Connection, name: str) -> bool:
    """Whether the database has this table (some are created on first use)."""
    found = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return found is not None


class _Question(NamedTuple):
    id: str
    asked_at: str
    surface: str
    entry_id: str | None
    score: float
    suggestions: str
    question: str | None
    user_id: str | None  # hashed by the writer, which holds the salt; never stored raw


class _Vote(NamedTuple):
    question_id: str
    helpful: bool
    given_at: str
    user_id: str | None


class _QuizAnswer(NamedTuple):
    question_id: str
    correct: bool
    answered_at: str
    user_id: str | None


class _Stop:
    """Tells the writer to finish the queue and exit."""


_STOP = _Stop()


class QuestionStore:
    """A `Recorder` backed by SQLite, written by one background thread. Never raises to callers."""

    def __init__(
        self,
        path: Path,
        *,
        log_questions: bool = True,
        retention_days: int = DEFAULT_RETENTION_DAYS,
        salt: str | None = None,
        connect: Connect = _default_connect,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        prune_every: float = PRUNE_EVERY,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.path = Path(path)
        self.log_questions = log_questions
        self.retention_days = retention_days
        self._salt = salt
        self._connect = connect
        self._busy_timeout = busy_timeout
        self._prune_every = prune_every
        self._clock = clock
        self._queue: queue.Queue[object] = queue.Queue(maxsize=queue_size)
        self._connection: sqlite3.Connection | None = None
        self._last_prune = float("-inf")
        self._closed = False
        self._drop_lock = threading.Lock()
        self._drops = 0
        self._last_drop_warning = float("-inf")
        self._state_lock = threading.Lock()
        self._state_connection: sqlite3.Connection | None = None
        self._state_writes = 0
        self._thread = threading.Thread(target=self._run, name="question-store", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    @classmethod
    def from_settings(cls, settings: Settings) -> QuestionStore:
        """A store as configured: database path, text logging, retention, salt."""
        return cls(
            settings.database_path,
            log_questions=settings.log_questions,
            retention_days=settings.retention_days,
            salt=settings.user_hash_salt,
        )

    # --- the answer path: build a row, queue it, return -------------------------------------

    def record_question(self, match: Match, surface: str, user_id: str | None) -> str | None:
        """Queue one question; return its id for feedback, or None if it could not be queued."""
        try:
            row = _Question(
                id=uuid.uuid4().hex,
                asked_at=timestamp(self._clock()),
                surface=surface,
                entry_id=match.id,
                score=float(match.score),
                suggestions=json.dumps([entry.id for entry in match.suggestions]),
                question=match.normalized if self.log_questions else None,
                user_id=user_id,
            )
        except Exception as error:  # a Recorder must never raise into an answer
            logger.warning("question store: could not record a question: %s", error)
            return None
        return row.id if self._offer(row) else None

    def record_feedback(self, record_id: str, helpful: bool, user_id: str | None) -> None:
        """Queue a helpful / not helpful vote; a voter's later vote on the same answer replaces it."""
        if record_id:
            self._offer(_Vote(record_id, bool(helpful), timestamp(self._clock()), user_id))

    def record_quiz_answer(self, question_id: str, correct: bool, user_id: str | None) -> None:
        """Queue one answer to a tour quiz question, for the report's most-missed questions."""
        self._offer(_QuizAnswer(question_id, bool(correct), timestamp(self._clock()), user_id))

    # --- conversation state: a small expiring key-value store, read and written at once -----

    def get_state(self, key: str) -> str | None:
        """The JSON stored under `key`, or None if absent, expired or unreadable (logged)."""
        try:
            with self._state_lock:
                row = (
                    self._state()
                    .execute(
                        "SELECT value FROM state WHERE key = ? AND expires_at > ?",
                        (key, timestamp(self._clock())),
                    )
                    .fetchone()
                )
        except Exception as error:  # state is a convenience: never fail an answer over it
            logger.warning("question store: could not read state from %s: %s", self.path, error)
            self._reset_state()
            return None
        return row[0] if row else None

    def put_state(self, key: str, value_json: str, ttl_seconds: float) -> None:
        """Keep `value_json` under `key` for `ttl_seconds`; a failure is logged, not raised."""
        now = self._clock()
        try:
            with self._state_lock:
                connection = self._state()
                with transaction(connection):
                    connection.execute(
                        _UPSERT_STATE,
                        (key, value_json, timestamp(now + timedelta(seconds=ttl_seconds))),
                    )
                    self._state_writes += 1
                    if self._state_writes % _STATE_SWEEP_EVERY == 0:
                        connection.execute(
                            "DELETE FROM state WHERE expires_at <= ?", (timestamp(now),)
                        )
        except Exception as error:
            logger.warning("question store: could not write state to %s: %s", self.path, error)
            self._reset_state()

    def _state(self) -> sqlite3.Connection:
        """The connection for state (callers hold `_state_lock`), opened on first use."""
        if self._state_connection is None:
            connection = open_database(self.path, self._busy_timeout, self._connect)
            try:
                connection.execute(_STATE_TABLE)
            except BaseException:
                connection.close()
                raise
            self._state_connection = connection
        return self._state_connection

    def _reset_state(self) -> None:
        with self._state_lock:
            if self._state_connection is not None:
                self._state_connection.close()
                self._state_connection = None

    def _offer(self, row: object) -> bool:
        if self._closed:
            self._dropped("the store is closed")
            return False
        try:
            self._queue.put_nowait(row)
        except queue.Full:
            self._dropped(f"the queue is full ({self._queue.maxsize})")
            return False
        return True

    def _dropped(self, reason: str) -> None:
        """Count a record not kept; warn at once, then at most every DROP_WARNING_EVERY seconds."""
        with self._drop_lock:
            self._drops += 1
            now = time.monotonic()
            if now - self._last_drop_warning < DROP_WARNING_EVERY:
                return
            count, self._drops, self._last_drop_warning = self._drops, 0, now
        logger.warning("question store: %s; %d record(s) dropped", reason, count)

    # --- lifecycle --------------------------------------------------------------------------

    def flush(self, timeout: float = DEFAULT_CLOSE_TIMEOUT) -> bool:
        """Wait until everything queued so far has been written (or failed); False on timeout."""
        if self._closed or not self._thread.is_alive():
            return False
        done = threading.Event()
        try:
            self._queue.put(done, timeout=timeout)
        except queue.Full:
            return False
        return done.wait(timeout)

    def close(self, timeout: float = DEFAULT_CLOSE_TIMEOUT) -> None:
        """Write what is queued and stop the writer, waiting at most `timeout` seconds."""
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self.close)
        deadline = time.monotonic() + timeout
        with suppress(queue.Full):
            self._queue.put(_STOP, timeout=timeout)
        self._thread.join(max(0.0, deadline - time.monotonic()))
        self._reset_state()
        if self._thread.is_alive():
            logger.warning(
                "question store: still writing after %.1fs; %d queued record(s) may be lost",
                timeout,
                self._queue.qsize(),
            )

    def __enter__(self) -> QuestionStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- the writer thread ------------------------------------------------------------------

    def _run(self) -> None:
        stopping = False
        while not stopping:
            try:
                first = self._queue.get(timeout=_IDLE_TICK)
            except queue.Empty:
                self._maybe_prune()
                continue
            batch = [first]
            while len(batch) < _BATCH_SIZE:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            rows = [item for item in batch if isinstance(item, (_Question, _Vote, _QuizAnswer))]
            if rows:
                self._write(rows)
            self._maybe_prune()
            for item in batch:
                if isinstance(item, threading.Event):
                    item.set()
            stopping = any(item is _STOP for item in batch)
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _open(self) -> sqlite3.Connection:
        if self._connection is None:
            connection = open_database(self.path, self._busy_timeout, self._connect)
            try:
                if self._salt is None:
                    with transaction(connection):
                        connection.execute(
                            "INSERT OR IGNORE INTO meta VALUES (?, ?)",
                            (_SALT_KEY, secrets.token_hex(16)),
                        )
                        (self._salt,) = connection.execute(
                            "SELECT value FROM meta WHERE key = ?", (_SALT_KEY,)
                        ).fetchone()
            except BaseException:
                connection.close()
                raise
            self._connection = connection
        return self._connection

    def _write(self, rows: list[object]) -> None:
        try:
            connection = self._open()
            salt = self._salt or ""
            questions = [
                (*row[:7], hash_user(salt, row.user_id))
                for row in rows
                if isinstance(row, _Question)
            ]
            votes = [
                (
                    row.question_id,
                    hash_user(salt, row.user_id) or "",
                    int(row.helpful),
                    row.given_at,
                )
                for row in rows
                if isinstance(row, _Vote)
            ]
            quiz = [
                (row.question_id, int(row.correct), hash_user(salt, row.user_id), row.answered_at)
                for row in rows
                if isinstance(row, _QuizAnswer)
            ]
            with transaction(connection):
                connection.executemany(_INSERT_QUESTION, questions)
                connection.executemany(_UPSERT_FEEDBACK, votes)
                if quiz:
                    connection.execute(_QUIZ_TABLE)
                    connection.executemany("INSERT INTO quiz_answers VALUES (?, ?, ?, ?)", quiz)
        except Exception as error:
            logger.warning(
                "question store: could not write %d record(s) to %s: %s",
                len(rows),
                self.path,
                error,
            )
            self._reset_after(error)

    def _maybe_prune(self) -> None:
        if time.monotonic() - self._last_prune < self._prune_every:
            return
        self._last_prune = time.monotonic()
        try:
            removed = prune(self._open(), self.retention_days, self._clock())
        except Exception as error:
            logger.warning("question store: could not prune %s: %s", self.path, error)
            self._reset_after(error)
            return
        if removed:
            logger.info(
                "question store: pruned %d record(s) older than %d days",
                removed,
                self.retention_days,
            )

    def _reset_after(self, error: Exception) -> None:
        """Drop a connection that may be unusable, so the next write reopens the database."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
