"""The knowledge-base validator: each problem is one `file:line: message` line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeError, check_knowledge, load_knowledge

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


def test_valid_knowledge_base_loads_with_roles_from_sides(tmp_path: Path) -> None:
    both = "      summary: S.\n      csm: C.\n      pm: P.\n"
    kb = load_knowledge(
        write_kb(
            tmp_path,
            "entries:\n"
            + entry()
            + entry(
                "overview",
                questions=question_list(
                    "a vs b", "x vs y", "compare", "diff", "contrast", "or", "which"
                ),
                answer=both,
                related="[csm-role]",
            ),
        )
    )
    assert [e.id for e in kb.entries] == ["csm-role", "overview"]
    assert kb.get("csm-role").roles == {"csm"}
    assert kb.get("overview").roles == {"csm", "pm"}
    assert kb.get("overview").related == ("csm-role",)
    assert check_knowledge(tmp_path) == []


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    write_kb(tmp_path, "entries:\n" + entry() + "  - id: [unclosed\n")
    problem = only_problem(tmp_path)
    assert problem.startswith(f"{tmp_path / '00-topics.yaml'}:")
    assert "invalid YAML" in problem
    assert int(problem.split(":")[1]) >= 13


def test_duplicate_key(tmp_path: Path) -> None:
    body = "entries:\n" + entry().replace(
        "    title: Title of csm-role\n", "    title: One\n    title: Two\n"
    )
    assert only_problem(write_kb(tmp_path, body)).endswith(":4: duplicate key 'title'")


def test_unknown_key(tmp_path: Path) -> None:
    problem = only_problem(write_kb(tmp_path, "entries:\n" + entry(extra="    colour: red\n")))
    assert ":18: unknown key 'colour' in an entry" in problem


@pytest.mark.parametrize(
    ("replace", "by", "message"),
    [
        ("  - id: csm-role\n", "  - ident: x\n", "missing 'id'"),
        ("    title: Title of csm-role\n", "", "missing 'title'"),
        ("      summary: A one-line summary.\n", "", "missing 'summary'"),
        ("      csm: The CSM side.\n", "      csm: '  '\n", "'csm' must be non-empty text"),
        ("  - id: csm-role\n", "  - id: CSM_Role\n", "must be lowercase words joined by '-'"),
    ],
)
def test_schema_problems(tmp_path: Path, replace: str, by: str, message: str) -> None:
    body = "entries:\n" + entry().replace(replace, by)
    problems = [str(p) for p in check_knowledge(write_kb(tmp_path, body))]
    assert any(message in p for p in problems), problems
    assert all(p.startswith(str(tmp_path / "00-topics.yaml") + ":") for p in problems)


def test_too_few_questions(tmp_path: Path) -> None:
    short = "      - What is a CSM?\n      - csm meaning"
    assert ":4: 2 questions; give the canonical question and at least 6" in only_problem(
        write_kb(tmp_path, "entries:\n" + entry(questions=short))
    )


def test_duplicate_id_across_files(tmp_path: Path) -> None:
    other = QUESTIONS.replace("csm", "customer success manager")
    write_kb(tmp_path, "entries:\n" + entry(), "entries:\n" + entry(questions=other))
    problem = only_problem(tmp_path)
    assert problem.startswith(f"{tmp_path / '01-topics.yaml'}:2: duplicate id 'csm-role'")
    assert f"first at {tmp_path / '00-topics.yaml'}:2" in problem


def test_same_question_after_normalisation_under_two_entries(tmp_path: Path) -> None:
    twin = question_list(
        "one", "two", "three", "what is a customer success manager", "five", "six", "seven"
    )
    body = "entries:\n" + entry() + entry("csm-twin", questions=twin)
    assert only_problem(write_kb(tmp_path, body)).endswith(
        ":24: question 'what is a customer success manager' is also under 'csm-role'"
    )


def test_related_to_missing_id(tmp_path: Path) -> None:
    body = "entries:\n" + entry(related="[nowhere]")
    assert only_problem(write_kb(tmp_path, body)).endswith(
        ":2: 'csm-role' relates to missing id 'nowhere'"
    )


def test_unknown_article_and_section(tmp_path: Path) -> None:
    sources = "      - {article: nope, section: Intro}\n      - {article: art, section: Missing}\n"
    problems = [
        str(p) for p in check_knowledge(write_kb(tmp_path, "entries:\n" + entry(sources=sources)))
    ]
    assert problems == [
        f"{tmp_path / '00-topics.yaml'}:16: unknown article 'nope' (see sources.yaml)",
        f"{tmp_path / '00-topics.yaml'}:17: article 'art' has no section 'Missing'",
    ]


def test_missing_sources_file_and_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "topics.yaml").write_text("entries:\n" + entry())
    assert any("sources.yaml" in str(p) for p in check_knowledge(tmp_path))
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "sources.yaml").write_text(SOURCES)
    assert "no entries found" in only_problem(empty)
    assert "knowledge directory not found" in only_problem(tmp_path / "absent")


def test_load_raises_with_every_problem(tmp_path: Path) -> None:
    write_kb(tmp_path, "entries:\n" + entry(related="[a, b]"))
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(tmp_path)
    assert len(raised.value.problems) == 2
    assert str(raised.value).count("\n") == 1


def test_overlong_answer_is_refused(tmp_path: Path) -> None:
    long_side = "      csm: " + "word " * 400 + "\n"
    body = "entries:\n" + entry(answer="      summary: S.\n" + long_side)
    assert "keep it to 1500" in only_problem(write_kb(tmp_path, textwrap.dedent(body)))
