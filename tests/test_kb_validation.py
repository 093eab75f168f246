"""Validator checks beyond tests/test_knowledge.py: length limits and a duplicate question's line."""

from __future__ import annotations

import textwrap
from pathlib import Path

from bot.knowledge import check_knowledge

SOURCES = """\
articles:
  - id: art
    title: An Article
    publisher: Someone
    file: art.txt
    sections:
      - Intro
      - Body
"""


def question_list(*questions: str) -> str:
    return "\n".join(f"      - {q}" for q in questions)


QUESTIONS = "\n".join(
    f"      - {q}"
    for q in (
        "What is a CSM?",
        "csm meaning",
        "define csm",
        "csm role",
        "who is a csm",
        "csm job",
        "about csm",
    )
)


def entry(
    entry_id: str = "csm-role",
    *,
    questions: str = QUESTIONS,
    extra: str = "",
    answer: str = "      summary: A one-line summary.\n      csm: The CSM side.\n",
    sources: str = "      - {article: art, section: Intro}\n",
    related: str = "[]",
) -> str:
    return (
        f"  - id: {entry_id}\n    title: Title of {entry_id}\n    questions:\n{questions}\n"
        f"    answer:\n{answer}    sources:\n{sources}    related: {related}\n{extra}"
    )


def write_kb(tmp_path: Path, *topic_files: str, sources: str = SOURCES) -> Path:
    (tmp_path / "sources.yaml").write_text(sources)
    for number, body in enumerate(topic_files):
        (tmp_path / f"{number:02d}-topics.yaml").write_text(body)
    return tmp_path


def only_problem(directory: Path) -> str:
    problems = check_knowledge(directory)
    assert len(problems) == 1, [str(p) for p in problems]
    return str(problems[0])


def test_same_question_after_normalisation_under_two_entries(tmp_path: Path) -> None:
    twin = question_list(
        "one", "two", "three", "what is a customer success manager", "five", "six", "seven"
    )
    body = "entries:\n" + entry() + entry("csm-twin", questions=twin)
    assert only_problem(write_kb(tmp_path, body)).endswith(
        ":24: question 'what is a customer success manager' is also under 'csm-role'"
    )


def test_overlong_answer_is_refused(tmp_path: Path) -> None:
    long_side = "      csm: " + "word " * 400 + "\n"
    body = "entries:\n" + entry(answer="      summary: S.\n" + long_side)
    assert "keep it to 1500" in only_problem(write_kb(tmp_path, textwrap.dedent(body)))
