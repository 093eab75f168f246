"""Score follow-up handling on a set of short conversations with the expected entry per turn.

The set (tests/data/followups.yaml) is a list of conversations, each a list of turns written as
`[message, expected entry id or null]`. `score_conversations` plays each conversation through an
answering function with its own conversation key, so no context leaks from one to the next, and
counts the turns answered with the expected entry; the first turn of each conversation is asked
with no context, every later turn is a follow-up. `csm-vs-pm eval FILE` scores such a file when
its items have `turns` (`is_conversation_set`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.answering import SURFACE_CLI, AnswerService, Library
from bot.conversation.service import ConversationService
from bot.conversation.state import ConversationMemory, MemoryState
from bot.knowledge import KnowledgeBase, load_plain_yaml

# (conversation key, message) -> the entry id answered, or None when the bot abstained.
Answerer = Callable[[str, str], "str | None"]


@dataclass(frozen=True)
class Turn:
    """One message of a conversation and the entry it should get (None: abstain)."""

    text: str
    expected: str | None


@dataclass(frozen=True)
class Miss:
    """A turn answered with the wrong entry."""

    conversation: int
    turn: int
    text: str
    expected: str | None
    got: str | None


@dataclass
class FollowUpScore:
    """How many turns, and how many follow-up turns (second and later), were answered right."""

    turns: int = 0
    correct: int = 0
    follow_ups: int = 0
    follow_ups_correct: int = 0
    misses: list[Miss] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        """Share of all turns answered with the expected entry."""
        return self.correct / max(self.turns, 1)

    @property
    def follow_up_accuracy(self) -> float:
        """Share of follow-up turns answered with the expected entry."""
        return self.follow_ups_correct / max(self.follow_ups, 1)

    def to_json(self) -> dict[str, object]:
        """Figures and misses for `csm-vs-pm eval --json`."""
        return {
            "turns": self.turns,
            "correct": self.correct,
            "accuracy": self.accuracy,
            "follow_ups": self.follow_ups,
            "follow_ups_correct": self.follow_ups_correct,
            "follow_up_accuracy": self.follow_up_accuracy,
            "misses": [vars(miss) for miss in self.misses],
        }

    def summary(self) -> str:
        """The figures and every miss, for the terminal."""
        lines = [
            f"follow-up turns  {self.follow_ups_correct}/{self.follow_ups}  "
            f"{self.follow_up_accuracy:.1%}",
            f"all turns        {self.correct}/{self.turns}  {self.accuracy:.1%}",
        ]
        lines += [
            f"  miss: conversation {miss.conversation}, turn {miss.turn}: {miss.text!r} "
            f"expected {miss.expected}, got {miss.got}"
            for miss in self.misses
        ]
        return "\n".join(lines)


def is_conversation_set(path: Path) -> bool:
    """Whether a YAML file is a conversation set (items with `turns`), not a question set."""
    try:
        document = load_plain_yaml(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False
    return (
        bool(document)
        and isinstance(document, list)
        and isinstance(document[0], dict)
        and ("turns" in document[0])
    )


def load_conversations(path: Path) -> list[list[Turn]]:
    """Read a conversation set; raises ValueError naming the first malformed conversation."""
    document = load_plain_yaml(Path(path).read_text(encoding="utf-8"))
    conversations = []
    for number, item in enumerate(document or [], start=1):
        turns = item.get("turns") if isinstance(item, dict) else None
        if not isinstance(turns, list) or len(turns) < 2:
            raise ValueError(f"{path}: conversation {number} needs a list of at least two turns")
        if not all(isinstance(turn, list) and len(turn) == 2 for turn in turns):
            raise ValueError(f"{path}: conversation {number}: each turn is [message, id or null]")
        conversations.append([Turn(str(text), expected) for text, expected in turns])
    return conversations


def score_conversations(conversations: list[list[Turn]], answer: Answerer) -> FollowUpScore:
    """Play every conversation through `answer`, each under its own key, and count the hits."""
    score = FollowUpScore()
    for number, turns in enumerate(conversations, start=1):
        key = f"eval:{number}"
        for position, turn in enumerate(turns):
            got = answer(key, turn.text)
            right = got == turn.expected
            score.turns += 1
            score.correct += right
            if position:
                score.follow_ups += 1
                score.follow_ups_correct += right
            if not right:
                score.misses.append(Miss(number, position + 1, turn.text, turn.expected, got))
    return score


def conversation_answerer(knowledge: KnowledgeBase) -> Answerer:
    """Answer as the bot does in a DM: each key its own conversation, context kept in memory."""
    memory = ConversationMemory(MemoryState())
    service = ConversationService(AnswerService(Library(knowledge)), memory)
    return lambda key, text: service.ask(text, key, SURFACE_CLI).answered.match.id
