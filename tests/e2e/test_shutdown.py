"""Stopping: SIGTERM (how Docker, Kubernetes and Heroku stop a process) and SIGINT finish the
requests in flight, write every queued record and exit 0 in bounded time, even while another
process holds the database's lock."""

from __future__ import annotations

import signal
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e.fake_slack import FakeSlack
from tests.e2e.running_app import RunningApp

QUESTIONS = 30


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_loses_no_record(
    fake_slack: FakeSlack, tmp_path: Path, signum: signal.Signals
) -> None:
    database = tmp_path / "questions.sqlite3"
    app = RunningApp(
        fake_slack.api_url, {"DATABASE_PATH": str(database), "SHUTDOWN_TIMEOUT": "10"}
    ).start()
    locker = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    try:
        locker.execute("BEGIN EXCLUSIVE")  # the database is busy: records queue up
        with ThreadPoolExecutor(6) as pool:
            answers = list(
                pool.map(
                    lambda n: app.send_command(
                        f"what does a csm do {n}", fake_slack.response_url()
                    ),
                    range(QUESTIONS),
                )
            )
        assert all(answer.status == 200 for answer in answers)
        assert app.process is not None
        app.process.send_signal(signum)
        threading.Timer(1.5, locker.rollback).start()  # the lock goes while the bot stops
        took = stop_took(app)
    finally:
        locker.close()
    assert_stopped_with_every_record(app, took, database, QUESTIONS)


def stop_took(app: RunningApp) -> float:
    """Seconds until the signalled app exits."""
    assert app.process is not None
    started = time.monotonic()
    app.process.wait(timeout=20)
    return time.monotonic() - started


def assert_stopped_with_every_record(
    app: RunningApp, took: float, database: Path, expected: int
) -> str:
    """The app exited 0 within its drain timeout, quietly, with every question stored; its
    output is returned for further checks."""
    output = app.output()
    assert app.process is not None and app.process.returncode == 0, output
    assert took < 10 + 2, output
    assert "Traceback" not in output
    with sqlite3.connect(database) as check:
        (stored,) = check.execute("SELECT count(*) FROM questions").fetchone()
    assert stored == expected, output
    return output


def test_stopping_refuses_new_connections_and_answers_the_ones_in_flight(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    # A mention whose reply takes 2 s is still being answered when the stop begins.
    fake_slack.script("chat.postMessage", {"ok": True, "ts": "1.1"}, delay=2.0)
    app = RunningApp(fake_slack.api_url, {"DATABASE_PATH": str(tmp_path / "q.sqlite3")}).start()
    assert app.process is not None
    event = {"type": "app_mention", "user": "U1", "text": "csm skills", "ts": "1.000100",
             "channel": "C1"}  # fmt: skip
    assert app.send_event(event).status == 200
    time.sleep(0.3)
    app.process.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    with pytest.raises(OSError):
        app.get("/healthz")  # no longer listening
    app.process.wait(timeout=15)
    output = app.output()
    assert app.process.returncode == 0, output
    assert len(fake_slack.calls_to("chat.postMessage")) == 1  # the reply in flight went out


def test_a_reply_stuck_on_a_slow_slack_does_not_hold_the_stop(tmp_path: Path) -> None:
    # A fake of its own: the stuck call ends 8 s later, when another test may be running.
    with FakeSlack() as fake_slack:
        _stop_while_a_reply_is_stuck(fake_slack, tmp_path)


def _stop_while_a_reply_is_stuck(fake_slack: FakeSlack, tmp_path: Path) -> None:
    # Slack takes 8 s to answer the reply; the app is allowed 1 s to stop.
    fake_slack.script("chat.postMessage", {"ok": True, "ts": "1.1"}, delay=8.0)
    database = tmp_path / "q.sqlite3"
    app = RunningApp(
        fake_slack.api_url, {"DATABASE_PATH": str(database), "SHUTDOWN_TIMEOUT": "1"}
    ).start()
    assert app.process is not None
    event = {"type": "app_mention", "user": "U1", "text": "csm skills", "ts": "1.000100",
             "channel": "C1"}  # fmt: skip
    assert app.send_event(event).status == 200
    time.sleep(0.5)  # the reply is now waiting on Slack (the fake records it when it answers)
    app.process.send_signal(signal.SIGTERM)
    took = stop_took(app)
    output = assert_stopped_with_every_record(app, took, database, 1)
    assert took < 4, output  # not the 8 s the stuck call takes
    assert "replies still waiting after the time allowed are dropped" in output
