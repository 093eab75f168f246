"""Slash-command acknowledgement latency of the HTTP app: healthy, slow and rate-limited Slack.

Starts the fake Slack Web API and `csm-vs-pm serve --http` (waitress), sends signed
`/csm-vs-pm` commands from concurrent clients, and prints p50/p99 latency and requests per
second, as medians over several rounds (the machine is shared and noisy). Target: p99 < 100 ms
in every scenario:

- healthy: the Web API answers at once (8, 32 and 64 clients by default);
- slow: a mention arrives every 50 ms and each of its `chat.postMessage` calls takes 8 s;
- rate-limited: the same mentions, and every `chat.postMessage` answers 429, Retry-After 20.

Each request opens its own connection, as a client without keep-alive does; the client is
`http.client` (urllib's extra layers would take CPU from the server on a 2-core machine).
`--workers` serves with that many HTTP worker processes (HTTP_WORKERS; default 1).
`--client wrk` sends the commands with wrk (Debian's package, a C load generator; each request
pre-signed, on a new connection) for `--seconds` a round instead: a Python client spends about
0.5 ms of the same two cores per request, wrk next to nothing, so the server alone is measured.

    python bench/slack_ack.py [--clients 8 32 64] [--requests 400] [--rounds 3]
                              [--scenario healthy slow rate-limited] [--workers 1 2]
                              [--client python|wrk] [--seconds 8]
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.matcher_latency import percentile
from bot.evaluation import load_cases
from tests.conftest import QUESTION_FILES
from tests.e2e.fake_slack import FakeSlack
from tests.e2e.running_app import RunningApp, command_fields, event_callback, sign, unique

SLOW_SECONDS = 8
RETRY_AFTER_SECONDS = "20"
MENTION_EVERY_SECONDS = 0.05
# More scripted answers than a run sends mentions, so every call gets the scripted one.
SCRIPTED_CALLS = 10_000


def post(port: int, body: str, content_type: str) -> float:
    """POST a signed body to /slack/events on a new connection; return milliseconds."""
    headers = {"Content-Type": content_type, **sign(body)}
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", "/slack/events", body, headers)
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status}")
    return (time.perf_counter() - start) * 1000


def one_round(
    app: RunningApp, fake: FakeSlack, questions: list[str], clients: int
) -> tuple[float, float, float]:
    """Send every question once across `clients` threads; return p50 ms, p99 ms, requests/s."""

    def send(question: str) -> float:
        fields = command_fields(question or "help", fake.response_url())
        return post(app.port, urlencode(fields), "application/x-www-form-urlencoded")

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        latencies = list(pool.map(send, questions))
    elapsed = time.perf_counter() - start
    return percentile(latencies, 0.5), percentile(latencies, 0.99), len(questions) / elapsed


# wrk reads the pre-signed requests from a Lua table and sends each once, closing the connection
# after it as a client without keep-alive does.
WRK_SCRIPT = """
local requests = dofile("REQUESTS")
local sent = 0
request = function()
  sent = sent + 1
  local r = requests[sent]
  return wrk.format("POST", "/slack/events", {
    ["Content-Type"] = "application/x-www-form-urlencoded", ["Connection"] = "close",
    ["X-Slack-Request-Timestamp"] = r[2], ["X-Slack-Signature"] = r[3]}, r[1])
