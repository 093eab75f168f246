"""Slack's assistant surface: on only when the bot token carries assistant:write, then the same
answers and follow-ups in each assistant thread. Signed requests in, the fake Web API out."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.fake_slack import FakeSlack
from tests.e2e.running_app import RunningApp, unique
from tests.e2e.test_slack_app import header

SCOPES = "app_mentions:read,chat:write,commands,im:history,im:read,im:write,assistant:write"


@pytest.fixture(scope="module")
def assistant_app(
    fake_slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningApp]:
    # Bolt's own auth.test, then the app's look at the granted scopes.
    for _ in range(2):
        fake_slack.script(
            "auth.test",
            {"ok": True, "user_id": "UBOT0001", "bot_id": "BBOT0001", "team_id": "T0001",
             "team": "Test", "user": "csm-vs-pm", "url": "https://test.slack.com/"},
            x_oauth_scopes=SCOPES,
        )  # fmt: skip
    database: Path = tmp_path_factory.mktemp("assistant") / "questions.sqlite3"
    app = RunningApp(fake_slack.api_url, {"DATABASE_PATH": str(database)}).start()
    yield app
    app.stop()


def thread_message(user: str, channel: str, thread: str, text: str) -> dict[str, Any]:
    return {"type": "message", "channel_type": "im", "user": user, "text": text,
            "ts": f"{time.time():.6f}", "channel": channel, "thread_ts": thread}  # fmt: skip


def test_a_thread_starts_with_suggested_prompts(
    assistant_app: RunningApp, fake_slack: FakeSlack
) -> None:
    user, channel, thread = unique("U"), unique("D"), f"{time.time():.6f}"
    event = {"type": "assistant_thread_started", "event_ts": thread,
             "assistant_thread": {"user_id": user, "channel_id": channel, "thread_ts": thread,
                                  "context": {}}}  # fmt: skip
    assert assistant_app.send_event(event).status == 200
    (prompts,) = fake_slack.wait_for("assistant.threads.setSuggestedPrompts")
    assert (prompts.params["channel_id"], prompts.params["thread_ts"]) == (channel, thread)
    titles = [prompt["title"] for prompt in prompts.params["prompts"]]
    assert 1 <= len(titles) <= 4 and "CSM vs PM in a nutshell" in titles
    (hello,) = fake_slack.wait_for("chat.postMessage")
    assert hello.params["thread_ts"] == thread


def test_answers_and_follow_ups_in_an_assistant_thread(
    assistant_app: RunningApp, fake_slack: FakeSlack
) -> None:
    user, channel, thread = unique("U"), unique("D"), f"{time.time():.6f}"
    assistant_app.send_event(thread_message(user, channel, thread, "what skills does a csm need"))
    (status,) = fake_slack.wait_for("assistant.threads.setStatus")
    assert status.params["thread_ts"] == thread
    (answer,) = fake_slack.wait_for("chat.postMessage")
    assert answer.params["thread_ts"] == thread
    assert header(answer.params["blocks"]) == "Skills a Customer Success Manager needs"
    fake_slack.reset()
    assistant_app.send_event(thread_message(user, channel, thread, "and for a PM?"))
    (follow_up,) = fake_slack.wait_for("chat.postMessage")
    assert header(follow_up.params["blocks"]) == "Skills a Project Manager needs"
    assert follow_up.params["text"].startswith("Following up on")


def test_without_the_scope_a_dm_thread_is_an_ordinary_dm(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    user, channel, thread = unique("U"), unique("D"), f"{time.time():.6f}"
    slack_app.send_event(thread_message(user, channel, thread, "what skills does a csm need"))
    (answer,) = fake_slack.wait_for("chat.postMessage")
    assert header(answer.params["blocks"]) == "Skills a Customer Success Manager needs"
    time.sleep(0.2)
    assert fake_slack.calls_to("assistant.threads.setStatus") == []


def test_a_context_change_needs_no_web_api_call(
    assistant_app: RunningApp, fake_slack: FakeSlack
) -> None:
    event = {"type": "assistant_thread_context_changed", "event_ts": "1.1",
             "assistant_thread": {"user_id": "U1", "channel_id": "D1", "thread_ts": "1.1",
                                  "context": {"channel_id": "C1"}}}  # fmt: skip
    assert assistant_app.send_event(event).status == 200
    time.sleep(0.3)
    assert fake_slack.calls == []
