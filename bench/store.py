"""The store on SQLite and PostgreSQL: de-duplication cost, answers per second per replica, and
report time over 1,000,000 questions.

Starts a throwaway PostgreSQL cluster (as tests do; `apt-get install -y postgresql` first), then:

- claim: p50/p99 of `QuestionStore.claim` (one INSERT ... ON CONFLICT per event), medians of
  several rounds; target p99 < 1 ms on loopback;
- answers/s: signed @mentions from 8 clients to 1 and 2 `serve --http` replicas on one
  database, counted when their replies reach the fake Web API;
- report: `build_report` over N questions (default 1,000,000) inserted directly.

    python bench/store.py [--claims 2000] [--rounds 5] [--mentions 400] [--questions 1000000]
                          [--parts claim,answers,report]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg

from bench.matcher_latency import percentile
from bot.curation.backends import SqlBackend
from bot.curation.backends.postgres import PostgresBackend
from bot.curation.backends.sqlite import SqliteBackend
from bot.curation.report import build_report
from bot.curation.store import QuestionStore, timestamp, utc_now
from tests.e2e.fake_slack import FakeSlack
from tests.e2e.running_app import RunningApp, unique
from tests.postgres import PostgresServer

SALT = "bench-salt"


def claim_latency(backend: SqlBackend, count: int, rounds: int) -> tuple[float, float]:
    """Median over rounds of p50 and p99 claim time, in ms."""
    results = []
    with QuestionStore(backend, salt=SALT) as store:
        for _ in range(rounds):
            samples = []
            for _ in range(count):
                key = f"event:{uuid.uuid4().hex}"
                started = time.perf_counter()
                assert store.claim(key, 3600) is True
                samples.append((time.perf_counter() - started) * 1000)
            results.append((percentile(samples, 0.5), percentile(samples, 0.99)))
    return statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)


def answers_per_second(url: str, replicas: int, mentions: int) -> float:
    """Mentions answered per second by `replicas` processes on the database at `url`."""
    env = {"DATABASE_URL": url, "USER_HASH_SALT": SALT, "LOG_LEVEL": "WARNING"}
    with FakeSlack() as fake:
        apps = [RunningApp(fake.api_url, env).start() for _ in range(replicas)]
        try:

            def send(number: int) -> None:
                event = {"type": "app_mention", "user": unique("U"), "channel": unique("C"),
                         "text": f"what skills does a csm need {number}", "ts": f"{time.time():.6f}"}  # fmt: skip
                apps[number % replicas].send_event(event)

            for number in range(20):  # warm up
                send(number)
            fake.wait_for("chat.postMessage", 20, timeout=30)
            fake.reset()
            started = time.perf_counter()
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(send, range(mentions)))
            fake.wait_for("chat.postMessage", mentions, timeout=120)
            return mentions / (time.perf_counter() - started)
        finally:
            for app in apps:
                app.stop()


def fill(make: Callable[[], SqlBackend], questions: int) -> None:
    """`questions` rows from the last day: a third unanswered (2,000 distinct texts)."""
    QuestionStore(make(), salt=SALT).close()
    backend = make()
    rng = random.Random(7)
    now = utc_now()
    entries = ["csm-skills", "pm-skills", "overview", "csm-role", "pm-role"]
    texts = [f"unanswered question number {n} about {rng.choice(entries)}" for n in range(2000)]

    def row(number: int) -> tuple[object, ...]:
        answered = number % 3 != 0
        return (uuid.uuid4().hex, timestamp(now - timedelta(seconds=number % 80_000)), "dm",
                entries[number % 5] if answered else None, 60.0, "[]",
                None if answered else texts[number % 2000], f"user{number % 500}")  # fmt: skip

    if isinstance(backend, PostgresBackend):
        with psycopg.connect(backend.url) as connection, connection.cursor() as cursor:
            columns = "id, asked_at, surface, entry_id, score, suggestions, question, user_hash"
            with cursor.copy(f"COPY questions ({columns}) FROM STDIN") as copy:
                for number in range(questions):
                    copy.write_row(row(number))
            cursor.execute("ANALYZE questions")
        return
    with backend.borrowed(60) as connection, backend.transaction(connection) as cursor:
        cursor.executemany(
            "INSERT INTO questions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (row(number) for number in range(questions)),
        )
    backend.close()


def report_time(backend: SqlBackend) -> float:
    started = time.perf_counter()
    report = build_report(backend, timedelta(days=7))
    took = time.perf_counter() - started
    backend.close()
    assert report.asked > 0
    return took


def measure_claims(server: PostgresServer, folder: Path, args: argparse.Namespace) -> None:
    for name, make in (
        ("sqlite", partial(SqliteBackend, folder / "claims.sqlite3")),
        ("postgresql", partial(PostgresBackend, server.database_url())),
    ):
        p50, p99 = claim_latency(make(), args.claims, args.rounds)
        print(f"claim ({name}): p50 {p50:.3f} ms, p99 {p99:.3f} ms "
              f"(median of {args.rounds} rounds of {args.claims}; target p99 < 1 ms)")  # fmt: skip


def measure_answers(server: PostgresServer, folder: Path, args: argparse.Namespace) -> None:
    for replicas in (1, 2):
        rates = [answers_per_second(server.database_url(), replicas, args.mentions) for _ in range(3)]  # fmt: skip
        print(f"answers/s, {replicas} replica(s) on PostgreSQL, 8 clients: "
              f"{statistics.median(rates):.0f} (median of 3 runs)")  # fmt: skip


def measure_report(server: PostgresServer, folder: Path, args: argparse.Namespace) -> None:
    for name, make in (
        ("sqlite", partial(SqliteBackend, folder / "report.sqlite3")),
        ("postgresql", partial(PostgresBackend, server.database_url())),
    ):
        fill(make, args.questions)
        took = statistics.median(report_time(make()) for _ in range(3))
        print(f"report ({name}) over {args.questions:,} questions: {took:.2f} s (median of 3)")


PARTS = {"claim": measure_claims, "answers": measure_answers, "report": measure_report}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--mentions", type=int, default=400)
    parser.add_argument("--questions", type=int, default=1_000_000)
    parser.add_argument("--parts", default=",".join(PARTS), help="which measurements, comma-separated")  # fmt: skip
    args = parser.parse_args()
    server = PostgresServer.find()
    if isinstance(server, str):
        sys.exit(server)
    server.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            for part in args.parts.split(","):
                PARTS[part](server, Path(folder), args)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
