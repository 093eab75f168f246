"""bot/cli.py: ask, ask --json, ask --json -, topics, kb check and --help, as a user runs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest

from bot.cli import main
from bot.knowledge import KnowledgeBase
from bot.render.common import CSM_LABEL, PM_LABEL

REPO = Path(__file__).resolve().parents[1]
JSON_KEYS = {"question", "id", "score", "answer", "suggestions", "owner", "not_covered"}

BROKEN_SOURCES = """\
articles:
  - id: art
    title: An Article
    sections: [Intro]
"""
# Line 18 cites an unknown section; the entry on line 2 relates to a missing id.
BROKEN_TOPIC = """\
entries:
  - id: csm-role
    title: What a CSM is
    questions: [what is a csm, csm meaning, define csm, csm job, who is the csm, csm role, about csm]
    answer:
      summary: A CSM looks after customers.
      csm: Keeps customers getting value.
    sources:
      - {article: art, section: Intro}
    related: [nowhere]
  - id: pm-role
    title: What a PM is
    questions: [what is a pm, pm meaning, define pm, pm job, who is the pm, pm role, about pm]
    answer:
      summary: A PM delivers projects.
      pm: Plans and runs projects.
    sources:
      - {article: art, section: Outro}
    related: []
"""


@pytest.fixture(autouse=True)
def bundled_knowledge(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test reads the bundled knowledge base unless it points KNOWLEDGE_DIR elsewhere."""
    monkeypatch.delenv("KNOWLEDGE_DIR", raising=False)


@pytest.fixture
def broken_kb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "sources.yaml").write_text(BROKEN_SOURCES, encoding="utf-8")
    (tmp_path / "topics.yaml").write_text(BROKEN_TOPIC, encoding="utf-8")
    monkeypatch.setenv("KNOWLEDGE_DIR", str(tmp_path))
    return tmp_path


def expected_problems(directory: Path) -> list[str]:
    topic = directory / "topics.yaml"
    return [
        f"{topic}:18: article 'art' has no section 'Outro'",
        f"{topic}:2: 'csm-role' relates to missing id 'nowhere'",
    ]


def run(*argv: str, stdin: str = "") -> tuple[int, str]:
    out = StringIO()
    code = main(list(argv), out=out, stdin=StringIO(stdin))
    return code, out.getvalue()


def run_module(*argv: str, stdin: str = "", env: dict[str, str] | None = None):
    environment = {k: v for k, v in os.environ.items() if k != "KNOWLEDGE_DIR"}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env=environment,
        check=False,
    )


# --- ask --------------------------------------------------------------------------------------


def test_ask_prints_title_sides_source_and_related(knowledge: KnowledgeBase) -> None:
    code, text = run("ask", "how do the goals of a csm and a pm differ?")
    assert code == 0
    goals = knowledge.get("goals")
    assert text.startswith(f"{goals.title}\n{'=' * len(goals.title)}\n")
    assert f"{CSM_LABEL}\n" in text and f"{PM_LABEL}\n" in text
    assert "\nSource: " in text
    for source in goals.sources:
        assert knowledge.articles[source.article].title in text
        assert source.section in text
    assert "Related topics:" in text
    for related in goals.related:
        assert f"[{related}]" in text
    assert "Note\n" in text


def test_ask_joins_the_words_of_an_unquoted_question(knowledge: KnowledgeBase) -> None:
    code, text = run("ask", "what", "skills", "does", "a", "CSM", "need")
    assert code == 0
    assert text.startswith(knowledge.get("csm-skills").title + "\n")
    assert CSM_LABEL in text and PM_LABEL not in text


def test_ask_off_topic_gives_the_fallback_with_topics(knowledge: KnowledgeBase) -> None:
    code, text = run("ask", "what's the weather")
    assert code == 0
    assert "I can't answer that one" in text
    for entry in knowledge.topics():
        assert f"[{entry.id}]" in text


# --- ask --json -------------------------------------------------------------------------------


