"""A local stand-in for the Slack Web API (and for response_url): records every call.

Tests and benchmarks point the app's SLACK_API_URL at it. Each call is recorded with its
method, parameters and headers; a test can script the next answers of a method (an error, a
429 with Retry-After) before it sends a request to the app.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

BOT_USER_ID = "UBOT0001"
BOT_ID = "BBOT0001"


@dataclass(frozen=True)
class Call:
    """One request the app made."""

    method: str  # a Web API method ("chat.postMessage") or "response_url"
    params: dict[str, Any]
    headers: dict[str, str]
    path: str


@dataclass
class Scripted:
    """An answer to give instead of the default one."""

    body: dict[str, Any]
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (and recording), like a slow Slack


def _default_answer(method: str, params: dict[str, Any]) -> dict[str, Any]:
    if method == "auth.test":
        return {"ok": True, "user_id": BOT_USER_ID, "bot_id": BOT_ID, "team_id": "T0001",
                "team": "Test", "user": "csm-vs-pm", "url": "https://test.slack.com/"}  # fmt: skip
    if method == "chat.postMessage":
        return {"ok": True, "channel": params.get("channel"), "ts": f"{time.time():.6f}"}
    if method == "chat.update":
        return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts"),
                "text": params.get("text")}  # fmt: skip
    if method == "chat.getPermalink":
        return {"ok": True, "permalink": "https://test.slack.com/archives/C1/p1"}
    return {"ok": True}


class FakeSlack:
    """The stand-in server; use as a context manager or call start()/stop()."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._scripts: dict[str, deque[Scripted]] = defaultdict(deque)
        self._lock = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Base URL of the server, e.g. http://127.0.0.1:PORT."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        """What to put in SLACK_API_URL."""
        return f"{self.url}/api/"

    def response_url(self, name: str = "hook") -> str:
        """A response_url for a slash command or button payload."""
        return f"{self.url}/response/{name}"

    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget calls and scripts (between tests)."""
        with self._lock:
            self.calls.clear()
            self._scripts.clear()

    def script(
        self,
        method: str,
        body: dict[str, Any],
        status: int = 200,
        delay: float = 0.0,
        **headers: str,
    ) -> None:
        """Answer the next call of `method` with this body (after `delay` s) instead of the default."""
        with self._lock:
            self._scripts[method].append(Scripted(body, status, headers, delay))

    def calls_to(self, method: str) -> list[Call]:
        """Calls made so far to `method`."""
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Wait until `method` was called `count` times; return those calls."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [call for call in self.calls if call.method == method]
                if len(found) >= count or time.monotonic() >= deadline:
                    return found
                self._lock.wait(timeout=max(0.0, min(0.05, deadline - time.monotonic())))

    def _record(self, call: Call) -> Scripted:
        """Pick the answer, wait out any scripted delay, then record the call as answered."""
        with self._lock:
            queue = self._scripts.get(call.method)
            answer = queue.popleft() if queue else None
        answer = answer or Scripted(_default_answer(call.method, call.params))
        time.sleep(answer.delay)
        with self._lock:
            self.calls.append(call)
            self._lock.notify_all()
        return answer

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                url = urlsplit(self.path)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                params: dict[str, Any] = dict(parse_qsl(url.query))
                if "json" in (self.headers.get("Content-Type") or ""):
                    params.update(json.loads(raw or "{}"))
                else:
                    params.update(parse_qsl(raw))
                if url.path.startswith("/api/"):
                    method = url.path.removeprefix("/api/")
                elif url.path.startswith("/response/"):
                    method = "response_url"
                else:
                    self.send_error(404)
                    return
                answer = fake._record(Call(method, params, dict(self.headers.items()), url.path))
                body = json.dumps(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in answer.headers.items():
                    self.send_header(name.replace("_", "-"), value)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except ConnectionError:  # the app stopped while Slack was "slow": expected
                    return

        return Handler
