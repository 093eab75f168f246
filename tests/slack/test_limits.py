"""The Slack layer's limits in isolation: settings, throttled logs, the reply pool, payload shapes."""

from __future__ import annotations

import logging
import threading

import pytest

from bot.settings import ConfigError, Settings, redact_url
from bot.slack import payloads
from bot.slack.outbox import Outbox
from bot.slack.throttle import Throttle, ThrottledLog


def test_limits_default_and_read_from_the_environment() -> None:
    assert (Settings.from_env({}).max_body_bytes, Settings.from_env({}).reply_queue) == (
        1_048_576,
        500,
    )
    settings = Settings.from_env({"MAX_BODY_BYTES": "4096", "HTTP_READ_TIMEOUT": "3",
                                  "HTTP_CONNECTION_LIMIT": "50", "REPLY_WORKERS": "2",
                                  "REPLY_QUEUE": "9"})  # fmt: skip
    assert (settings.max_body_bytes, settings.http_read_timeout) == (4096, 3)
    assert (settings.http_connection_limit, settings.reply_workers, settings.reply_queue) == (
        50,
        2,
        9,
    )


@pytest.mark.parametrize("name", ["MAX_BODY_BYTES", "HTTP_READ_TIMEOUT", "REPLY_QUEUE"])
def test_a_limit_that_is_not_a_positive_number_is_refused(name: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: "lots"})


def test_credentials_in_urls_are_redacted() -> None:
    assert (
        redact_url("https://bob:hunter2@slack.example/api/") == "https://bob:***@slack.example/api/"
    )
    assert redact_url("https://slack.example/api/?token=abc") == "https://slack.example/api/?***"
    assert redact_url("https://slack.com/api/") == "https://slack.com/api/"
    with pytest.raises(ConfigError) as error:
        Settings.from_env({"SLACK_API_URL": "ftp://bob:hunter2@host/"})
    assert "hunter2" not in str(error.value)


def test_throttle_admits_one_per_interval_and_counts_the_rest() -> None:
    now = [0.0]
    throttle = Throttle(interval=10, clock=lambda: now[0])
    assert throttle.admit("refused") == 0
    assert [throttle.admit("refused") for _ in range(3)] == [None, None, None]
    assert throttle.admit("other") == 0
    now[0] = 10.0
    assert throttle.admit("refused") == 3


def test_throttled_log_writes_one_line(caplog: pytest.LogCaptureFixture) -> None:
    log = ThrottledLog(logging.getLogger("test.throttle"))
    with caplog.at_level(logging.WARNING, "test.throttle"):
        for _ in range(100):
            log.log(logging.WARNING, "refused", "refused %s", "a request")
    assert [record.getMessage() for record in caplog.records] == ["refused a request"]


def test_outbox_drops_what_does_not_fit(caplog: pytest.LogCaptureFixture) -> None:
    outbox, release = Outbox(workers=1, capacity=2), threading.Event()
    try:
        with caplog.at_level(logging.WARNING, "bot.slack.outbox"):
            kept = [outbox.submit(release.wait) for _ in range(2)]
            dropped = [outbox.submit(release.wait) for _ in range(5)]
        assert all(future.cancelled() for future in dropped)
        assert len(caplog.records) == 1 and "dropped a reply (wait)" in caplog.text
        release.set()
        assert all(future.result(timeout=5) for future in kept)
        assert outbox.submit(lambda: "room again").result(timeout=5) == "room again"
    finally:
        release.set()
        outbox.shutdown()


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"type": "event_callback", "event": {"type": "app_mention", "ts": "1.2"}}, "event.channel is missing"),
        ({"type": "event_callback", "event": {"type": "app_mention", "channel": "<!channel>", "ts": "1.2"}},
         "event.channel is not a Slack id"),
        ({"type": "block_actions", "actions": [], "user": {"id": "U1"}}, "actions is empty"),
        ({"type": "block_actions", "actions": [{"action_id": "a"}], "user": {"id": "U1"},
          "container": {"channel_id": "C1", "message_ts": "now"}}, "container.message_ts is not"),
        ({"command": "/csm-vs-pm", "user_id": "<@U1>", "channel_id": "C1"}, "command.user_id is not"),
        ({"type": "view_submission"}, "does not handle"),
    ],
)  # fmt: skip
def test_payload_problems_are_named(body: dict[str, object], problem: str) -> None:
    assert problem in (payloads.problem(body) or "")


@pytest.mark.parametrize(
    "body",
    [
        {"type": "event_callback", "event": {"type": "app_mention", "channel": "C0123ABC",
                                             "ts": "1700000000.000100", "user": "U0123", "text": "hi"}},
        {"type": "event_callback", "event": {"type": "reaction_added", "user": "U1"}},
        {"type": "url_verification", "challenge": "x"},
        {"ssl_check": "1", "token": "x"},
        {"command": "/csm-vs-pm", "user_id": "W0123", "channel_id": "G0123", "team_id": "T1", "text": ""},
    ],
)  # fmt: skip
def test_slack_shaped_payloads_pass(body: dict[str, object]) -> None:
    assert payloads.problem(body) is None