def test_ask_json_is_exactly_one_object() -> None:
    code, text = run("ask", "--json", "what skills does a CSM need")
    assert code == 0
    assert text.endswith("\n") and text.count("\n") == 1
    answer = json.loads(text)
    assert set(answer) == JSON_KEYS
    assert answer["question"] == "what skills does a CSM need"
    assert answer["id"] == "csm-skills"
    assert isinstance(answer["score"], int | float) and 0 <= answer["score"] <= 100
    assert isinstance(answer["answer"], str) and CSM_LABEL in answer["answer"]
    assert isinstance(answer["suggestions"], list)
    assert "csm-skills" not in answer["suggestions"]
    assert answer["owner"] is None and answer["not_covered"] is None


def test_ask_json_who_question_names_the_owner_first() -> None:
    answer = json.loads(run("ask", "--json", "who keeps an eye on progress during the rollout?")[1])
    assert answer["owner"] == "pm"
    assert answer["id"] in {"pm-responsibilities", "management-scope"}
    assert answer["answer"].startswith("Owner: Project Manager (PM)")
    assert answer["not_covered"] is None


def test_ask_json_not_covered_declines_by_name() -> None:
    answer = json.loads(run("ask", "--json", "average salary for project managers vs CSMs?")[1])
    assert (answer["id"], answer["owner"], answer["not_covered"]) == (None, None, "pay")
    assert answer["answer"].startswith("Not covered: Pay and salary")
    assert answer["suggestions"] == ["success-metrics"]


def question_file(tmp_path: Path, *items: str) -> Path:
    """A question file for `eval`, one YAML flow mapping per item."""
    questions = tmp_path / "questions.yaml"
    questions.write_text("".join(f"- {item}\n" for item in items), encoding="utf-8")
    return questions


def test_eval_prints_per_kind_accuracy_and_fails_under_a_minimum(tmp_path: Path) -> None:
    questions = question_file(
        tmp_path,
        '{q: "csm skills please", kind: topic, expect: csm-skills}',
        '{q: "who trains our customers", kind: who, owner: pm}',
        '{q: "tell me a joke", kind: offtopic, expect: null}',
    )
    code, text = run("eval", str(questions))
    assert code == 0
    assert "who (right owner)           0/1" in text and "owner csm (training)" in text
    assert run("eval", str(questions), "--min-who", "50%")[0] == 1
    assert run("eval", str(questions), "--min-topic", "1")[0] == 0
    figures = json.loads(run("eval", str(questions), "--json")[1])[str(questions)]
    assert figures["kinds"]["topic"] == {"right": 1, "total": 1, "accuracy": 1.0}
    assert figures["kinds"]["who"]["right"] == 0
    table = run("eval", str(questions), "--markdown")[1]
    assert table.startswith(f"| kind of question | {questions} |\n")
    assert "| topic (right entry) | 100.0% (1/1) |" in table


def test_eval_counts_other_annotators_owners_apart(tmp_path: Path) -> None:
    # Two annotators agree with the set's owner on the first question, one does not on the
    # second: only the first counts among the questions every annotator agrees on.
    questions = question_file(
        tmp_path,
        '{q: "who trains our customers", kind: who, owner: csm, second_owners: [csm, csm]}',
        '{q: "who handles renewals", kind: who, owner: pm, second_owners: [both]}',
        '{q: "who keeps the project on budget", kind: who, owner: pm}',
    )
    code, text = run("eval", str(questions))
    assert code == 0
    assert "2nd annotators agree        2/3    66.7%" in text
    assert "who, all agree on owner     1/1    100.0%" in text
    figures = json.loads(run("eval", str(questions), "--json")[1])[str(questions)]
    assert figures["who_second_owners"] == {"agreeing": 2, "total": 3}
    assert figures["who_agreed"] == {"right": 1, "total": 1, "accuracy": 1.0}
    for bad in ("second_owners: [cs]", "second_owners: csm"):
        malformed = question_file(tmp_path, f'{{q: "who trains", kind: who, owner: csm, {bad}}}')
        assert run("eval", str(malformed))[0] == 2, bad


def test_eval_rejects_a_malformed_question_file(tmp_path: Path) -> None:
    questions = question_file(tmp_path, "{q: who trains, kind: who}")
    code, _ = run("eval", str(questions))
    assert code == 2


def test_ask_json_abstains_with_null_id() -> None:
    code, text = run("ask", "--json", "reset my password")
    answer = json.loads(text)
    assert code == 0
    assert set(answer) == JSON_KEYS
    assert answer["id"] is None
    assert '"id": null' in text
    assert "I can't answer that one" in answer["answer"]


