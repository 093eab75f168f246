"""Answers while the knowledge base reloads: does a reload make anyone wait?

A generated knowledge base of 10,000 entries (as YAML, like `knowledge_load.py`) is served by a
`Library` with its `KnowledgeWatcher`. One thread keeps answering questions, as a busy bot
would; then a file is touched, so the watcher reloads and rebuilds the matcher in its own
thread. Prints the answer latencies before and during the reload (p50, p99, the slowest) and
how long the reload took. Target: no answer waits more than 100 ms.

    python bench/reload_stall.py [--entries 10000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.knowledge_load import write_knowledge
from bench.matcher_latency import percentile
from bot.answering import SURFACE_CLI, AnswerService, Library
from bot.curation.reload import KnowledgeWatcher
from bot.evaluation import load_cases
from bot.knowledge import KnowledgeBase, read_knowledge
from tests.conftest import QUESTION_FILES

TARGET_MS = 100.0


def read_anyway(directory: Path) -> KnowledgeBase:
    """The knowledge base with every check run, kept even though random questions collide."""
    return read_knowledge(directory)[0]


def answer_until(
    service: AnswerService, questions: list[str], stop: threading.Event, timings: list[float]
) -> None:
    """Answer questions round and round until `stop`, recording each answer's milliseconds."""
    while not stop.is_set():
        for question in questions:
            start = time.perf_counter()
            service.ask(question, SURFACE_CLI)
            timings.append((time.perf_counter() - start) * 1000)
            if stop.is_set():
                return


def figures(label: str, timings: list[float]) -> float:
    """Print p50, p99 and the slowest answer; return the slowest."""
    slowest = max(timings)
    print(
        f"{label:16} p50 {percentile(timings, 0.5):7.2f} ms   p99 {percentile(timings, 0.99):7.2f}"
        f" ms   slowest {slowest:7.2f} ms   ({len(timings)} answers)"
    )
    return slowest


def main() -> None:
    """Measure answers before and during a reload of a generated knowledge base."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    args = parser.parse_args()
    questions = [case.question for path in QUESTION_FILES for case in load_cases(path)]
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        write_knowledge(directory, args.entries)
        library = Library(read_anyway(directory))
        service = AnswerService(library)
        watcher = KnowledgeWatcher(directory, library, interval=0.2, load=read_anyway).start()
        try:
            before: list[float] = []
            stop = threading.Event()
            timer = threading.Timer(5.0, stop.set)
            timer.start()
            answer_until(service, questions, stop, before)
            during: list[float] = []
            stop = threading.Event()
            answering = threading.Thread(
                target=answer_until, args=(service, questions, stop, during)
            )
            answering.start()
            old = library.snapshot
            started = time.perf_counter()
            touched = sorted(directory.glob("*.yaml"))[-1]
            touched.write_text(touched.read_text("utf-8") + "\n# touched\n", "utf-8")
            while library.snapshot is old and time.perf_counter() - started < 600:
                time.sleep(0.05)
            reload_seconds = time.perf_counter() - started
            stop.set()
            answering.join()
        finally:
            watcher.stop()
    print(f"reloaded {args.entries} entries in {reload_seconds:.1f} s (found, read, rebuilt)")
    figures("before reload", before)
    slowest = figures("during reload", during)
    print(
        f"target: no answer waits > {TARGET_MS:.0f} ms: {'met' if slowest < TARGET_MS else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
