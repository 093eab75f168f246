"""Where the bot keeps what it must not forget: one interface, SQLite or PostgreSQL behind it.

`SqlBackend` holds every query the bot runs; `SqliteBackend` (the embedded default, one file) and
`PostgresBackend` (`DATABASE_URL=postgresql://...`, for several replicas) only say how to
connect, how to run a transaction and which column types to use. All SQL is written once with
`?` placeholders and runs unchanged on both, so one test suite checks both.

Tables (schema version 2; `meta.schema_version` says which one a database has):

    meta(key, value)                            schema_version
    questions(id, asked_at, surface, entry_id, score, suggestions, question, user_hash)
    feedback(question_id, voter, helpful, given_at)   one vote per question and voter
    claims(key, expires_at)                     "done once": event ids, messages answered
    state(key, value, expires_at)               small JSON values by key, optionally expiring
    quiz_answers(question_id, correct, user_hash, answered_at)   one row per tour quiz answer

Times in `questions` / `feedback` are UTC ISO 8601 text (they sort as text); `expires_at` is
seconds since the epoch, NULL for never. `claims` may lose its rows in a PostgreSQL crash (an
unlogged table: a lost claim risks one duplicate reply, and it makes a claim cost well under a
millisecond); `state` is durable.

Every method raises on failure; `bot.curation.store.QuestionStore` decides what to retry, what
to log and what falls back to memory.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from datetime import datetime, timezone
from functools import cache
from typing import Any

SCHEMA_VERSION = 2
# Seconds an answer-path call (a claim, a state read) may wait for a connection or a lock.
FAST_TIMEOUT = 1.0
# Seconds the background writer waits for a lock before counting a failed attempt.
WRITER_TIMEOUT = 5.0
POOL_SIZE = 8

Row = Sequence[Any]


def utc_now() -> datetime:
    """The current time, in UTC."""
    return datetime.now(timezone.utc)


def timestamp(moment: datetime) -> str:
    """The stored form of a time: UTC, ISO 8601, milliseconds; sorts correctly as text."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


class StoreError(Exception):
    """The database cannot be used; the message is one line naming where it is and why."""