def test_ask_json_near_tie_lists_suggestion_ids(knowledge: KnowledgeBase) -> None:
    answer = json.loads(run("ask", "--json", "skills")[1])
    assert answer["suggestions"]
    assert all(entry_id in knowledge for entry_id in answer["suggestions"])
    assert answer["id"] not in answer["suggestions"]


def test_ask_json_stdin_one_object_per_line_in_order() -> None:
    questions = [
        "what skills does a CSM need",
        "",
        "what skills does a PM need",
        "tell me a joke",
        "<@U024BE7LH> how do csm and pm work together? :handshake:",
    ]
    code, text = run("ask", "--json", "-", stdin="\n".join(questions) + "\n")
    assert code == 0
    lines = text.splitlines()
    assert len(lines) == len(questions)
    answers = [json.loads(line) for line in lines]
    assert [a["question"] for a in answers] == questions
    assert [a["id"] for a in answers] == [
        "csm-skills",
        None,
        "pm-skills",
        None,
        "collaboration",
    ]
    assert all(set(a) == JSON_KEYS for a in answers)


def test_ask_json_stdin_handles_crlf_and_no_final_newline() -> None:
    code, text = run("ask", "--json", "-", stdin="what is a csm\r\nwhat is a pm")
    assert code == 0
    answers = [json.loads(line) for line in text.splitlines()]
    assert [(a["question"], a["id"]) for a in answers] == [
        ("what is a csm", "csm-role"),
        ("what is a pm", "pm-role"),
    ]


def test_ask_json_stdin_empty_prints_nothing() -> None:
    assert run("ask", "--json", "-", stdin="") == (0, "")


# --- topics and kb check ----------------------------------------------------------------------


def test_topics_lists_every_entry(knowledge: KnowledgeBase) -> None:
    code, text = run("topics")
    assert code == 0
    lines = text.splitlines()
    assert len(lines) == len(knowledge.entries)
    for line, entry in zip(lines, knowledge.topics(), strict=True):
        assert entry.title in line and line.endswith(f"[{entry.id}]")
    assert lines[-1].endswith("[help]")


def test_kb_check_ok(knowledge: KnowledgeBase) -> None:
    code, text = run("kb", "check")
    assert code == 0
    assert text.startswith(f"OK: {len(knowledge.entries)} entries, ")
    assert text.count("\n") == 1


def test_kb_check_broken_prints_located_lines_and_exits_1(broken_kb: Path) -> None:
    code, text = run("kb", "check")
    assert code == 1
    lines = text.splitlines()
    assert sorted(lines[:-1]) == sorted(expected_problems(broken_kb))
    assert lines[-1] == f"2 problem(s) in {broken_kb}"


def test_ask_on_a_broken_kb_refuses_on_stderr(
    broken_kb: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, text = run("ask", "what is a csm")
    assert code == 1
    assert text == ""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for problem in expected_problems(broken_kb):
        assert problem in err
    assert len(err.splitlines()) == 2


def test_topics_on_a_broken_kb_refuses(broken_kb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("topics") == (1, "")
    assert expected_problems(broken_kb)[0] in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["kb", "check"], ["ask", "what is a csm"], ["topics"]])
