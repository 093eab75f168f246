"""The Slack app manifest asks for what the app uses, and the Procfile runs both modes."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.slack.listeners.commands import COMMAND

ROOT = Path(__file__).resolve().parents[1]


def test_manifest_creates_the_whole_app() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yaml").read_text("utf-8"))
    features, settings = manifest["features"], manifest["settings"]
    assert [command["command"] for command in features["slash_commands"]] == [COMMAND]
    assert features["app_home"]["home_tab_enabled"] is True
    assert features["app_home"]["messages_tab_enabled"] is True
    assert features["app_home"]["messages_tab_read_only_enabled"] is False
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_mention",
        "message.im",
        "app_home_opened",
    }
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"app_mentions:read", "chat:write", "commands", "im:history", "im:write"} <= scopes


def test_procfile_serves_http_and_socket_mode() -> None:
    lines = (ROOT / "Procfile").read_text("utf-8").splitlines()
    assert "web: csm-vs-pm serve --http" in lines
    assert "worker: csm-vs-pm serve --socket" in lines


def test_env_example_documents_every_variable() -> None:
    text = (ROOT / ".env.example").read_text("utf-8")
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "PORT",
                 "LOG_LEVEL", "SLACK_API_URL", "DATABASE_PATH", "LOG_QUESTIONS",
                 "RETENTION_DAYS", "ESCALATION_CHANNEL", "KNOWLEDGE_DIR",
                 "CONVERSATION_TTL_SECONDS"):  # fmt: skip
        assert name in text


def test_the_assistant_surface_is_off_but_one_uncomment_away() -> None:
    text = (ROOT / "manifest.yaml").read_text("utf-8")
    manifest = yaml.safe_load(text)
    assert "assistant_view" not in manifest["features"]
    assert "assistant:write" not in manifest["oauth_config"]["scopes"]["bot"]
    enabled = yaml.safe_load(
        text.replace("# assistant_view:", "assistant_view:")
        .replace("#   assistant_description", "  assistant_description")
        .replace("# - assistant", "- assistant")
    )
    assert enabled["features"]["assistant_view"]["assistant_description"]
    assert "assistant:write" in enabled["oauth_config"]["scopes"]["bot"]
    assert {"assistant_thread_started", "assistant_thread_context_changed"} <= set(
        enabled["settings"]["event_subscriptions"]["bot_events"]
    )
