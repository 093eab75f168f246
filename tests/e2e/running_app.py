"""Start the bot in HTTP mode as a subprocess and talk to it as Slack does (signed requests)."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
_ids = itertools.count(1)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def unique(prefix: str) -> str:
    """A fresh id, so state the app remembers from one test never meets the next."""
    return f"{prefix}{next(_ids):06d}"


def sign(
    body: str | bytes, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """Slack's request-signing headers for `body`."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    raw = body if isinstance(body, bytes) else body.encode()
    digest = hmac.new(secret.encode(), f"v0:{stamp}:".encode() + raw, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def event_callback(event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    """The Events API envelope Slack wraps an event in."""
    return {
        "token": "unused", "team_id": "T0001", "api_app_id": "A0001", "type": "event_callback",
        "event_id": event_id or unique("Ev"), "event_time": int(time.time()), "event": event,
    }  # fmt: skip


def command_fields(
    text: str, response_url: str, user_id: str = "U0000001", channel_id: str = "C0000001"
) -> dict[str, str]:
    """The fields of a /csm-vs-pm slash command."""
    return {
        "token": "unused", "team_id": "T0001", "channel_id": channel_id, "user_id": user_id,
        "user_name": "sam", "command": "/csm-vs-pm", "text": text,
        "response_url": response_url, "trigger_id": unique("trig"), "api_app_id": "A0001",
    }  # fmt: skip


@dataclass
class Response:
    """What the app answered."""

    status: int
    body: str
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body)


class RunningApp:
    """`python -m bot serve --http` against a fake Web API, with signed-request helpers."""

    def __init__(
        self,
        api_url: str,
        extra_env: dict[str, str] | None = None,
        argv: tuple[str, ...] = ("serve", "--http"),
    ) -> None:
        self.argv = argv
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": api_url,
            "PORT": str(self.port),
            "LOG_LEVEL": "INFO",
            **(extra_env or {}),
        }
        self.env.pop("SLACK_APP_TOKEN", None)
        self.process: subprocess.Popen[str] | None = None
        # What the app prints goes to a file, so a test can read its log while it runs; the
        # file lives as long as this object (its log is read after stop() too).
        self._log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115

    def start(self, timeout: float = 30.0) -> RunningApp:
        """Start the app and wait until GET /healthz answers."""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", *self.argv],
            env=self.env,
            cwd=Path(__file__).resolve().parents[2],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the app exited: {self.output()}")
            try:
                if self.get("/healthz").status == 200:
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the app did not answer /healthz in time")

    def output(self) -> str:
        """Everything the app has printed so far."""
        self._log.seek(0)
        return self._log.read()

    def stop(self) -> str:
        """Stop the app; return what it printed."""
        if self.process is None:
            return ""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return self.output()

    def get(self, path: str, method: str = "GET") -> Response:
        return self._send(urllib.request.Request(self.url + path, method=method))

    def post(self, body: str | bytes, content_type: str, headers: dict[str, str]) -> Response:
        """POST /slack/events with the given headers (signed or not)."""
        request = urllib.request.Request(
            self.url + "/slack/events",
            data=body if isinstance(body, bytes) else body.encode(),
            headers={"Content-Type": content_type, **headers},
            method="POST",
        )
        return self._send(request)

    def _send(self, request: urllib.request.Request) -> Response:
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                return Response(reply.status, reply.read().decode(), time.perf_counter() - start)
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read().decode(), time.perf_counter() - start)

    def send_event(self, event: dict[str, Any], *, event_id: str | None = None,
                   headers: dict[str, str] | None = None) -> Response:  # fmt: skip
        """An Events API callback, signed."""
        body = json.dumps(event_callback(event, event_id))
        return self.post(body, "application/json", {**sign(body), **(headers or {})})

    def send_command(self, text: str, response_url: str, user_id: str = "U0000001",
                     channel_id: str = "C0000001") -> Response:  # fmt: skip
        """A /csm-vs-pm slash command, form-encoded and signed."""
        body = urlencode(command_fields(text, response_url, user_id, channel_id))
        return self.post(body, "application/x-www-form-urlencoded", sign(body))

    def send_action(self, payload: dict[str, Any]) -> Response:
        """A block_actions interaction payload, form-encoded and signed."""
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded", sign(body))
