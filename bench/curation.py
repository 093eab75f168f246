"""The curators' loop, measured: answer-path cost of recording, writer throughput, report time.

Prints `record_question` latency (p50/p99) with the database free and with it locked by another
connection, how fast the writer drains a burst, and how long `report --suggest` takes over a
large store (many distinct unanswered questions to group).

    python bench/curation.py [--records 50000] [--distinct 5000]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.curation.backends.sqlite import SqliteBackend
from bot.curation.report import build_report, render_text
from bot.curation.store import QuestionStore
from bot.knowledge import load_knowledge
from bot.matcher import Match, Matcher
from bot.settings import default_knowledge_dir


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[int(len(ordered) * 0.99) - 1]
    return f"p50 {statistics.median(ordered) * 1e6:.0f} us, p99 {p99 * 1e6:.0f} us"


def record_latency(store: QuestionStore, match: Match, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        store.record_question(match, "dm", "U123")
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--distinct", type=int, default=5_000)
    args = parser.parse_args()
    knowledge = load_knowledge(default_knowledge_dir())
    matcher = Matcher(knowledge)
    match = matcher.match("what does a csm do")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        with QuestionStore(SqliteBackend(path), salt="bench", writer_timeout=1.0) as store:
            store.flush()
            free = record_latency(store, match, 2000)
            store.flush()
            print(f"record_question, database free:   {percentiles(free)}")
            locker = sqlite3.connect(path, isolation_level=None)
            locker.execute("BEGIN EXCLUSIVE")
            locked = record_latency(store, match, 2000)
            print(f"record_question, database locked: {percentiles(locked)}")
            locker.execute("ROLLBACK")
            locker.close()
            store.flush(timeout=30)

            rng = random.Random(7)
            words = sorted(
                {word for entry in knowledge.entries for word in entry.title.lower().split()}
            )
            texts = [
                " ".join(rng.choices(words, k=rng.randint(3, 8))) for _ in range(args.distinct)
            ]
            unanswered = [Match(text, text, None, 20.0) for text in texts]
            started = time.perf_counter()
            for number in range(args.records):
                if number % 5000 == 0:
                    store.flush(timeout=60)  # a burst the queue (10,000) can hold
                store.record_question(
                    unanswered[number % len(unanswered)] if number % 3 else match,
                    "dm",
                    f"U{number % 300}",
                )
            store.flush(timeout=120)
            took = time.perf_counter() - started
            print(
                f"writer: {args.records} records queued and written in {took:.2f}s "
                f"({args.records / took:,.0f}/s)"
            )
        for suggest in (False, True):
            started = time.perf_counter()
            report = build_report(
                SqliteBackend(path), timedelta(days=1), knowledge=knowledge, suggest=suggest
            )
            render_text(report, suggest=suggest)
            print(
                f"report{' --suggest' if suggest else ''}: {report.asked} questions, "
                f"{args.distinct} distinct unanswered texts, {time.perf_counter() - started:.2f}s"
            )


if __name__ == "__main__":
    main()
