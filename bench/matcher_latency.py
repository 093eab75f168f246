"""Matcher latency per question: the bundled knowledge base and generated larger ones.

Prints p50/p99 over the dev and held-out questions (tests/data/), as medians of several rounds
because the machine is shared and noisy, plus the first pass (empty spelling cache, as right
after start) and the time to build the matcher. Targets: p99 < 1 ms bundled, first pass
included; p99 < 20 ms at 10,000 entries.

    python bench/matcher_latency.py [--entries 10000,30000,100000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.answering import Library
from bot.evaluation import load_cases
from bot.knowledge import Answer, Entry, KnowledgeBase, SourceRef, load_knowledge
from bot.matcher import Matcher
from bot.settings import default_knowledge_dir
from tests.conftest import QUESTION_FILES


def generated_knowledge(base: KnowledgeBase, size: int, seed: int = 7) -> KnowledgeBase:
    """A large knowledge base whose questions mix the real vocabulary with invented words.

    Word frequencies follow a Zipf-like curve, as in real text, so common words have long
    posting lists and rare ones short lists.
    """
    rng = random.Random(seed)
    real_words = sorted({w for e in base.entries for q in e.questions for w in q.lower().split()})
    syllables = ["ka", "lo", "mi", "ten", "ra", "vo", "sul", "pe", "dri", "an", "os", "qua"]
    invented = {"".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(20000)}
    vocabulary = real_words + sorted(invented)
    # Cumulative once: `choices(..., weights)` would rebuild them over the whole vocabulary on
    # every call (the same draws, a hundred times slower at 100,000 entries).
    weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(vocabulary))))
    roles = ["customer success manager", "project manager", "csm", "pm", ""]
    source = base.entries[0].sources[0]
    entries = []
    for number in range(size):
        questions = tuple(
            " ".join(
                [
                    *rng.choices(vocabulary, cum_weights=weights, k=rng.randint(4, 10)),
                    rng.choice(roles),
                ]
            )
            for _ in range(8)
        )
        sides = " ".join(rng.choices(vocabulary, cum_weights=weights, k=40))
        entries.append(
            Entry(
                id=f"generated-{number}",
                title=" ".join(rng.choices(vocabulary, cum_weights=weights, k=4)),
                questions=questions,
                answer=Answer(summary=sides[:100], csm=sides, pm=sides[::-1]),
                sources=(SourceRef(source.article, source.section),),
                related=(),
            )
        )
    return KnowledgeBase(tuple(entries), base.articles, base.vocabulary, base.duties, base.subjects)


def served(knowledge: KnowledgeBase) -> Matcher:
    """The matcher as the bot serves it: built by the `Library` (which also keeps the knowledge
    base out of garbage-collection passes)."""
    return Library(knowledge).snapshot.matcher


def latencies_ms(matcher: Matcher, questions: list[str]) -> list[float]:
    """Time each question once, in milliseconds."""
    timings = []
    for question in questions:
        start = time.perf_counter()
        matcher.match(question)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of the sorted values lie."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(
    label: str, matcher: Matcher, questions: list[str], rounds: int
) -> tuple[float, float, float]:
    """Print and return the first-pass p99 and the median p50 and p99 over `rounds` passes."""
    # The first pass fills the spelling-correction cache, as a running bot's would fill over time.
    cold_p99 = percentile(latencies_ms(matcher, questions), 0.99)
    p50s, p99s = [], []
    for _ in range(rounds):
        timings = latencies_ms(matcher, questions)
        p50s.append(percentile(timings, 0.50))
        p99s.append(percentile(timings, 0.99))
    p50, p99 = statistics.median(p50s), statistics.median(p99s)
    print(
        f"{label:28} p50 {p50:7.3f} ms   p99 {p99:7.3f} ms   first-pass p99 {cold_p99:7.3f} ms"
        f"   ({len(questions)} questions x {rounds})"
    )
    return cold_p99, p50, p99


def sizes(text: str) -> list[int]:
    """Comma-separated positive sizes ("" for none: the bundled knowledge base alone)."""
    try:
        parsed = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not comma-separated whole numbers: {text!r}") from None
    if any(size < 1 for size in parsed):
        raise argparse.ArgumentTypeError(f"sizes must be at least 1: {text!r}")
    return parsed


def main() -> None:
    """Run both benchmarks and print the figures and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--entries",
        type=sizes,
        default="10000",
        help='comma-separated sizes, e.g. 10000,30000,100000 ("" for the bundled one alone)',
    )
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    questions = [case.question for path in QUESTION_FILES for case in load_cases(path)]
    bundled = load_knowledge(default_knowledge_dir())
    bundled_cold, _, bundled_p99 = report(
        f"bundled ({len(bundled.entries)} entries)", served(bundled), questions, args.rounds
    )
    print(
        f"target bundled p99 < 1 ms, first pass included: "
        f"{'met' if max(bundled_cold, bundled_p99) < 1 else 'MISSED'}"
    )
    for size in args.entries:
        large = generated_knowledge(bundled, size)
        start = time.perf_counter()
        large_matcher = served(large)
        print(
            f"built the matcher for {size} generated entries in {time.perf_counter() - start:.1f} s"
        )
        _, _, large_p99 = report(
            f"generated ({size} entries)", large_matcher, questions, args.rounds
        )
        print(f"  p99 ratio generated/bundled: {large_p99 / bundled_p99:.1f}x")
        if size == 10_000:
            print(
                f"  target p99 < 20 ms at 10,000 entries: {'met' if large_p99 < 20 else 'MISSED'}"
            )


if __name__ == "__main__":
    main()
