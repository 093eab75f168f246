"""Issue 10's full-size HTTP attacks against the running app, on loopback: too long for the suite.

- bodies: 8 clients at once each try to POST an unsigned 100 MB body; prints how fast the
  413 comes back and the app's peak memory before and after.
- slow: 105 clients open a request and send one header line every 5 s (a slowloris), and
  open a new one whenever the app closes theirs, for `--seconds`; meanwhile a signed slash command and GET /healthz are sent every second.
  Prints how many were served and how fast, and how many slow connections the app closed.

    python bench/slack_attacks.py [--attack bodies slow] [--seconds 150]
"""

from __future__ import annotations

import argparse
import select
import socket
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.slack_ack import post
from tests.e2e.fake_slack import FakeSlack
from tests.e2e.running_app import RunningApp, command_fields

BODY_BYTES = 100 * 2**20
BODY_CLIENTS = 8
SLOW_CLIENTS = 105
SLOW_LINE_EVERY_SECONDS = 5
CHUNK = b"x" * 2**20


def peak_memory_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def send_huge_body(port: int) -> tuple[str, float, int]:
    """Try to POST BODY_BYTES; return the status line, seconds to it, and bytes sent."""
    start, sent = time.perf_counter(), 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n" % BODY_BYTES)  # fmt: skip
        try:
            while sent < BODY_BYTES:
                sock.sendall(CHUNK)
                sent += len(CHUNK)
        except OSError:  # the app answered and closed the connection: the point
            pass
        answer = sock.recv(100).split(b"\r\n", 1)[0].decode(errors="replace")
    return answer, time.perf_counter() - start, sent


def bodies(app: RunningApp) -> None:
    """8 unsigned 100 MB bodies at once."""
    assert app.process is not None
    before = peak_memory_mb(app.process.pid)
    with ThreadPoolExecutor(max_workers=BODY_CLIENTS) as pool:
        results = list(pool.map(send_huge_body, [app.port] * BODY_CLIENTS))
    after = peak_memory_mb(app.process.pid)
    answers = sorted({answer for answer, _, _ in results})
    seconds = statistics.median(seconds for _, seconds, _ in results)
    sent_mb = statistics.median(sent for _, _, sent in results) / 2**20
    print(f"{BODY_CLIENTS} x {BODY_BYTES // 2**20} MB unsigned bodies: answers {answers}, "
          f"median {seconds * 1000:.0f} ms to the answer, median {sent_mb:.0f} MB sent before it; "
          f"app peak memory {before:.0f} MB before, {after:.0f} MB after")  # fmt: skip


def slow(app: RunningApp, fake: FakeSlack, seconds: float) -> None:
    """105 slowloris connections while real requests keep coming."""
    stop = threading.Event()
    closed = [0]

    def slow_client() -> None:
        """Hold a request open, a header line at a time; when the app closes it, start again."""
        while not stop.is_set():
            with socket.create_connection(("127.0.0.1", app.port), timeout=5) as sock:
                sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                while not stop.wait(SLOW_LINE_EVERY_SECONDS):
                    try:
                        sock.sendall(b"X-Slow: 1\r\n")
                        readable, _, _ = select.select([sock], [], [], 0)
                        if readable and sock.recv(1) == b"":
                            raise ConnectionResetError
                    except OSError:
                        closed[0] += 1
                        break

    threads = [threading.Thread(target=slow_client, daemon=True) for _ in range(SLOW_CLIENTS)]
    for thread in threads:
        thread.start()
    time.sleep(1)
    latencies, failures = [], 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        body = urlencode(command_fields("csm skills", fake.response_url()))
        try:
            latencies.append(post(app.port, body, "application/x-www-form-urlencoded"))
            if app.get("/healthz").status != 200:
                failures += 1
        except OSError:
            failures += 1
        time.sleep(1)
    stop.set()
    for thread in threads:
        thread.join(timeout=SLOW_LINE_EVERY_SECONDS + 1)
    print(f"{SLOW_CLIENTS} slow clients for {seconds:.0f} s: {len(latencies)} signed commands "
          f"served (median {statistics.median(latencies):.1f} ms, slowest {max(latencies):.1f} ms), "
          f"{failures} failed; the app closed {closed[0]} slow connections (each reopened)")  # fmt: skip


def main() -> None:
    """Run the attacks and print what happened."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--attack", nargs="+", default=["bodies", "slow"], choices=["bodies", "slow"]
    )
    parser.add_argument("--seconds", type=float, default=150)
    args = parser.parse_args()
    with FakeSlack() as fake, tempfile.TemporaryDirectory() as data:
        app = RunningApp(fake.api_url, {"DATABASE_PATH": f"{data}/q.sqlite3"}).start()
        try:
            if "bodies" in args.attack:
                bodies(app)
            if "slow" in args.attack:
                slow(app, fake, args.seconds)
        finally:
            output = app.stop()
    print(f"the app wrote {len(output.splitlines())} log lines"
          f"{', including a traceback' if 'Traceback' in output else ''}")  # fmt: skip


if __name__ == "__main__":
    main()
