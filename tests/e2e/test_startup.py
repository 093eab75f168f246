"""Start-up: configuration mistakes fail with one clear line, and the server comes up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.fake_slack import FakeSlack
from tests.e2e.running_app import BOT_TOKEN, SIGNING_SECRET, RunningApp, free_port

ROOT = Path(__file__).resolve().parents[2]


def serve(
    env: dict[str, str], argv: tuple[str, ...] = ("serve", "--http")
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    return subprocess.run([sys.executable, "-m", "bot", *argv], cwd=ROOT,
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


@pytest.mark.parametrize(
    ("app_token", "needles"),
    [
        (None, ("SLACK_APP_TOKEN is missing", "App-Level Tokens")),
        ("xoxb-not-an-app-token", ("SLACK_APP_TOKEN does not look right", "xapp-")),
    ],
)
def test_socket_mode_needs_an_app_token(app_token: str | None, needles: tuple[str, ...]) -> None:
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, **({"SLACK_APP_TOKEN": app_token} if app_token else {})}
    assert_one_clear_line(serve(env, ("serve", "--socket")), *needles)


def test_app_token_selects_socket_mode_and_a_rejected_one_is_one_line() -> None:
    with FakeSlack() as fake:
        fake.script("apps.connections.open", {"ok": False, "error": "invalid_auth"})
        result = serve({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": "xapp-test",
                        "SLACK_API_URL": fake.api_url}, ("serve",))  # fmt: skip
        opened = fake.calls_to("apps.connections.open")
    assert [call.headers["Authorization"] for call in opened] == ["Bearer xapp-test"]
    assert_one_clear_line(result, "SLACK_APP_TOKEN", "invalid_auth")


def test_no_command_without_slack_prints_help_and_a_hint() -> None:
    result = serve({}, ())
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: csm-vs-pm")
    assert 'csm-vs-pm ask "' in result.stdout
    assert "Traceback" not in result.stderr


def test_no_command_with_a_bot_token_serves() -> None:
    with FakeSlack() as fake:
        app = RunningApp(fake.api_url, argv=()).start()
        try:
            assert app.get("/healthz").status == 200
            assert fake.calls_to("auth.test")
        finally:
            output = app.stop()
    # Bolt's "token will be unused" notice would only alarm: it is the same token.
    assert "WARNING" not in output and "Traceback" not in output


def test_token_rejected_by_slack() -> None:
    with FakeSlack() as fake:
        fake.script("auth.test", {"ok": False, "error": "invalid_auth"})
        result = serve({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                        "SLACK_API_URL": fake.api_url})  # fmt: skip
        assert fake.calls_to("auth.test")
    assert_one_clear_line(result, "invalid_auth", "SLACK_BOT_TOKEN")


def test_slack_out_of_reach() -> None:
    result = serve({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                    "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/"})  # fmt: skip
    assert_one_clear_line(result, "could not reach Slack", "SLACK_API_URL")


def test_port_in_use() -> None:
    with FakeSlack() as fake:
        port = fake.url.rsplit(":", 1)[1]  # the fake Web API already listens there
        result = serve({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                        "SLACK_API_URL": fake.api_url, "PORT": port})  # fmt: skip
    assert_one_clear_line(result, f"cannot listen on port {port}", "PORT")


def test_broken_knowledge_base(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text("articles: [\n")
    result = serve({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                    "KNOWLEDGE_DIR": str(tmp_path)})  # fmt: skip
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{tmp_path / 'sources.yaml'}:" in result.stderr


def test_health_check(slack_app: RunningApp) -> None:
    response = slack_app.get("/healthz")
    assert response.status == 200
    health = response.json()
    assert health["ok"] is True
    assert health["store"]["ok"] is True and health["store"]["backend"] == "sqlite"


@pytest.mark.parametrize(
    ("database", "needle"),
    [
        ("corrupt", "file is not a database"),
        ("/proc/csm-vs-pm/questions.sqlite3", "cannot create"),  # not even root may write there
    ],
)
def test_an_unusable_database_stops_the_start(tmp_path: Path, database: str, needle: str) -> None:
    if database == "corrupt":
        database = str(tmp_path / "q.sqlite3")
        Path(database).write_bytes(b"not a database" * 1000)
    with FakeSlack() as fake:
        result = serve({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                        "SLACK_API_URL": fake.api_url, "DATABASE_PATH": database})  # fmt: skip
    assert_one_clear_line(result, database, needle)
