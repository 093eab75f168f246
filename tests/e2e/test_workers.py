"""HTTP_WORKERS: several processes on one port answer as one app would (signed requests to the
running app): a replay or a repeated click reaching another worker does nothing, a stop loses
no record, a dead worker is replaced, a failed start is one line, and edits go live in all."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import pytest

from bot.render.blocks import escalation_value
from bot.settings import default_knowledge_dir
from tests.e2e.conftest import ESCALATION_CHANNEL
from tests.e2e.fake_slack import FakeSlack
from tests.e2e.running_app import BOT_TOKEN, SIGNING_SECRET, RunningApp, sign, unique
from tests.e2e.test_live_reload import NEW_PHRASING, wait_for
from tests.e2e.test_shutdown import assert_stopped_with_every_record, stop_took
from tests.e2e.test_slack_app import action_payload
from tests.e2e.test_startup import assert_one_clear_line, serve

WORKERS = 2
FORM = "application/x-www-form-urlencoded"


def workers_of(app: RunningApp) -> list[int]:
    """The worker processes' ids (the children of the app's process)."""
    assert app.process is not None
    children = Path(f"/proc/{app.process.pid}/task/{app.process.pid}/children")
    return [int(pid) for pid in children.read_text().split()]


def start(app: RunningApp) -> RunningApp:
    """Start the app and wait until every worker serves (/healthz answers with the first)."""
    app.start()
    deadline = time.monotonic() + 30
    while "HTTP worker processes serving" not in app.output():
        assert time.monotonic() < deadline, app.output()
        time.sleep(0.05)
    return app


def concurrently(count: int, send: object) -> list[object]:
    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(send, range(count)))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def workers_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningApp, FakeSlack]]:
    database = tmp_path_factory.mktemp("workers") / "q.sqlite3"
    with FakeSlack() as fake:
        app = start(RunningApp(fake.api_url, {"DATABASE_PATH": str(database), "HTTP_WORKERS": str(WORKERS),
                                        "ESCALATION_CHANNEL": ESCALATION_CHANNEL}))  # fmt: skip
        try:
            yield app, fake
        finally:
            app.stop()


@pytest.fixture()
def served(workers_app: tuple[RunningApp, FakeSlack]) -> tuple[RunningApp, FakeSlack]:
    app, fake = workers_app
    fake.reset()
    return app, fake


def test_every_worker_answers_on_the_one_port(served: tuple[RunningApp, FakeSlack]) -> None:
    app, fake = served
    assert len(workers_of(app)) == WORKERS
    answers = concurrently(
        60, lambda n: app.send_command(f"what does a csm do {n}", fake.response_url())
    )
    assert {answer.status for answer in answers} == {200}  # type: ignore[attr-defined]
    assert all(answer.json()["blocks"] for answer in answers)  # type: ignore[attr-defined]
    health = app.get("/healthz")
    assert health.status == 200 and health.json()["ok"] is True
    assert "Traceback" not in app.output()


def test_a_replay_reaching_another_worker_does_nothing(
    served: tuple[RunningApp, FakeSlack],
) -> None:
    app, fake = served
    payload = action_payload(fake, "share_answer:3", "csm-skills", is_ephemeral=True)
    body = urlencode({"payload": json.dumps(payload)})
    headers = sign(body)
    # Twenty deliveries at once land on both workers; only the first does anything.
    statuses = concurrently(20, lambda _: app.post(body, FORM, headers).status)
    assert set(statuses) == {200}
    fake.wait_for("response_url")
    time.sleep(0.5)
    assert len(fake.calls_to("response_url")) == 1


def test_ask_a_person_clicked_on_every_worker_posts_once(
    served: tuple[RunningApp, FakeSlack],
) -> None:
    app, fake = served
    value = escalation_value("who owns renewals?", unique("rec"))

    def click(_: int) -> int:
        return app.send_action(action_payload(fake, "ask_person:0", value)).status

    assert set(concurrently(60, click)) == {200}
    fake.wait_for("response_url", 60)
    posts = [c for c in fake.calls_to("chat.postMessage")
             if c.params["channel"] == ESCALATION_CHANNEL]  # fmt: skip
    assert len(posts) == 1


def test_an_event_retried_on_every_worker_gets_one_reply(
    served: tuple[RunningApp, FakeSlack],
) -> None:
    app, fake = served
    event = {"type": "app_mention", "user": unique("U"), "text": "csm skills",
             "ts": f"{time.time():.6f}", "channel": unique("C")}  # fmt: skip
    event_id = unique("Ev")
    # Each delivery is signed afresh (as Slack's retries are), so only the event id repeats.
    statuses = concurrently(20, lambda _: app.send_event(event, event_id=event_id).status)
    assert set(statuses) == {200}
    fake.wait_for("chat.postMessage")
    time.sleep(0.5)
    assert len(fake.calls_to("chat.postMessage")) == 1


def test_a_killed_worker_is_replaced(served: tuple[RunningApp, FakeSlack]) -> None:
    app, fake = served
    victim = workers_of(app)[0]
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        current = workers_of(app)
        if len(current) == WORKERS and victim not in current:
            break
        time.sleep(0.1)
    assert victim not in workers_of(app) and len(workers_of(app)) == WORKERS
    answers = concurrently(20, lambda n: app.send_command(f"pm skills {n}", fake.response_url()))
    assert {answer.status for answer in answers} == {200}  # type: ignore[attr-defined]
    assert "starting another" in app.output()


@pytest.mark.parametrize("everyone", [False, True], ids=["parent", "every-process"])
def test_a_stop_signal_loses_no_record(
    fake_slack: FakeSlack, tmp_path: Path, everyone: bool
) -> None:
    """SIGTERM to the parent (Docker, Kubernetes) or to every process at once (Heroku, Ctrl+C
    at a terminal): each worker finishes what is in flight, writes every record, and all exit
    0 within the time allowed, while another process holds the database's lock."""
    database = tmp_path / "questions.sqlite3"
    app = start(RunningApp(fake_slack.api_url, {"DATABASE_PATH": str(database), "SHUTDOWN_TIMEOUT": "10",
                                          "HTTP_WORKERS": str(WORKERS)}))  # fmt: skip
    assert app.process is not None
    workers = workers_of(app)
    locker = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    try:
        locker.execute("BEGIN EXCLUSIVE")  # the database is busy: records queue up in each worker
        answers = concurrently(
            40, lambda n: app.send_command(f"what does a pm do {n}", fake_slack.response_url())
        )
        assert {answer.status for answer in answers} == {200}  # type: ignore[attr-defined]
        for pid in [app.process.pid, *workers] if everyone else [app.process.pid]:
            os.kill(pid, signal.SIGTERM)
        time.sleep(1.5)
        locker.rollback()  # the lock goes while the workers stop
        took = stop_took(app)
    finally:
        locker.close()
    output = assert_stopped_with_every_record(app, took, database, 40)
    assert "killed" not in output
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


