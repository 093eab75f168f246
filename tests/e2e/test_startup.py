"""Start-up: configuration mistakes fail with one clear line, and the server comes up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.fake_slack import FakeSlack
from tests.e2e.running_app import BOT_TOKEN, SIGNING_SECRET, RunningApp

ROOT = Path(__file__).resolve().parents[2]


def serve(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    return subprocess.run([sys.executable, "-m", "bot", "serve", "--http"], cwd=ROOT,
                          env={**clean, **env}, capture_output=True, text=True, timeout=60)  # fmt: skip


def assert_one_clear_line(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("csm-vs-pm:")]
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0]


@pytest.mark.parametrize(
    ("env", "needles"),
    [
        ({}, ("SLACK_BOT_TOKEN is missing", "OAuth & Permissions")),
        ({"SLACK_BOT_TOKEN": "xoxp-user"}, ("SLACK_BOT_TOKEN does not look right", "xoxb-")),
        ({"SLACK_BOT_TOKEN": BOT_TOKEN}, ("SLACK_SIGNING_SECRET is missing",)),
        ({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": "s", "PORT": "http"}, ("PORT",)),
    ],
)
def test_missing_or_malformed_configuration(env: dict[str, str], needles: tuple[str, ...]) -> None:
    assert_one_clear_line(serve(env), *needles)


def test_token_rejected_by_slack() -> None:
    with FakeSlack() as fake:
        fake.script("auth.test", {"ok": False, "error": "invalid_auth"})
        result = serve({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                        "SLACK_API_URL": fake.api_url})  # fmt: skip
        assert fake.calls_to("auth.test")
    assert_one_clear_line(result, "invalid_auth", "SLACK_BOT_TOKEN")


def test_broken_knowledge_base(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text("articles: [\n")
    result = serve({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                    "KNOWLEDGE_DIR": str(tmp_path)})  # fmt: skip
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{tmp_path / 'sources.yaml'}:" in result.stderr


def test_health_check(slack_app: RunningApp) -> None:
    response = slack_app.get("/healthz")
    assert (response.status, response.json()) == (200, {"ok": True})
