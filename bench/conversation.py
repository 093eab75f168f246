"""What a conversation adds to an answer: reading and writing its context in the SQLite store.

Plays the follow-up set (tests/data/followups.yaml) through `ConversationService` backed by the
question store's SQLite state table, and through plain `AnswerService.ask` (no context), and
prints per-message latency (p50/p99, median of the rounds) for each.

    python bench/conversation.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.answering import SURFACE_DM, AnswerService, Library
from bot.conversation.evaluate import load_conversations
from bot.conversation.service import ConversationService
from bot.conversation.state import ConversationMemory
from bot.curation.backends.sqlite import SqliteBackend
from bot.curation.store import QuestionStore
from bot.knowledge import load_knowledge
from bot.settings import default_knowledge_dir

FOLLOW_UP_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "followups.yaml"


def p50_p99(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(int(len(ordered) * 0.99) - 1, 0)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    knowledge = load_knowledge(default_knowledge_dir())
    conversations = load_conversations(FOLLOW_UP_SET)
    plain_rounds, context_rounds = [], []
    with tempfile.TemporaryDirectory() as folder:
        store = QuestionStore(SqliteBackend(Path(folder) / "questions.sqlite3"), salt="bench")
        service = AnswerService(Library(knowledge))
        memory = ConversationMemory(store, hash_key=store.key)
        conversation = ConversationService(service, memory)
        for round_number in range(args.rounds):
            plain, with_context = [], []
            for number, turns in enumerate(conversations):
                key = f"dm:D{round_number}-{number}"
                for turn in turns:
                    started = time.perf_counter()
                    service.ask(turn.text, SURFACE_DM)
                    plain.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    conversation.ask(turn.text, key, SURFACE_DM)
                    with_context.append(time.perf_counter() - started)
            plain_rounds.append(p50_p99(plain))
            context_rounds.append(p50_p99(with_context))
        store.close()
    for label, rounds in (("answer alone", plain_rounds), ("in a conversation", context_rounds)):
        p50 = statistics.median(r[0] for r in rounds) * 1000
        p99 = statistics.median(r[1] for r in rounds) * 1000
        print(f"{label:>18}: p50 {p50:.2f} ms, p99 {p99:.2f} ms per message")
    turns = sum(len(turns) for turns in conversations)
    print(f"({turns} messages per round, {args.rounds} rounds, medians of the rounds)")


if __name__ == "__main__":
    main()
