"""Conversation state kept in the store's database: context, tour progress, quiz answers.

Everything is written through `StateStore`, a small expiring key-value interface (the question
store implements it on SQLite or PostgreSQL; `MemoryState` serves the offline `chat`), so it
survives restarts and is shared by every process using the database. Keys never hold a raw
Slack user or channel id: they are hashed by a `KeyHasher`, the store's own (its salt never
lives in the database) when serving, else one with a salt of this process.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable
from typing import Protocol

from bot.settings import DEFAULT_CONVERSATION_TTL

# Tour progress is kept long enough to come back after a holiday.
TOUR_TTL = 90 * 24 * 3600
# (namespace, id) -> a key that does not reveal the id; `QuestionStore.key` is one.
KeyHasher = Callable[[str, str], str]


class StateStore(Protocol):
    """A shared key-value store whose values expire."""

    def get_state(self, key: str) -> str | None:
        """The value stored under `key`, or None if there is none or it has expired."""

    def put_state(self, key: str, value_json: str, ttl: float | None = None) -> object:
        """Store `value_json` under `key` for `ttl` seconds, replacing what was there."""


class QuizRecorder(Protocol):
    """Where quiz answers go, for `csm-vs-pm report`'s most-missed questions."""

    def record_quiz_answer(self, question_id: str, correct: bool, user_id: str | None) -> None:
        """Record one answer to a quiz question. Must never raise."""


class ConversationStore(StateStore, QuizRecorder, Protocol):
    """What the Slack app keeps conversations and quiz answers in (the question store)."""


class MemoryState:
    """A `ConversationStore` in this process's memory (the offline `chat`; tests)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.quiz_answers: list[tuple[str, bool]] = []
        self._values: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def get_state(self, key: str) -> str | None:
        with self._lock:
            value, expires = self._values.get(key, (None, 0.0))
            return value if value is not None and expires > self._clock() else None

    def put_state(self, key: str, value_json: str, ttl: float | None = None) -> bool:
        with self._lock:
            expires = float("inf") if ttl is None else self._clock() + ttl
            self._values[key] = (value_json, expires)
        return True

    def record_quiz_answer(self, question_id: str, correct: bool, user_id: str | None) -> None:
        with self._lock:
            self.quiz_answers.append((question_id, correct))


class ConversationMemory:
    """The entry each conversation last answered, and each person's tour progress."""

    def __init__(
        self,
        store: StateStore,
        ttl_seconds: float = DEFAULT_CONVERSATION_TTL,
        hash_key: KeyHasher | None = None,
    ) -> None:
        self.store = store
        self.ttl_seconds = ttl_seconds
        self._hash_key = hash_key or _process_hasher()

    def last_entry(self, conversation: str) -> str | None:
        """The entry id this conversation last answered, if it is still fresh."""
        raw = self.store.get_state(self._hash_key("context", conversation))
        try:
            entry_id = json.loads(raw)["entry"] if raw else None
        except (ValueError, TypeError, KeyError):
            return None
        return entry_id if isinstance(entry_id, str) else None

    def remember(self, conversation: str, entry_id: str) -> None:
        """The conversation just answered `entry_id`; it expires after the TTL without a message."""
        self.store.put_state(
            self._hash_key("context", conversation),
            json.dumps({"entry": entry_id}),
            self.ttl_seconds,
        )

    def tour_progress(self, user_id: str) -> str | None:
        """The stored tour progress (JSON) of a person."""
        return self.store.get_state(self._hash_key("tour", user_id))

    def save_tour_progress(self, user_id: str, progress_json: str) -> None:
        """Keep a person's tour progress, so "Start the tour" resumes."""
        self.store.put_state(self._hash_key("tour", user_id), progress_json, TOUR_TTL)


def _process_hasher() -> KeyHasher:
    """Keys hashed under a salt of this process: for state that lives no longer than it."""
    salt = secrets.token_bytes(16)

    def hash_key(namespace: str, raw: str) -> str:
        return f"{namespace}:{hmac.new(salt, raw.encode(), hashlib.sha256).hexdigest()}"

    return hash_key


def dm_conversation(channel: str) -> str:
    """The conversation key of a DM: its channel, which belongs to one person."""
    return f"dm:{channel}"


def thread_conversation(channel: str, thread_ts: str) -> str:
    """The conversation key of a channel thread."""
    return f"thread:{channel}:{thread_ts}"
