"""What `serve` logs: one JSON object per line with LOG_FORMAT=json, and no question text with
LOG_QUESTIONS=0, even at DEBUG (where Slack's libraries log whole request bodies)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.fake_slack import FakeSlack
from tests.e2e.running_app import RunningApp
from tests.e2e.test_slack_app import mention

SECRET = "zebracorn payroll migration"


def test_debug_json_logs_hold_no_question_text(fake_slack: FakeSlack, tmp_path: Path) -> None:
    app = RunningApp(
        fake_slack.api_url,
        {"DATABASE_PATH": str(tmp_path / "q.sqlite3"), "LOG_LEVEL": "DEBUG",
         "LOG_FORMAT": "json", "LOG_QUESTIONS": "0"},
    ).start()  # fmt: skip
    try:
        assert app.send_event(mention(f"what does a csm do about {SECRET}")).status == 200
        fake_slack.wait_for("chat.postMessage")
    finally:
        output = app.stop()
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert {"time", "level", "logger", "message"} <= set(records[0])
    assert any(record["level"] == "DEBUG" for record in records)
    assert "zebracorn" not in output
