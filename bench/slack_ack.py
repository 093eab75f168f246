"""Slash-command acknowledgement latency of the HTTP app under 8 concurrent clients.

Starts the fake Slack Web API and `csm-vs-pm serve --http` (waitress), sends signed
`/csm-vs-pm` commands from 8 threads, and prints p50/p99 latency and requests per second,
as medians over several rounds (the machine is shared and noisy). Target: p99 < 100 ms.

    python bench/slack_ack.py [--clients 8] [--requests 400] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.matcher_latency import percentile
from bot.evaluation import load_cases
from tests.conftest import QUESTION_FILES
from tests.e2e.fake_slack import FakeSlack
from tests.e2e.running_app import RunningApp


def one_round(
    app: RunningApp, fake: FakeSlack, questions: list[str], clients: int
) -> tuple[float, float, float]:
    """Send every question once across `clients` threads; return p50 ms, p99 ms, requests/s."""

    def send(question: str) -> float:
        response = app.send_command(question or "help", fake.response_url())
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {response.body[:200]}")
        return response.seconds * 1000

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        latencies = list(pool.map(send, questions))
    elapsed = time.perf_counter() - start
    return percentile(latencies, 0.5), percentile(latencies, 0.99), len(questions) / elapsed


def main() -> None:
    """Run the rounds and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    cases = [case.question for path in QUESTION_FILES for case in load_cases(path)]
    questions = (cases * (args.requests // len(cases) + 1))[: args.requests]
    with FakeSlack() as fake, tempfile.TemporaryDirectory() as data:
        app = RunningApp(
            fake.api_url, {"DATABASE_PATH": f"{data}/q.sqlite3", "LOG_LEVEL": "WARNING"}
        )
        app.start()
        try:
            one_round(app, fake, questions[:50], args.clients)  # warm up
            results = [one_round(app, fake, questions, args.clients) for _ in range(args.rounds)]
        finally:
            app.stop()
    p50, p99, rate = (statistics.median(values) for values in zip(*results, strict=True))
    print(
        f"{args.clients} clients x {args.requests} signed slash commands, median of {args.rounds} rounds"
    )
    print(f"ack latency p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   {rate:6.0f} requests/s")
    print(f"target p99 < 100 ms: {'met' if p99 < 100 else 'MISSED'}")


if __name__ == "__main__":
    main()
