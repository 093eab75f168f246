"""The curators' loop settings: defaults, parsing, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import cli
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
    ("name", "value"),
    [
        ("RETENTION_DAYS", "ninety"),
        ("RETENTION_DAYS", "0"),
        ("LOG_QUESTIONS", "maybe"),
        ("CONVERSATION_TTL_SECONDS", "30m"),
        ("CONVERSATION_TTL_SECONDS", "0"),
    ],
)
def test_bad_values_are_one_line_errors(name, value, monkeypatch, capsys):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})
    monkeypatch.setenv(name, value)
    assert cli.main(["report"]) == cli.EXIT_USAGE
    error = capsys.readouterr().err
    assert error.startswith(f"csm-vs-pm: {name}=") and error.count("\n") == 1


def test_conversations_expire_after_thirty_minutes_unless_set() -> None:
    assert Settings.from_env({}).conversation_ttl == 1800
    assert Settings.from_env({"CONVERSATION_TTL_SECONDS": "600"}).conversation_ttl == 600
