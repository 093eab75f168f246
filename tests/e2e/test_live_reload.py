"""A curator's edit is live in the running app within seconds; a broken edit changes nothing."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from bot.settings import default_knowledge_dir
from tests.e2e.fake_slack import FakeSlack
from tests.e2e.running_app import RunningApp

NEW_PHRASING = "what is an orbit keeper"  # answerable by no entry and no subject until added


def answer_id(app: RunningApp, fake: FakeSlack) -> str | None:
    blocks = app.send_command(NEW_PHRASING, fake.response_url()).json()["blocks"]
    return next((b["text"]["text"] for b in blocks if b["type"] == "header"), None)


def wait_for(
    app: RunningApp, fake: FakeSlack, expected: str | None, timeout: float = 10
) -> str | None:
    deadline = time.monotonic() + timeout
    while (found := answer_id(app, fake)) != expected and time.monotonic() < deadline:
        time.sleep(0.2)
    return found


def test_knowledge_edits_go_live_without_restart(tmp_path: Path, fake_slack: FakeSlack) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(default_knowledge_dir(), knowledge)
    app = RunningApp(fake_slack.api_url, {"KNOWLEDGE_DIR": str(knowledge),
                                          "DATABASE_PATH": str(tmp_path / "q.sqlite3")}).start()  # fmt: skip
    try:
        assert answer_id(app, fake_slack) is None  # not answerable yet: the fallback
        roles = knowledge / "01-roles.yaml"
        original = roles.read_text("utf-8")
        anchor = "      - What is a Customer Success Manager?\n"
        roles.write_text(original.replace(anchor, anchor + f"      - {NEW_PHRASING}\n"), "utf-8")
        assert wait_for(app, fake_slack, "What a Customer Success Manager is") == (
            "What a Customer Success Manager is"
        )
        roles.write_text(original.replace("entries:", "entries: [", 1), "utf-8")  # broken YAML
        time.sleep(3)  # the watcher polls about once a second
        assert answer_id(app, fake_slack) == "What a Customer Success Manager is"
    finally:
        output = app.stop()
    assert f"{roles}:" in output  # the refusal names the file and line


def test_hostile_knowledge_files_are_refused_once_and_never_stall_the_running_app(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    """Issue 10 rows 6-8 against `serve`: a file nested 20,000 levels deep, a FIFO named x.yaml
    and a link to /dev/zero are each refused once in a few lines; the bot keeps answering from
    the previous knowledge base, and the next valid edit still goes live."""
    knowledge = tmp_path / "knowledge"
    shutil.copytree(default_knowledge_dir(), knowledge)
    app = RunningApp(fake_slack.api_url, {"KNOWLEDGE_DIR": str(knowledge),
                                          "DATABASE_PATH": str(tmp_path / "q.sqlite3")}).start()  # fmt: skip
    try:
        (knowledge / "deep.yaml").write_text("entries: " + "[" * 20_000 + "]" * 20_000)
        os.mkfifo(knowledge / "x.yaml")
        (knowledge / "zero.yaml").symlink_to("/dev/zero")
        deadline = time.monotonic() + 10
        while "zero.yaml" not in app.output() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.5)  # a poll that saw only some of the three files has had its say
        refusals = app.output().count("knowledge edit refused")
        time.sleep(3)  # three more polls of unchanged files: nothing more is logged
        refused = app.output()
        assert refused.count("knowledge edit refused") == refusals, refused
        assert app.get("/healthz").status == 200
        assert answer_id(app, fake_slack) is None  # still the previous knowledge base: fallback
        for name in ("deep.yaml", "x.yaml", "zero.yaml"):
            (knowledge / name).unlink()
        roles = knowledge / "01-roles.yaml"
        anchor = "      - What is a Customer Success Manager?\n"
        roles.write_text(
            roles.read_text("utf-8").replace(anchor, anchor + f"      - {NEW_PHRASING}\n"), "utf-8"
        )
        assert wait_for(app, fake_slack, "What a Customer Success Manager is") == (
            "What a Customer Success Manager is"
        )
    finally:
        app.stop()
    assert 1 <= refusals <= 3, refused  # once per change
    assert f"{knowledge / 'deep.yaml'}:1: invalid YAML: nested more than 64 levels deep" in refused
    assert f"{knowledge / 'x.yaml'}:1: not a regular file" in refused
    assert f"{knowledge / 'zero.yaml'}:1: a link to outside the knowledge folder" in refused
    assert "Traceback" not in refused
    assert len(refused) < 5_000