end
"""
WRK_MAX_RATE = 2000  # requests a second the pre-signed requests are enough for


def wrk_round(
    app: RunningApp, fake: FakeSlack, questions: list[str], clients: int, seconds: int
) -> tuple[float, float, float]:
    """wrk sends signed commands from `clients` connections for `seconds`; return p50 ms,
    p99 ms, requests/s as wrk measured them."""
    with tempfile.TemporaryDirectory() as folder:
        rows = []
        for number in range(WRK_MAX_RATE * seconds):
            body = urlencode(command_fields(questions[number % len(questions)] or "help",
                                            fake.response_url()))  # fmt: skip
            signed = sign(body)
            fields = (body, signed["X-Slack-Request-Timestamp"], signed["X-Slack-Signature"])
            rows.append("{" + ", ".join(f"[==[{field}]==]" for field in fields) + "},")
        Path(folder, "requests.lua").write_text("return {\n" + "\n".join(rows) + "\n}\n")
        script = WRK_SCRIPT.replace("REQUESTS", str(Path(folder, "requests.lua")))
        Path(folder, "script.lua").write_text(script)
        out = subprocess.run(
            ["wrk", "-t1", f"-c{clients}", f"-d{seconds}s", "--latency",
             "-s", str(Path(folder, "script.lua")), app.url],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk saw failed requests:\n{out}")

    def milliseconds(label: str) -> float:
        value, unit = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)\b", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return milliseconds("50"), milliseconds("99"), rate


@contextmanager
def mentions_arriving(app: RunningApp) -> Iterator[Callable[[], int]]:
    """A mention every MENTION_EVERY_SECONDS in the background; yields how many were sent."""
    stop, sent = threading.Event(), [0]

    def keep_mentioning() -> None:
        while not stop.wait(MENTION_EVERY_SECONDS):
            event = {"type": "app_mention", "user": unique("U"), "text": "csm skills",
                     "ts": f"{time.time():.6f}", "channel": unique("C")}  # fmt: skip
            post(app.port, json.dumps(event_callback(event)), "application/json")
            sent[0] += 1

    thread = threading.Thread(target=keep_mentioning, daemon=True)
    thread.start()
    try:
        yield lambda: sent[0]
    finally:
        stop.set()
        thread.join()


def wait_for_workers(app: RunningApp, workers: int) -> None:
    """/healthz answers with the first worker; the others are forked once it is ready and
    start in well under a second (the knowledge base is loaded already)."""
    if workers < 2 or app.process is None:
        return
    children = Path(f"/proc/{app.process.pid}/task/{app.process.pid}/children")
    while len(children.read_text().split()) < workers:
        time.sleep(0.05)
    time.sleep(2)


def script_web_api(fake: FakeSlack, scenario: str) -> None:
    """Make every chat.postMessage slow or rate-limited."""
    for _ in range(SCRIPTED_CALLS):
        if scenario == "slow":
            fake.script("chat.postMessage", {"ok": True, "ts": "1.1"}, delay=SLOW_SECONDS)
        else:
            fake.script("chat.postMessage", {"ok": False, "error": "ratelimited"}, status=429,
                        Retry_After=RETRY_AFTER_SECONDS)  # fmt: skip


def run(
    scenario: str,
    clients: int,
    questions: list[str],
    rounds: int,
    workers: int,
    wrk_seconds: int | None = None,
) -> None:
    """Start a fresh app and fake for one scenario, client and worker count; print its
    medians (with wrk as the client when `wrk_seconds` is given)."""
    with FakeSlack() as fake, tempfile.TemporaryDirectory() as data:
        env = {"DATABASE_PATH": f"{data}/q.sqlite3", "LOG_LEVEL": "WARNING",
               "HTTP_WORKERS": str(workers)}  # fmt: skip
        app = RunningApp(fake.api_url, env).start()
        wait_for_workers(app, workers)

        def measure() -> tuple[float, float, float]:
            if wrk_seconds:
                return wrk_round(app, fake, questions, clients, wrk_seconds)
            return one_round(app, fake, questions, clients)

        try:
            one_round(app, fake, questions[:50], clients)  # warm up
            if scenario == "healthy":
                results = [measure() for _ in range(rounds)]
                mentions = ""
            else:
                script_web_api(fake, scenario)
                with mentions_arriving(app) as sent:
                    time.sleep(1)  # let the reply pool fill up with waiting answers
                    results = [measure() for _ in range(rounds)]
                mentions = f"   {sent()} mentions waiting on Slack"
        finally:
            output = app.stop()
    p50, p99, rate = (statistics.median(values) for values in zip(*results, strict=True))
    verdict = "met" if p99 < 100 else "MISSED"
    client = "wrk" if wrk_seconds else "python"
    print(f"{scenario:12} {workers} worker(s) {clients:3d} {client} clients   ack p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   "
          f"{rate:5.0f} requests/s   target p99 < 100 ms: {verdict}{mentions}")  # fmt: skip
    if "Traceback" in output:
        print("  the app logged a traceback")


def main() -> None:
    """Run the scenarios and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+")
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scenario", nargs="+", default=["healthy", "slow", "rate-limited"],
                        choices=["healthy", "slow", "rate-limited"])  # fmt: skip
    parser.add_argument("--workers", type=int, nargs="+", default=[1])
    parser.add_argument("--client", choices=["python", "wrk"], default="python")
    parser.add_argument("--seconds", type=int, default=8, help="a wrk round's length")
    args = parser.parse_args()
    if args.client == "wrk" and not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install wrk)")
    cases = [case.question for path in QUESTION_FILES for case in load_cases(path)]
    questions = (cases * (args.requests // len(cases) + 1))[: args.requests]
    per_round = f"{args.seconds} s" if args.client == "wrk" else f"{args.requests}"
    print(f"{per_round} signed slash commands per round, median of {args.rounds} rounds")
    for scenario in args.scenario:
        for clients in args.clients or ([8, 32, 64] if scenario == "healthy" else [8]):
            for workers in args.workers:
                wrk_seconds = args.seconds if args.client == "wrk" else None
                run(scenario, clients, questions, args.rounds, workers, wrk_seconds)


if __name__ == "__main__":
    main()
