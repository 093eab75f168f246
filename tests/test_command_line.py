"""The csm-vs-pm command line, in process and as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest

from bot.cli import main

JSON_KEYS = {"question", "id", "score", "answer", "suggestions"}


def run(*argv: str, stdin: str = "") -> tuple[int, str]:
    out = StringIO()
    code = main(list(argv), out=out, stdin=StringIO(stdin))
    return code, out.getvalue()


def test_ask_prints_a_readable_comparison() -> None:
    code, text = run("ask", "what", "are", "the", "goals", "of", "a", "csm", "and", "a", "pm?")
    assert code == 0
    for part in ("Goals", "Customer Success Manager (CSM)", "Project Manager (PM)", "Note",
                 "Source:", "SmartKarrot", "Related topics:"):  # fmt: skip
        assert part in text


def test_ask_json_prints_exactly_one_object() -> None:
    code, text = run("ask", "--json", "what skills does a CSM need")
    lines = text.splitlines()
    assert code == 0 and len(lines) == 1
    answer = json.loads(lines[0])
    assert set(answer) == JSON_KEYS
    assert answer["id"] == "csm-skills"
    assert 0 <= answer["score"] <= 100
    assert "communication" in answer["answer"].lower()
    assert all(isinstance(item, str) for item in answer["suggestions"])


def test_ask_json_abstains_with_null_id() -> None:
    answer = json.loads(run("ask", "--json", "reset my password")[1])
    assert answer["id"] is None
    assert "I can't answer that one" in answer["answer"]


def test_ask_json_stdin_one_object_per_line_in_order() -> None:
    questions = ["csm skills", "what is the weather", "", "pm skills"]
    code, text = run("ask", "--json", "-", stdin="\n".join(questions) + "\n")
    objects = [json.loads(line) for line in text.splitlines()]
    assert code == 0
    assert [o["question"] for o in objects] == questions
    assert [o["id"] for o in objects] == ["csm-skills", None, None, "pm-skills"]


def test_topics_lists_every_entry(knowledge) -> None:
    text = run("topics")[1]
    assert all(f"[{entry.id}]" in text for entry in knowledge.entries)


def test_kb_check_ok() -> None:
    code, text = run("kb", "check")
    assert code == 0 and text.startswith("OK: ")


@pytest.fixture
def broken_kb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "sources.yaml").write_text("articles: []\n")
    (tmp_path / "topics.yaml").write_text("entries:\n  - id: x\n    title: [oops\n")
    monkeypatch.setenv("KNOWLEDGE_DIR", str(tmp_path))
    return tmp_path


def test_kb_check_reports_file_and_line(broken_kb: Path) -> None:
    code, text = run("kb", "check")
    assert code == 1
    assert f"{broken_kb / 'topics.yaml'}:4: invalid YAML" in text


def test_subprocess_ask_and_broken_kb_without_traceback(broken_kb: Path) -> None:
    env = {**os.environ, "KNOWLEDGE_DIR": str(broken_kb)}
    result = subprocess.run([sys.executable, "-m", "bot", "ask", "csm?"], capture_output=True,
                            text=True, env=env, timeout=60)  # fmt: skip
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"invalid knowledge base: {broken_kb / 'topics.yaml'}:4" in result.stderr
    del env["KNOWLEDGE_DIR"]
    ok = subprocess.run([sys.executable, "-m", "bot", "ask", "--json", "pm skills?"],
                        capture_output=True, text=True, env=env, timeout=60)  # fmt: skip
    assert ok.returncode == 0
    assert json.loads(ok.stdout)["id"] == "pm-skills"


@pytest.mark.parametrize("command", [[], ["ask"], ["topics"], ["kb"], ["kb", "check"], ["report"]])
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    assert "usage:" in capsys.readouterr().out
