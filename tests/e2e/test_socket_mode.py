"""Socket Mode end to end: `csm-vs-pm serve` with SLACK_APP_TOKEN set connects over a WebSocket
(a local stand-in), acknowledges each envelope and answers through the fake Web API."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.fake_slack import BOT_USER_ID, FakeSlack
from tests.e2e.fake_socket_mode import FakeSocketMode
from tests.e2e.running_app import BOT_TOKEN, command_fields, event_callback, unique

ROOT = Path(__file__).resolve().parents[2]
APP_TOKEN = "xapp-1-test"


@pytest.fixture(scope="module")
def socket_server(fake_slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeSocketMode]:  # fmt: skip
    server = FakeSocketMode()
    fake_slack.script("apps.connections.open", {"ok": True, "url": server.url})
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN, SLACK_API_URL=fake_slack.api_url,
               DATABASE_PATH=str(tmp_path_factory.mktemp("socket") / "q.sqlite3"))  # fmt: skip
    # No --socket flag: the app token alone selects Socket Mode.
    process = subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        if not server.wait_connected():
            process.kill()
            pytest.fail(f"the app did not connect over Socket Mode:\n{process.communicate()[0]}")
        opened = fake_slack.calls_to("apps.connections.open")
        assert opened[-1].headers["Authorization"] == f"Bearer {APP_TOKEN}"
        yield server
    finally:
        process.terminate()
        process.communicate(timeout=10)
        server.close()


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


def test_slash_command_is_acknowledged_while_answers_wait_on_a_slow_slack(
    socket_server: FakeSocketMode, fake_slack: FakeSlack
) -> None:
    # More mentions than Bolt's default pool has threads, each held 3.5 s by chat.postMessage.
    mentions = 6
    for _ in range(mentions):
        fake_slack.script("chat.postMessage", {"ok": True, "ts": "1.1"}, delay=3.5)
        event = {"type": "app_mention", "user": unique("U"), "ts": "1700000000.000200",
                 "text": f"<@{BOT_USER_ID}> csm skills", "channel": unique("C")}  # fmt: skip
        socket_server.send({"envelope_id": unique("env"), "type": "events_api",
                            "accepts_response_payload": False, "payload": event_callback(event)})  # fmt: skip
    envelope_id = unique("env")
    socket_server.send({"envelope_id": envelope_id, "type": "slash_commands",
                        "accepts_response_payload": True,
                        "payload": command_fields("pm skills", "https://hooks.invalid/r")})  # fmt: skip
    ack = socket_server.ack_for(envelope_id, timeout=2.0)
    assert ack is not None and ack["payload"]["text"].startswith("Skills a Project Manager")
    # Let the slow answers land before the next test counts calls.
    assert len(fake_slack.wait_for("chat.postMessage", mentions, timeout=15)) == mentions


def test_a_silent_connection_is_replaced_within_about_ten_seconds(
    socket_server: FakeSocketMode, fake_slack: FakeSlack
) -> None:
    fake_slack.script("apps.connections.open", {"ok": True, "url": socket_server.url})
    connections = socket_server.connections
    socket_server.stall()
    started = time.monotonic()
    assert socket_server.wait_connected(timeout=13, count=connections + 1)
    assert time.monotonic() - started < 13
    # The new connection works.
    envelope_id = unique("env")
    socket_server.send({"envelope_id": envelope_id, "type": "slash_commands",
                        "accepts_response_payload": True,
                        "payload": command_fields("csm skills", "https://hooks.invalid/r")})  # fmt: skip
    assert socket_server.ack_for(envelope_id) is not None