def _question_tables(real: str) -> tuple[str, ...]:
    return (
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        f"""CREATE TABLE IF NOT EXISTS questions (
            id TEXT PRIMARY KEY, asked_at TEXT NOT NULL, surface TEXT NOT NULL, entry_id TEXT,
            score {real} NOT NULL, suggestions TEXT NOT NULL DEFAULT '[]', question TEXT,
            user_hash TEXT)""",
        "CREATE INDEX IF NOT EXISTS questions_asked_at ON questions (asked_at)",
        """CREATE TABLE IF NOT EXISTS feedback (
            question_id TEXT NOT NULL, voter TEXT NOT NULL, helpful INTEGER NOT NULL,
            given_at TEXT NOT NULL, PRIMARY KEY (question_id, voter))""",
        "CREATE INDEX IF NOT EXISTS feedback_given_at ON feedback (given_at)",
        f"CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL, "
        f"expires_at {real})",
        # Added within schema version 2: creating it is the whole migration.
        """CREATE TABLE IF NOT EXISTS quiz_answers (
            question_id TEXT NOT NULL, correct INTEGER NOT NULL, user_hash TEXT,
            answered_at TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS quiz_answers_answered_at ON quiz_answers (answered_at)",
    )


def schema(real: str, claims_table: str) -> tuple[str, ...]:
    """The CREATE statements, with the engine's 8-byte float type and claims table kind."""
    return (
        *_question_tables(real),
        f"CREATE {claims_table} IF NOT EXISTS claims (key TEXT PRIMARY KEY, "
        f"expires_at {real} NOT NULL)",
    )


_INSERT_QUESTION = """INSERT INTO questions
    (id, asked_at, surface, entry_id, score, suggestions, question, user_hash)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"""
# A vote counts only for a question that was recorded: an unknown id is refused.
_UPSERT_VOTE = """INSERT INTO feedback (question_id, voter, helpful, given_at)
    SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM questions WHERE id = ?)
    ON CONFLICT (question_id, voter) DO UPDATE
    SET helpful = excluded.helpful, given_at = excluded.given_at"""
# Claimed when the key is new or its earlier claim has expired; one statement, so atomic.
_CLAIM = """INSERT INTO claims (key, expires_at) VALUES (?, ?)
    ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at
    WHERE claims.expires_at <= ? RETURNING key"""
_ADD_STATE = """INSERT INTO state (key, value, expires_at) VALUES (?, ?, ?)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
    WHERE state.expires_at IS NOT NULL AND state.expires_at <= ? RETURNING key"""
_PUT_STATE = """INSERT INTO state (key, value, expires_at) VALUES (?, ?, ?)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at"""
_GET_STATE = "SELECT value FROM state WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)"


class SqlBackend(ABC):
    """The bot's storage on a SQL database; subclasses supply connections and transactions.

    Answer-path calls (`claim`, the state methods, `ping`) borrow a connection from a small
    pool and give up after `FAST_TIMEOUT`; the background writer keeps a connection of its own.
    """

    #: "sqlite" or "postgresql", as /healthz and the logs name it
    kind: str = ""
    #: the column type of 8-byte floats
    real_type: str = "REAL"
    #: how `claims` is created ("TABLE", or "UNLOGGED TABLE" on PostgreSQL)
    claims_table: str = "TABLE"
    #: the engine's query parameter marker; queries here are written with `?`
    placeholder: str = "?"
    #: a query returning a row when the table named by its one parameter exists
    table_query: str = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"

    def __init__(self, pool_size: int = POOL_SIZE) -> None:
        self._pool_size = pool_size
        self._pool_lock = threading.Condition()
        self._idle: list[Any] = []  # connections free to borrow, most recently used last
        self._open = 0
        self._closed = False

    # --- what each engine supplies --------------------------------------------------------

    @property
    @abstractmethod
    def where(self) -> str:
        """Where the data lives, safe to print (a path, or a URL without its password)."""

    @abstractmethod
    def connect(self, timeout: float) -> Any:
        """A new DB-API connection whose waits for locks give up after `timeout` seconds."""

    @abstractmethod
    def transaction(self, connection: Any) -> AbstractContextManager[Any]:
        """Run the block as one transaction that takes the write lock up front."""

    @abstractmethod
    def transient(self, error: Exception) -> bool:
        """Whether a failed write is worth retrying (a lock, a lost connection, a full disk)."""

    @abstractmethod
    def describe(self, error: Exception) -> str:
        """`error` in one line, without anything secret."""

    def statement(self, connection: Any) -> AbstractContextManager[Any]:
        """A cursor for one statement that must run atomically (a claim, an insert unless
        present): a transaction, unless the engine runs a lone statement as one anyway."""
        return self.transaction(connection)

    def prepare(self, connection: Any) -> None:
        """Run once in the schema transaction, before the tables are created."""
        return None

    def create(self) -> None:
        """Make the place the database lives in, if the engine needs one (SQLite's file)."""
        return None

    def exists(self) -> bool:
        """Whether there may be data to read (a report on a database never written is empty)."""
        return True

    def user_hash_salt(self, connection: Any, configured: str | None) -> str:
        """The salt for hashing Slack user ids: the configured one; it never lives in the data."""
        if configured is None:
            raise StoreError(
                f"USER_HASH_SALT is missing: with the database at {self.where}, set it to the "
                "same long random secret on every replica (e.g. `openssl rand -hex 16`)"
            )
        return configured

    # --- the schema -----------------------------------------------------------------------

    def create_schema(self, connection: Any) -> None:
        """Create the tables if missing; refuse a database written by a newer version."""
        with self.transaction(connection) as cursor:
            self.prepare(cursor)
            for statement in schema(self.real_type, self.claims_table):
                cursor.execute(statement)
            cursor.execute(self._sql("SELECT value FROM meta WHERE key = ?"), ("schema_version",))
            found = cursor.fetchone()
            if found is not None and int(found[0]) > SCHEMA_VERSION:
                raise StoreError(
                    f"the database at {self.where} has schema version {found[0]}, newer than "
                    f"this bot's ({SCHEMA_VERSION}): upgrade the bot"
                )
            # Version 1 had no claims or state tables; creating them was the whole migration.
            cursor.execute(
                self._sql(
                    "INSERT INTO meta (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
                ),
                ("schema_version", str(SCHEMA_VERSION)),
            )

    # --- connections ----------------------------------------------------------------------

    @contextmanager
    def borrowed(self, timeout: float = FAST_TIMEOUT) -> Iterator[Any]:
        """A pooled connection for a short call; one that failed is closed, not returned."""
        connection = self._acquire(timeout)
        try:
            yield connection
        except BaseException:
            self._discard(connection)
            self._discard_idle()  # a restarted server broke them all: start afresh
            raise
        with self._pool_lock:
            if not self._closed:
                self._idle.append(connection)
                self._pool_lock.notify()
                return
        self._discard(connection)

    def _acquire(self, timeout: float) -> Any:
        deadline = time.monotonic() + timeout
        with self._pool_lock:
            while True:
                if self._closed:
                    raise StoreError(f"the database at {self.where} is closed")
                if self._idle:
                    return self._idle.pop()
                if self._open < self._pool_size:
                    self._open += 1
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    raise StoreError(f"every connection to {self.where} is busy")
                self._pool_lock.wait(left)
        try:
            return self.connect(timeout)
        except BaseException:
            self._forget_one()
            raise

    def _discard(self, connection: Any) -> None:
        with suppress(Exception):
            connection.close()
        self._forget_one()

    def _forget_one(self) -> None:
        with self._pool_lock:
            self._open -= 1
            self._pool_lock.notify()

    def close(self) -> None:
        """Close the pooled connections; later answer-path calls raise StoreError."""
        with self._pool_lock:
            self._closed = True
        self._discard_idle()

    def _discard_idle(self) -> None:
        with self._pool_lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            self._discard(connection)

    def _sql(self, sql: str) -> str:
        return _converted_sql(self.placeholder, sql)

    # --- the operations -------------------------------------------------------------------

    def write(self, connection: Any, questions: list[Row], votes: list[Row]) -> list[int]:
        """Store questions then votes in one transaction; return the positions in `votes` of
        those refused because their question id is not (yet) recorded."""
        refused = []
        with self.transaction(connection) as cursor:
            if questions:
                cursor.executemany(self._sql(_INSERT_QUESTION), questions)
            for position, vote in enumerate(votes):
                cursor.execute(self._sql(_UPSERT_VOTE), (*vote, vote[0]))
                if cursor.rowcount == 0:
                    refused.append(position)
        return refused

    def prune(self, connection: Any, cutoff: str, now: float) -> int:
        """Delete questions and votes older than `cutoff`, and expired claims and state."""
        with self.transaction(connection) as cursor:
            removed = 0
            for sql, value in (
                ("DELETE FROM questions WHERE asked_at < ?", cutoff),
                ("DELETE FROM feedback WHERE given_at < ?", cutoff),
                ("DELETE FROM quiz_answers WHERE answered_at < ?", cutoff),
            ):
                cursor.execute(self._sql(sql), (value,))
                removed += cursor.rowcount
            cursor.execute(self._sql("DELETE FROM claims WHERE expires_at <= ?"), (now,))
            cursor.execute(self._sql("DELETE FROM state WHERE expires_at <= ?"), (now,))
        return removed

    def claim(self, key: str, expires_at: float, now: float) -> bool:
        """Take `key` until `expires_at`; True only for the one caller that got it."""
        return self._returns_row(_CLAIM, (key, expires_at, now))

    def add_state(self, key: str, value: str, expires_at: float | None, now: float) -> bool:
        """Store `value` under `key` unless a live value is there; True if it was stored."""
        return self._returns_row(_ADD_STATE, (key, value, expires_at, now))

    def put_state(self, key: str, value: str, expires_at: float | None) -> None:
        """Store `value` under `key`, replacing what was there."""
        with self.borrowed() as connection, self.transaction(connection) as cursor:
            cursor.execute(self._sql(_PUT_STATE), (key, value, expires_at))

    def get_state(self, key: str, now: float) -> str | None:
        """The live value under `key`, or None."""
        rows = self.read(_GET_STATE, (key, now))
        return rows[0][0] if rows else None

    def record_quiz_answer(
        self, question_id: str, correct: bool, user_hash: str | None, answered_at: str
    ) -> None:
        """Store one answer to a tour quiz question."""
        with self.borrowed() as connection, self.transaction(connection) as cursor:
            cursor.execute(
                self._sql("INSERT INTO quiz_answers VALUES (?, ?, ?, ?)"),
                (question_id, int(correct), user_hash, answered_at),
            )

    def delete_state(self, key: str) -> None:
        """Forget `key`."""
        with self.borrowed() as connection, self.transaction(connection) as cursor:
            cursor.execute(self._sql("DELETE FROM state WHERE key = ?"), (key,))

    def has_table(self, name: str) -> bool:
        """Whether the table exists (a report reads nothing from a database never written)."""
        return bool(self.read(self.table_query, (name,)))

    def ping(self) -> None:
        """Raise unless the database answers a query."""
        self.read("SELECT count(*) FROM meta")

    def read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a read-only query (with `?` placeholders) and return its rows."""
        with self.borrowed() as connection:
            cursor = connection.cursor()
            try:
                cursor.execute(self._sql(sql), tuple(params))
                return [tuple(row) for row in cursor.fetchall()]
            finally:
                cursor.close()

    def _returns_row(self, sql: str, params: tuple[Any, ...]) -> bool:
        with self.borrowed() as connection, self.statement(connection) as cursor:
            cursor.execute(self._sql(sql), params)
            return bool(cursor.fetchall())


@cache
def _converted_sql(placeholder: str, sql: str) -> str:
    return sql.replace("?", placeholder)
