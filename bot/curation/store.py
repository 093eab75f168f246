"""The store: every question and vote, what was done once, and small state, off the answer path.

`QuestionStore` implements `bot.answering.Recorder` on a `SqlBackend` (SQLite by default,
PostgreSQL with `DATABASE_URL`). `record_question` only builds a row and puts it on a bounded
queue, so it returns at once with a pre-generated id even when the database is locked, slow or
down. One writer thread drains the queue in batches, one transaction each. A write that fails
for a reason that may clear (a lock, a lost connection, a full disk) is kept and retried with a
growing pause, so nothing is lost while the database is busy; failures are logged at most every
`WARNING_EVERY` seconds, with a count. A full queue drops the new record, counted the same way.
`close` writes what is queued, retrying until its deadline. A vote on a question id the database
does not hold is retried for `VOTE_PATIENCE` seconds (another replica may not have written the
question yet), then refused and counted.

Opening the store checks the database for real (creates the schema, writes its version): a
database that cannot be used stops the start with one line (`StoreError`).

For the Slack layer, `claim` ("has anyone done this yet?") and the state methods (`get_state`,
`put_state`, `add_state`, `delete_state`: small JSON values by key, optionally expiring) answer
within about a millisecond, shared by every process on the same database. When the database
cannot answer they return None / False at once (and stop asking it for `RETRY_AFTER` seconds),
so callers can fall back instead of waiting.

Privacy: Slack user ids are stored only as an HMAC (SHA-256) under a salt that never lives in the
database (`USER_HASH_SALT`, else a 0600 file beside the SQLite file); `key` hashes any id that
goes into a claim or a state key the same way. With `LOG_QUESTIONS=0` no question text is stored.
Rows older than the retention period are pruned when the store opens and then once a day.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol

from bot.curation.backends import WRITER_TIMEOUT, SqlBackend, StoreError, timestamp, utc_now
from bot.matcher import Match
from bot.settings import DEFAULT_RETENTION_DAYS, Settings

logger = logging.getLogger(__name__)

DEFAULT_QUEUE_SIZE = 10_000
DEFAULT_CLOSE_TIMEOUT = 5.0
PRUNE_EVERY = 24 * 3600.0
WARNING_EVERY = 10.0  # seconds between repeated warnings of one kind, so logs never flood
RETRY_AFTER = 5.0  # seconds answer-path calls skip a database that just failed
HEALTH_CACHE = 1.0  # seconds a /healthz probe of the database is reused
_BATCH_SIZE = 500
_IDLE_TICK = 1.0  # how often an idle writer wakes to see whether pruning is due
_MAX_BACKOFF = 1.0
_QUICK_FAILURE = 0.1  # seconds: a failure this fast is a broken connection, not a stuck database
# A vote can reach the database before its question: another replica's writer may be behind
# (its database was locked, say). Such a vote is retried this long before it is refused.
VOTE_PATIENCE = 60.0
_VOTE_RETRY_EVERY = 1.0


def hash_user(salt: str, user_id: str | None) -> str | None:
    """The stored form of a Slack user id: an HMAC-SHA256 under the salt; None stays None."""
    if not user_id:
        return None
    return hmac.new(salt.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def open_backend(settings: Settings) -> SqlBackend:
    """The backend `settings` select: PostgreSQL for `DATABASE_URL`, else the SQLite file."""
    if settings.database_url:
        # Imported only here: psycopg is not needed by anyone using the SQLite file.
        from bot.curation.backends.postgres import PostgresBackend

        return PostgresBackend(settings.database_url)
    from bot.curation.backends.sqlite import SqliteBackend

    return SqliteBackend(settings.database_path)


class SharedState(Protocol):
    """What every process on one database agrees on: claims and small JSON values by key.

    `QuestionStore` implements it; the Slack layer depends on this, so a test can pass its own.
    None (or False for put/delete) means the database could not be asked: fall back, never wait.
    """

    def key(self, namespace: str, *parts: str) -> str:
        """A key for ids that must not be stored raw (users, channels): a salted hash."""
        ...

    def claim(self, key: str, ttl: float) -> bool | None:
        """True for exactly one caller per key until `ttl` seconds pass."""
        ...

    def add_state(self, key: str, value_json: str, ttl: float | None = None) -> bool | None:
        """Store a value unless a live one is there; True if stored."""
        ...

    def put_state(self, key: str, value_json: str, ttl: float | None = None) -> bool:
        """Store a value, replacing any."""
        ...

    def get_state(self, key: str) -> str | None:
        """The live value under `key`, or None."""
        ...

    def delete_state(self, key: str) -> bool:
        """Forget `key`."""
        ...


class Throttled:
    """Counts occurrences of one problem and logs them at once, then at most every `every` s."""

    def __init__(self, level: int = logging.WARNING, every: float = WARNING_EVERY) -> None:
        self._level = level
        self._every = every
        self._lock = threading.Lock()
        self._count = 0
        self._last = float("-inf")

    def __call__(self, message: str, count: int = 1) -> None:
        """Note `count` occurrences; `message` is logged with the total since the last line."""
        with self._lock:
            self._count += count
            now = time.monotonic()
            if now - self._last < self._every:
                return
            total, self._count, self._last = self._count, 0, now
        logger.log(self._level, "store: %s (%d in the last %.0fs)", message, total, self._every)


class _Question(NamedTuple):
    id: str
    asked_at: str
    surface: str
    entry_id: str | None
    score: float
    suggestions: str
    question: str | None
    user_id: str | None  # hashed by the writer; never stored raw


class _Vote(NamedTuple):
    question_id: str
    helpful: bool
    given_at: str
    user_id: str | None


class _Stop:
    """Tells the writer to finish the queue and exit."""


_STOP = _Stop()


class QuestionStore:
    """A `Recorder`, claims and state on one database. Never raises to callers after opening."""

    def __init__(
        self,
        backend: SqlBackend,
        *,
        salt: str | None = None,
        log_questions: bool = True,
        retention_days: int = DEFAULT_RETENTION_DAYS,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        prune_every: float = PRUNE_EVERY,
        writer_timeout: float = WRITER_TIMEOUT,
        vote_patience: float = VOTE_PATIENCE,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        """Open the database (creating the schema) and start the writer; StoreError, in one
        line, if the database cannot be used."""
        self.backend = backend
        self.log_questions = log_questions
        self.retention_days = retention_days
        self._prune_every = prune_every
        self._writer_timeout = writer_timeout
        self._vote_patience = vote_patience
        self._clock = clock
        self._queue: queue.Queue[object] = queue.Queue(maxsize=queue_size)
        self._closed = False
        self._close_deadline = float("inf")
        self._last_prune = float("-inf")
        self._waiting = 0  # records the writer holds because writing them failed
        self._early_votes: list[_Vote] = []  # votes whose question is not recorded yet
        self._refused_since: dict[tuple[str, str | None], float] = {}
        self._retry_votes_at = float("inf")
        self._write_error: str | None = None
        self._skip_until = float("-inf")
        self._probe: tuple[float, str | None] = (float("-inf"), None)
        self._dropped = Throttled()
        self._write_failed = Throttled()
        self._refused = Throttled()
        self._unanswered = Throttled()
        self._connection = self._open_checked(salt)
        self._thread = threading.Thread(target=self._run, name="store-writer", daemon=True)
        self._thread.start()

    @classmethod
    def from_settings(cls, settings: Settings) -> QuestionStore:
        """A store as configured: database, text logging, retention, salt."""
        return cls(
            open_backend(settings),
            salt=settings.user_hash_salt,
            log_questions=settings.log_questions,
            retention_days=settings.retention_days,
        )

    def _open_checked(self, salt: str | None) -> Any:
        backend = self.backend
        backend.create()
        connection = None
        try:
            connection = backend.connect(self._writer_timeout)
            backend.create_schema(connection)  # a real write: a read-only database fails here
            self._salt = backend.user_hash_salt(connection, salt)
        except StoreError:
            self._close_quietly(connection)
            raise
        except Exception as error:
            self._close_quietly(connection)
            raise StoreError(
                f"cannot use the database at {backend.where}: {backend.describe(error)}"
            ) from None
        return connection

    @property
    def where(self) -> str:
        """Where the data lives, safe to print."""
        return self.backend.where

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
            logger.warning("store: could not record a question: %s", type(error).__name__)
            return None
        return row.id if self._offer(row) else None

    def record_feedback(self, record_id: str, helpful: bool, user_id: str | None) -> None:
        """Queue a helpful / not helpful vote; a voter's later vote on the same answer replaces it.
        A vote on an id the store never recorded is refused when written."""
        if record_id:
            self._offer(_Vote(record_id, bool(helpful), timestamp(self._clock()), user_id))

    def record_quiz_answer(self, question_id: str, correct: bool, user_id: str | None) -> None:
        """Record one answer to a tour quiz question, for the report's most-missed questions.
        Rare (a click), so written at once; a failure is logged, never raised."""
        self._ask(
            "record_quiz_answer",
            self.backend.record_quiz_answer,
            question_id,
            bool(correct),
            hash_user(self._salt, user_id),
            timestamp(self._clock()),
        )

    def _offer(self, row: object) -> bool:
        if self._closed:
            self._dropped("records arrived after the store closed; dropped")
            return False
        try:
            self._queue.put_nowait(row)
        except queue.Full:
            self._dropped(f"the queue is full ({self._queue.maxsize}); records dropped")
            return False
        return True

    # --- claims and state: short synchronous calls, shared by every replica -----------------

    def key(self, namespace: str, *parts: str) -> str:
        """A claim or state key for ids that must not be stored raw (users, channels)."""
        joined = "\x1f".join(parts)
        return f"{namespace}:{hmac.new(self._salt.encode(), joined.encode(), 'sha256').hexdigest()}"

    def claim(self, key: str, ttl: float) -> bool | None:
        """Claim `key` for `ttl` seconds: True for exactly one caller across every process on
        this database, False for the others; None when the database could not be asked."""
        now = time.time()
        return self._ask("claim", self.backend.claim, key, now + ttl, now)[1]

    def add_state(self, key: str, value_json: str, ttl: float | None = None) -> bool | None:
        """Store a JSON value under `key` unless a live one is there: True if stored, False if
        not, None when the database could not be asked. `ttl` None keeps it until deleted."""
        now = time.time()
        expires = None if ttl is None else now + ttl
        return self._ask("add_state", self.backend.add_state, key, value_json, expires, now)[1]

    def put_state(self, key: str, value_json: str, ttl: float | None = None) -> bool:
        """Store a JSON value under `key`, replacing any; False when it could not be stored."""
        expires = None if ttl is None else time.time() + ttl
        return self._ask("put_state", self.backend.put_state, key, value_json, expires)[0]

    def get_state(self, key: str) -> str | None:
        """The live JSON value under `key`; None when there is none or the database failed."""
        return self._ask("get_state", self.backend.get_state, key, time.time())[1]

    def delete_state(self, key: str) -> bool:
        """Forget `key`; False when the database could not be asked."""
        return self._ask("delete_state", self.backend.delete_state, key)[0]

    def _ask(self, what: str, call: Callable[..., Any], *args: Any) -> tuple[bool, Any]:
        """(True, result) of a short call; on failure (False, None), logged (throttled), and the
        database is skipped for `RETRY_AFTER` seconds so callers never queue behind it."""
        if time.monotonic() < self._skip_until:
            self._unanswered(f"{what}: the database failed recently; not asked")
            return False, None
        for attempt in (1, 2):
            started = time.monotonic()
            try:
                return True, call(*args)
            except Exception as error:
                # A quick failure is usually a connection the server dropped (a restart): one
                # more try on a new connection. A slow one (a timeout) is not worth repeating.
                if attempt == 1 and time.monotonic() - started < _QUICK_FAILURE:
                    continue
                self._skip_until = time.monotonic() + RETRY_AFTER
                self._unanswered(f"{what} failed at {self.where}: {self.backend.describe(error)}")
        return False, None

    # --- health -----------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        """Readiness: whether the database answers and the writer keeps up; never raises."""
        checked_at, error = self._probe
        if time.monotonic() - checked_at > HEALTH_CACHE:
            try:
                self.backend.ping()
                error = None
            except Exception as problem:
                error = self.backend.describe(problem)
            self._probe = (time.monotonic(), error)
        problem = error or self._write_error
        return {
            "ok": problem is None and not self._closed,
            "backend": self.backend.kind,
            "reachable": error is None,
            "queued": self._queue.qsize(),
            "waiting": self._waiting,
            "error": problem,
        }

    # --- lifecycle --------------------------------------------------------------------------

    def flush(self, timeout: float = DEFAULT_CLOSE_TIMEOUT) -> bool:
        """Wait until everything queued so far is written; False on timeout (or if closed)."""
        if self._closed or not self._thread.is_alive():
            return False
        done = threading.Event()
        try:
            self._queue.put(done, timeout=timeout)
        except queue.Full:
            return False
        return done.wait(timeout) and not self._waiting

    def close(self, timeout: float = DEFAULT_CLOSE_TIMEOUT) -> None:
        """Write what is queued (retrying failures) and stop, within `timeout` seconds."""
        if self._closed:
            return
        self._closed = True
        deadline = time.monotonic() + timeout
        # The writer stops retrying a little earlier, so it can say what it could not write.
        self._close_deadline = deadline - min(0.5, timeout / 4)
        with suppress(queue.Full):
            self._queue.put(_STOP, timeout=timeout)
        self._thread.join(max(0.0, deadline - time.monotonic()))
        if self._thread.is_alive():
            logger.warning(
                "store: still writing after %.1fs; %d queued record(s) may be lost",
                timeout,
                self._queue.qsize() + self._waiting,
            )
        self.backend.close()

    def __enter__(self) -> QuestionStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- the writer thread ------------------------------------------------------------------

    def _take(self, timeout: float) -> list[object]:
        try:
            batch = [self._queue.get(timeout=timeout)]
        except queue.Empty:
            return []
        while len(batch) < _BATCH_SIZE:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _run(self) -> None:
        pending: list[_Question | _Vote] = []  # oldest first; kept while writing them fails
        markers: list[threading.Event] = []
        stopping = False
        pause = 0.0
        while True:
            wait = pause if pending else _IDLE_TICK
            if self._early_votes:
                wait = min(wait, max(0.0, self._retry_votes_at - time.monotonic()))
            if stopping:
                wait = min(wait, max(0.0, self._close_deadline - time.monotonic()))
            for item in self._take(wait):
                if isinstance(item, threading.Event):
                    markers.append(item)
                elif item is _STOP:
                    stopping = True
                else:
                    pending.append(item)  # type: ignore[arg-type]
            if self._early_votes and time.monotonic() >= self._retry_votes_at:
                pending.extend(self._early_votes)  # after new questions: theirs may be among them
                self._early_votes = []
            overflow = len(pending) - self._queue.maxsize
            if overflow > 0:  # the database has been failing for a long time: keep the newest
                del pending[:overflow]
                self._dropped("the database keeps failing; oldest records dropped", overflow)
            if pending and self._write(pending):
                pending, pause = [], 0.0
            elif pending:
                pause = min(max(pause * 2, 0.05), _MAX_BACKOFF)
            self._waiting = len(pending)
            if not pending:
                self._maybe_prune()
                for marker in markers:
                    marker.set()
                markers.clear()
            if stopping and (not pending or time.monotonic() >= self._close_deadline):
                break
        if self._early_votes:
            self._refused("votes on record ids never recorded were refused", len(self._early_votes))
        if pending:
            logger.warning(
                "store: stopped with %d record(s) not written to %s", len(pending), self.where
            )
        for marker in markers:
            marker.set()
        self._close_quietly(self._connection)
        self._connection = None

    def _write(self, rows: list[_Question | _Vote]) -> bool:
        """Write `rows`; True when they are done with (written, or refused for good)."""
        salt = self._salt
        questions = [(*row[:7], hash_user(salt, row.user_id)) for row in rows if isinstance(row, _Question)]  # fmt: skip
        vote_rows = [row for row in rows if isinstance(row, _Vote)]
        votes = [
            (row.question_id, hash_user(salt, row.user_id) or "", int(row.helpful), row.given_at)
            for row in vote_rows
        ]
        try:
            if self._connection is None:
                self._connection = self.backend.connect(self._writer_timeout)
            refused = self.backend.write(self._connection, questions, votes)
        except Exception as error:
            reason = self.backend.describe(error)
            self._close_quietly(self._connection)
            self._connection = None
            if not self.backend.transient(error):
                self._write_failed(f"could not write to {self.where} ({reason}); records dropped", len(rows))  # fmt: skip
                return True
            if self._write_error is None:
                self._write_failed = Throttled()  # a new outage: say so at once
            self._write_error = reason
            self._write_failed(
                f"could not write to {self.where} ({reason}); {len(rows)} record(s) kept, retrying"
            )
            return False
        if self._write_error is not None:
            logger.info("store: writing to %s again", self.where)
            self._write_error = None
        self._hold_early_votes([vote_rows[position] for position in refused], vote_rows)
        return True

    def _hold_early_votes(self, refused: list[_Vote], tried: list[_Vote]) -> None:
        """Keep refused votes for a retry until `vote_patience` has passed, then drop them."""
        now = time.monotonic()
        for vote in tried:
            if vote not in refused:
                self._refused_since.pop((vote.question_id, vote.user_id), None)
        given_up = 0
        for vote in refused:
            since = self._refused_since.setdefault((vote.question_id, vote.user_id), now)
            if now - since >= self._vote_patience or self._closed:
                given_up += 1
                del self._refused_since[(vote.question_id, vote.user_id)]
            else:
                self._early_votes.append(vote)
        overflow = len(self._early_votes) - self._queue.maxsize
        if overflow > 0:
            del self._early_votes[:overflow]
            given_up += overflow
        self._retry_votes_at = now + _VOTE_RETRY_EVERY
        if given_up:
            self._refused("votes on record ids never recorded were refused", given_up)

    def _maybe_prune(self) -> None:
        if time.monotonic() - self._last_prune < self._prune_every:
            return
        self._last_prune = time.monotonic()
        now = self._clock()
        cutoff = timestamp(now - timedelta(days=self.retention_days))
        try:
            if self._connection is None:
                self._connection = self.backend.connect(self._writer_timeout)
            removed = self.backend.prune(self._connection, cutoff, time.time())
        except Exception as error:
            logger.warning(
                "store: could not prune %s: %s", self.where, self.backend.describe(error)
            )
            self._close_quietly(self._connection)
            self._connection = None
            return
        if removed:
            logger.info(
                "store: pruned %d record(s) older than %d days", removed, self.retention_days
            )

    @staticmethod
    def _close_quietly(connection: Any) -> None:
        if connection is not None:
            with suppress(Exception):
                connection.close()
