"""The one entry point every surface uses to answer a question.

`Library` holds the knowledge base and its matcher as one immutable pair that is replaced whole,
so a reload can never be seen half-done. `AnswerService` matches a question and hands what
happened to a `Recorder` (the curators' log); surfaces never talk to the matcher directly.
"""

from __future__ import annotations

import gc
import threading
from dataclasses import dataclass
from typing import Protocol

from bot.knowledge import Duty, Entry, KnowledgeBase
from bot.matcher import Match, Matcher

SURFACE_MENTION = "mention"
SURFACE_DM = "dm"
SURFACE_SLASH = "slash"
SURFACE_CLI = "cli"
SURFACE_ASSISTANT = "assistant"


@dataclass(frozen=True)
class Snapshot:
    """A knowledge base and the matcher built from it, always used together."""

    knowledge: KnowledgeBase
    matcher: Matcher


class Library:
    """The knowledge base currently being served; `replace` swaps it atomically."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        self._snapshot = Snapshot(knowledge, Matcher(knowledge))
        # The knowledge base and its index live as long as the process: leaving them out of
        # garbage-collection passes keeps those passes from pausing answers.
        gc.freeze()
        self._lock = threading.Lock()

    @property
    def snapshot(self) -> Snapshot:
        """The current pair; hold on to it for the whole of one answer."""
        return self._snapshot

    def replace(self, knowledge: KnowledgeBase) -> None:
        """Serve a new knowledge base; the matcher is built before anyone can see it."""
        snapshot = Snapshot(knowledge, Matcher(knowledge))
        with self._lock:
            self._snapshot = snapshot


@dataclass(frozen=True)
class Answered:
    """A matched question, the knowledge base it was matched against, and its log record."""

    match: Match
    knowledge: KnowledgeBase
    record_id: str | None = None


class Recorder(Protocol):
    """Where questions and feedback are logged for curators. Must never raise."""

    def record_question(self, match: Match, surface: str, user_id: str | None) -> str | None:
        """Log one answered (or unanswered) question; return an id for later feedback."""

    def record_feedback(self, record_id: str, helpful: bool, user_id: str | None) -> None:
        """Log a helpful / not helpful vote against a recorded answer."""


class NullRecorder:
    """Records nothing: the default when no store is configured."""

    def record_question(self, match: Match, surface: str, user_id: str | None) -> str | None:
        return None

    def record_feedback(self, record_id: str, helpful: bool, user_id: str | None) -> None:
        return None


class AnswerService:
    """Answers questions from the current knowledge base and records what happened."""

    def __init__(self, library: Library, recorder: Recorder | None = None) -> None:
        self.library = library
        self.recorder: Recorder = recorder or NullRecorder()

    def ask(self, question: str, surface: str, user_id: str | None = None) -> Answered:
        """Match a question and record it; `match.entry` is None when the bot abstains."""
        snapshot = self.library.snapshot
        return self.record(snapshot.matcher.match(question), snapshot.knowledge, surface, user_id)

    def record(
        self, match: Match, knowledge: KnowledgeBase, surface: str, user_id: str | None = None
    ) -> Answered:
        """Record an answer found some other way (a follow-up read from its conversation)."""
        record_id = self.recorder.record_question(match, surface, user_id)
        return Answered(match, knowledge, record_id)

    @property
    def knowledge(self) -> KnowledgeBase:
        """The knowledge base being served now."""
        return self.library.snapshot.knowledge

    def entry(self, entry_id: str) -> tuple[KnowledgeBase, Entry | None]:
        """Look up a topic by id (for topic buttons), with the knowledge base it came from."""
        knowledge = self.knowledge
        return knowledge, knowledge.get(entry_id)

    def duty(self, duty_id: str) -> tuple[KnowledgeBase, Duty | None]:
        """Look up a duty by id (for sharing an owner answer), with its knowledge base."""
        knowledge = self.knowledge
        return knowledge, knowledge.duty(duty_id)

    def feedback(self, record_id: str, helpful: bool, user_id: str | None = None) -> None:
        """Record a helpful / not helpful vote."""
        self.recorder.record_feedback(record_id, helpful, user_id)


def owner_answer(knowledge: KnowledgeBase, entry_id: str) -> Duty | None:
    """The owner answer to "who owns that?" about the topic `entry_id`: the duty filed under
    that topic in knowledge/owners.yaml when there is exactly one, or the one marked `main`
    among several (training: training customers, not a PM passing a request on). Otherwise
    (a topic such as a role's responsibilities covers many duties) there is no single owner
    to name, and the topic's own answer, which sets out each role's part, stands instead.
    """
    duties = [duty for duty in knowledge.duties if duty.topic == entry_id]
    if len(duties) == 1:
        return duties[0]
    return next((duty for duty in duties if duty.main), None)