def test_the_workers_stop_when_their_parent_dies(fake_slack: FakeSlack, tmp_path: Path) -> None:
    app = start(RunningApp(fake_slack.api_url, {"DATABASE_PATH": str(tmp_path / "q.sqlite3"),
                                          "HTTP_WORKERS": str(WORKERS)}))  # fmt: skip
    assert app.process is not None
    workers = workers_of(app)
    app.process.kill()
    app.process.wait()
    deadline = time.monotonic() + 15
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


def test_knowledge_edits_go_live_in_every_worker(tmp_path: Path, fake_slack: FakeSlack) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(default_knowledge_dir(), knowledge)
    app = start(RunningApp(fake_slack.api_url, {"KNOWLEDGE_DIR": str(knowledge), "HTTP_WORKERS": "2",
                                          "DATABASE_PATH": str(tmp_path / "q.sqlite3")}))  # fmt: skip
    try:
        roles = knowledge / "01-roles.yaml"
        anchor = "      - What is a Customer Success Manager?\n"
        roles.write_text(
            roles.read_text("utf-8").replace(anchor, anchor + f"      - {NEW_PHRASING}\n"), "utf-8"
        )
        expected = "What a Customer Success Manager is"
        assert wait_for(app, fake_slack, expected) == expected
        time.sleep(2)  # the other worker's watcher polls about once a second too
        answers = concurrently(
            30, lambda _: app.send_command(NEW_PHRASING, fake_slack.response_url())
        )
        headers = {
            next(b["text"]["text"] for b in a.json()["blocks"] if b["type"] == "header")  # type: ignore[attr-defined]
            for a in answers
        }
        assert headers == {expected}
    finally:
        app.stop()


def test_a_worker_refused_by_slack_stops_the_start_in_one_line() -> None:
    with FakeSlack() as fake:
        fake.script("auth.test", {"ok": False, "error": "invalid_auth"})
        result = serve({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                        "SLACK_API_URL": fake.api_url, "HTTP_WORKERS": "3"})  # fmt: skip
    assert result.returncode == 2
    assert_one_clear_line(result, "invalid_auth", "SLACK_BOT_TOKEN")


def test_port_in_use_with_workers_is_one_line() -> None:
    with FakeSlack() as fake:
        port = fake.url.rsplit(":", 1)[1]
        result = serve({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                        "SLACK_API_URL": fake.api_url, "PORT": port, "HTTP_WORKERS": "2"})  # fmt: skip
        assert not fake.calls_to("auth.test")  # refused before any worker started
    assert_one_clear_line(result, f"cannot listen on port {port}", "PORT")


@pytest.mark.parametrize("value", ["0", "two", "65", "-1"])
def test_a_bad_worker_count_is_one_line(value: str) -> None:
    result = serve({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                    "HTTP_WORKERS": value})  # fmt: skip
    assert_one_clear_line(result, f"HTTP_WORKERS={value!r}", "1 to 64")


def test_other_commands_ignore_http_workers() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "topics"],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "HTTP_WORKERS": "lots"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
