"""One fake Web API and one running app per session; the fake is reset for each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.fake_slack import FakeSlack
from tests.e2e.running_app import RunningApp

ESCALATION_CHANNEL = "CESCALATE1"


@pytest.fixture(scope="session")
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("store") / "questions.sqlite3"


@pytest.fixture(scope="session")
def slack_app(fake_slack: FakeSlack, database: Path) -> Iterator[RunningApp]:
    app = RunningApp(
        fake_slack.api_url,
        {"DATABASE_PATH": str(database), "ESCALATION_CHANNEL": ESCALATION_CHANNEL},
    ).start()
    yield app
    app.stop()


@pytest.fixture(autouse=True)
def fresh_fake(fake_slack: FakeSlack) -> Iterator[None]:
    """A clean fake for each test; afterwards, every message it was sent had plain `text`."""
    fake_slack.reset()
    yield
    messages = (
        fake_slack.calls_to("chat.postMessage")
        + fake_slack.calls_to("chat.update")
        + fake_slack.calls_to("response_url")
    )
    untexted = [call.params for call in messages if not str(call.params.get("text", "")).strip()]
    assert not untexted, "messages without top-level text (notifications, screen readers)"