def test_missing_knowledge_dir(
    argv: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Said as what it is: no folder there, and which setting names the folder."""
    monkeypatch.setenv("KNOWLEDGE_DIR", str(tmp_path / "nowhere"))
    assert run(*argv) == (1, "")
    assert capsys.readouterr().err == (
        f"csm-vs-pm: no knowledge folder at {tmp_path / 'nowhere'}; "
        "set KNOWLEDGE_DIR to the folder of *.yaml files\n"
    )


# --- --help -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "usage"),
    [
        ([], "usage: csm-vs-pm"),
        (["ask"], "usage: csm-vs-pm ask"),
        (["topics"], "usage: csm-vs-pm topics"),
        (["kb"], "usage: csm-vs-pm kb"),
        (["kb", "check"], "usage: csm-vs-pm kb check"),
        (["serve"], "usage: csm-vs-pm serve"),
        (["report"], "usage: csm-vs-pm report"),
        (["chat"], "usage: csm-vs-pm chat"),
        (["eval"], "usage: csm-vs-pm eval"),
    ],
)
def test_help_on_every_command(
    argv: list[str], usage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*argv, "--help"], out=StringIO(), stdin=StringIO())
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith(usage)


def test_ask_without_a_question_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["ask"], out=StringIO(), stdin=StringIO())
    assert exited.value.code == 2
    assert "usage: csm-vs-pm ask" in capsys.readouterr().err


# --- a real process ---------------------------------------------------------------------------


def test_python_m_bot_ask_json_in_a_subprocess() -> None:
    result = run_module("ask", "--json", "what skills does a PM need")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    answer = json.loads(result.stdout)
    assert set(answer) == JSON_KEYS
    assert answer["id"] == "pm-skills"


def test_python_m_bot_ask_batch_in_a_subprocess() -> None:
    result = run_module("ask", "--json", "-", stdin="what is a csm\n\nwhat is a scrum master\n")
    assert result.returncode == 0, result.stderr
    ids = [json.loads(line)["id"] for line in result.stdout.splitlines()]
    assert ids == ["csm-role", None, None]


def test_python_m_bot_on_a_broken_kb_in_a_subprocess(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text(BROKEN_SOURCES, encoding="utf-8")
    (tmp_path / "topics.yaml").write_text(BROKEN_TOPIC, encoding="utf-8")
    env = {"KNOWLEDGE_DIR": str(tmp_path)}
    asked = run_module("ask", "what is a csm", env=env)
    assert asked.returncode == 1
    assert asked.stdout == ""
    assert "Traceback" not in asked.stderr
    for problem in expected_problems(tmp_path):
        assert problem in asked.stderr
    checked = run_module("kb", "check", env=env)
    assert checked.returncode == 1
    assert set(expected_problems(tmp_path)) <= set(checked.stdout.splitlines())


# --- each command reads only the settings it uses --------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value", "argv"),
    [
        ("PORT", "abc", ["topics"]),
        ("LOG_LEVEL", "verbose", ["ask", "x"]),
        ("SLACK_API_URL", "nonsense", ["kb", "check"]),
        ("RETENTION_DAYS", "soon", ["ask", "what is a csm"]),  # only `ask --log` opens the store
        ("PORT", "abc", []),  # no command and no bot token: it only prints help
        ("CONVERSATION_TTL_SECONDS", "long", ["topics"]),  # only serve and chat keep context
    ],
)
def test_a_setting_the_command_does_not_use_does_not_stop_it(
    variable: str, value: str, argv: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, value)
    code, text = run(*argv)
    assert code == 0
    assert text


@pytest.mark.parametrize(
    ("variable", "value", "argv"),
    [
        ("PORT", "abc", ["serve"]),
        ("RETENTION_DAYS", "soon", ["ask", "--log", "what is a csm"]),
        ("KNOWLEDGE_MAX_FILE_MB", "big", ["topics"]),
        ("CONVERSATION_TTL_SECONDS", "long", ["chat"]),
    ],
)
def test_a_setting_the_command_uses_is_still_checked(
    variable: str,
    value: str,
    argv: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(variable, value)
    assert run(*argv) == (2, "")
    err = capsys.readouterr().err
    assert err.startswith(f"csm-vs-pm: {variable}={value!r} ")
    assert len(err.splitlines()) == 1


def test_the_size_limit_setting_reaches_kb_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "sources.yaml").write_text(BROKEN_SOURCES, encoding="utf-8")
    (tmp_path / "topics.yaml").write_text("entries: []\n" + "#" * 20_000 + "\n", encoding="utf-8")
    monkeypatch.setenv("KNOWLEDGE_DIR", str(tmp_path))
    monkeypatch.setenv("KNOWLEDGE_MAX_FILE_MB", "0.01")
    code, text = run("kb", "check")
    assert code == 1
    assert text.startswith(f"{tmp_path / 'topics.yaml'}:1: the file is 0.02 MB, over the 0.01 MB")


def test_kb_check_shows_50_problems_then_counts_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "sources.yaml").write_text(BROKEN_SOURCES, encoding="utf-8")
    (tmp_path / "topics.yaml").write_text("entries:\n" + "  - x\n" * 1_000, encoding="utf-8")
    monkeypatch.setenv("KNOWLEDGE_DIR", str(tmp_path))
    code, text = run("kb", "check")
    lines = text.splitlines()
    assert code == 1
    assert len(lines) == 52
    assert lines[0] == f"{tmp_path / 'topics.yaml'}:2: each entry must be a mapping"
    assert lines[-2:] == [
        "... and 950 more problem(s) not shown",
        f"1000 problem(s) in {tmp_path}",
    ]


# --- pipes and Ctrl+C, in a real process --------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="needs a POSIX shell and signals")
def test_a_closed_pipe_ends_quietly_with_status_141(tmp_path: Path) -> None:
    """`ask --json - < many.txt | head -1`: head stops reading after one line."""
    many = tmp_path / "many.txt"
    many.write_text("what skills does a csm need\n" * 3_000, encoding="utf-8")
    pipeline = (
        f"{sys.executable} -m bot ask --json - < {many} 2> {tmp_path / 'err'} | head -1; "
        'echo "status ${PIPESTATUS[0]}"'
    )
    result = subprocess.run(
        ["bash", "-c", pipeline], capture_output=True, text=True, timeout=120, cwd=REPO, check=False
    )
    first, status = result.stdout.splitlines()
    assert json.loads(first)["id"] == "csm-skills"
    assert status == "status 141"
    assert (tmp_path / "err").read_text() == ""


@pytest.mark.skipif(os.name != "posix", reason="needs signals")
def test_ctrl_c_during_ask_ends_quietly_with_status_130() -> None:
    environment = {k: v for k, v in os.environ.items() if k != "KNOWLEDGE_DIR"}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "ask", "--json", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=environment,
    )
    try:
        assert process.stdin and process.stdout
        process.stdin.write("what is a csm\n")
        process.stdin.flush()
        assert json.loads(process.stdout.readline())["id"] == "csm-role"  # loaded and waiting
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 130
    assert err == ""


# --- chat -------------------------------------------------------------------------------------


def test_chat_json_keeps_context_between_lines() -> None:
    lines = ["what skills does a csm need", "and for a PM?", "why?", "", "what is a csm?"]
    code, output = run("chat", "--json", stdin="\n".join(lines) + "\n")
    assert code == 0
    records = [json.loads(line) for line in output.splitlines()]
    assert [r["question"] for r in records] == lines
    assert [r["id"] for r in records] == ["csm-skills", "pm-skills", "pm-skills", None, "csm-role"]
    assert [r["context"] for r in records] == [None, "csm-skills", "pm-skills", None, None]
    ask_keys = json.loads(run("ask", "--json", "csm skills")[1]).keys()
    assert all(set(record) == {*ask_keys, "context"} for record in records)


def test_chat_text_says_when_it_followed_up() -> None:
    code, output = run("chat", stdin="what does a pm do\nand a CSM?\n")
    assert code == 0
    assert "Following up on What a Project Manager is:" in output
    assert output.count("Following up on") == 1
    assert "you> " not in output  # no prompt when stdin is not a terminal


def test_chat_answers_hello_with_a_welcome() -> None:
    code, output = run("chat", stdin="hi\n")
    assert code == 0 and output.startswith("Hello!") and "can't answer" not in output


def test_chat_reads_standard_input_as_a_script() -> None:
    result = run_module("chat", "--json", stdin="csm skills\nand for a pm\n")
    assert result.returncode == 0, result.stderr
    ids = [json.loads(line)["id"] for line in result.stdout.splitlines()]
    assert ids == ["csm-skills", "pm-skills"]


def test_chat_at_a_terminal_prompts_and_ends_quietly_on_ctrl_c() -> None:
    class Terminal(StringIO):
        """Standard input that is a terminal: one question, then Ctrl+C."""

        def isatty(self) -> bool:
            return True

        def readline(self, *args: object) -> str:
            line = super().readline()
            if not line:
                raise KeyboardInterrupt
            return line

    out = StringIO()
    assert main(["chat"], out=out, stdin=Terminal("what does a csm do\n")) == 0
    shown = out.getvalue()
    assert shown.startswith("Hello!") and shown.count("you> ") == 2
    assert "What a Customer Success Manager is" in shown and shown.endswith("\n")
