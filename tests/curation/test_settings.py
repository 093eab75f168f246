"""The curators' loop settings: defaults, parsing, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import cli
from bot.curation.backends.postgres import PostgresBackend
from bot.settings import ConfigError, Settings


def test_defaults_need_no_set_up():
    settings = Settings.from_env({"XDG_DATA_HOME": "/data"})
    assert settings.database_path == Path("/data/csm-vs-pm/questions.sqlite3")
    assert settings.log_questions is True
    assert settings.retention_days == 90
    assert settings.user_hash_salt is None and settings.escalation_channel is None


def test_values_from_the_environment():
    settings = Settings.from_env(
        {
            "DATABASE_PATH": "~/q.sqlite3",
            "LOG_QUESTIONS": "0",
            "RETENTION_DAYS": "30",
            "USER_HASH_SALT": "pepper",
            "ESCALATION_CHANNEL": " C0123 ",
        }
    )
    assert settings.database_path == Path("~/q.sqlite3").expanduser()
    assert (settings.log_questions, settings.retention_days) == (False, 30)
    assert (settings.user_hash_salt, settings.escalation_channel) == ("pepper", "C0123")


@pytest.mark.parametrize(
    ("name", "value", "command"),
    [
        ("RETENTION_DAYS", "ninety", "report"),
        ("RETENTION_DAYS", "0", "report"),
        ("LOG_QUESTIONS", "maybe", "report"),
        # checked by the commands that keep a conversation (each command reads only its own)
        ("CONVERSATION_TTL_SECONDS", "30m", "chat"),
        ("CONVERSATION_TTL_SECONDS", "0", "chat"),
    ],
)
def test_bad_values_are_one_line_errors(name, value, command, monkeypatch, capsys):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})
    monkeypatch.setenv(name, value)
    assert cli.main([command]) == cli.EXIT_USAGE
    error = capsys.readouterr().err
    assert error.startswith(f"csm-vs-pm: {name}=") and error.count("\n") == 1


def test_conversations_expire_after_thirty_minutes_unless_set() -> None:
    assert Settings.from_env({}).conversation_ttl == 1800
    assert Settings.from_env({"CONVERSATION_TTL_SECONDS": "600"}).conversation_ttl == 600


def test_store_and_serving_settings():
    url = "postgresql://csm:secret@db:5432/bot"
    settings = Settings.from_env(
        {"DATABASE_URL": url, "SHUTDOWN_TIMEOUT": "2.5", "HEALTH_PORT": "8081",
         "LOG_FORMAT": "JSON"}
    )  # fmt: skip
    assert settings.database_url == url
    assert (settings.shutdown_timeout, settings.health_port) == (2.5, 8081)
    assert settings.log_format == "json"
    defaults = Settings.from_env({})
    assert (defaults.database_url, defaults.health_port) == (None, None)
    assert (defaults.shutdown_timeout, defaults.log_format) == (10.0, "text")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "mysql://root:hunter2@db/bot"),
        ("SHUTDOWN_TIMEOUT", "soon"),
        ("SHUTDOWN_TIMEOUT", "0"),
        ("HEALTH_PORT", "99999"),
        ("LOG_FORMAT", "xml"),
    ],
)
def test_bad_store_and_serving_values(name, value):
    with pytest.raises(ConfigError, match=name) as raised:
        Settings.from_env({name: value})
    assert "hunter2" not in str(raised.value)  # a password in a URL is never echoed


def test_a_database_password_is_never_shown():
    backend = PostgresBackend("postgresql://csm:hunter2@db.internal:5432/bot?sslmode=require")
    assert backend.where == "postgresql://csm:***@db.internal:5432/bot?sslmode=require"
