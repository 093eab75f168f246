"""Socket Mode end to end: `csm-vs-pm serve` with SLACK_APP_TOKEN set connects over a WebSocket
(a local stand-in), acknowledges each envelope and answers through the fake Web API."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.e2e.fake_slack import BOT_USER_ID, FakeSlack
from tests.e2e.fake_socket_mode import FakeSocketMode
from tests.e2e.running_app import BOT_TOKEN, command_fields, event_callback, free_port, unique

ROOT = Path(__file__).resolve().parents[2]
APP_TOKEN = "xapp-1-test"


@pytest.fixture(scope="module")
def health_port() -> int:
    return free_port()


@contextmanager
def socket_app(fake_slack: FakeSlack, **env_extra: str) -> Iterator[tuple[FakeSocketMode, subprocess.Popen[str]]]:  # fmt: skip
    """`csm-vs-pm serve` connected to a fresh stand-in; SIGTERM at the end must exit 0."""
    server = FakeSocketMode()
    fake_slack.script("apps.connections.open", {"ok": True, "url": server.url})
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN, SLACK_API_URL=fake_slack.api_url,
               **env_extra)  # fmt: skip
    # No --socket flag: the app token alone selects Socket Mode.
    process = subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        if not server.wait_connected():
            process.kill()
            pytest.fail(f"the app did not connect over Socket Mode:\n{process.communicate()[0]}")
        opened = fake_slack.calls_to("apps.connections.open")
        assert opened[-1].headers["Authorization"] == f"Bearer {APP_TOKEN}"
        yield server, process
    finally:
        if process.poll() is None:
            process.terminate()  # SIGTERM: a clean stop, exit status 0
        output = process.communicate(timeout=15)[0]
        server.close()
    assert process.returncode == 0, output


@pytest.fixture(scope="module")
def socket_server(fake_slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory, health_port: int) -> Iterator[FakeSocketMode]:  # fmt: skip
    database = tmp_path_factory.mktemp("socket") / "q.sqlite3"
    with socket_app(fake_slack, DATABASE_PATH=str(database), HEALTH_PORT=str(health_port)) as (server, _):  # fmt: skip
        yield server


def test_mention_over_socket_mode(socket_server: FakeSocketMode, fake_slack: FakeSlack) -> None:
    event = {"type": "app_mention", "user": unique("U"), "text": f"<@{BOT_USER_ID}> pm skills",
             "ts": "1700000000.000100", "channel": unique("C")}  # fmt: skip
    envelope_id = unique("env")
    socket_server.send({"envelope_id": envelope_id, "type": "events_api",
                        "accepts_response_payload": False, "payload": event_callback(event)})  # fmt: skip
    assert socket_server.ack_for(envelope_id) == {"envelope_id": envelope_id}
    post = fake_slack.wait_for("chat.postMessage")[0]
    assert (post.params["channel"], post.params["thread_ts"]) == (event["channel"], event["ts"])
    assert post.params["text"].startswith("Skills a Project Manager needs")


def test_slash_command_over_socket_mode(socket_server: FakeSocketMode) -> None:
    envelope_id = unique("env")
    fields = command_fields("what does a csm do", "https://hooks.invalid/response")
    socket_server.send({"envelope_id": envelope_id, "type": "slash_commands",
                        "accepts_response_payload": True, "payload": fields})  # fmt: skip
    ack = socket_server.ack_for(envelope_id)
    assert ack is not None, "no acknowledgement"
    assert ack["payload"]["response_type"] == "ephemeral"
    assert ack["payload"]["text"].startswith("What a Customer Success Manager")


def test_health_endpoint_on_health_port(socket_server: FakeSocketMode, health_port: int) -> None:
    url = f"http://127.0.0.1:{health_port}/healthz"
    with urllib.request.urlopen(url, timeout=5) as response:
        health = json.loads(response.read())
    assert response.status == 200
    assert health["ok"] is True and health["store"]["reachable"] is True


def test_sigterm_writes_every_queued_record(fake_slack: FakeSlack, tmp_path: Path) -> None:
    database = tmp_path / "q.sqlite3"
    with socket_app(fake_slack, DATABASE_PATH=str(database)) as (server, process):
        locker = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
        locker.execute("BEGIN EXCLUSIVE")  # the database is busy: records queue up
        for number in range(20):
            envelope_id = unique("env")
            fields = command_fields(f"what does a pm do {number}", "https://hooks.invalid/r")
            server.send({"envelope_id": envelope_id, "type": "slash_commands",
                         "accepts_response_payload": True, "payload": fields})  # fmt: skip
            assert server.ack_for(envelope_id) is not None
        process.send_signal(signal.SIGTERM)
        threading.Timer(1.5, locker.rollback).start()  # the lock goes while the bot stops
        process.wait(timeout=15)
    locker.close()
    with sqlite3.connect(database) as check:
        assert check.execute("SELECT count(*) FROM questions").fetchone()[0] == 20
