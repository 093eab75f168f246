"""bot/knowledge.py: every problem in a knowledge base is one `file:line: message` line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.knowledge import (
    KnowledgeBase,
    KnowledgeError,
    KnowledgeFolderMissing,
    Problem,
    check_knowledge,
    load_knowledge,
    pattern_words,
)

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

# One valid entry; each test changes one thing in it. No entry relates to another, so a broken
# entry cannot cause a second problem elsewhere.
CSM_ENTRY = """\
entries:
  - id: csm-role
    title: What a CSM is
    questions:
      - What is a customer success manager?
      - what does a csm do
      - define customer success manager
      - csm meaning
      - tell me about the csm job
      - who is the csm
      - explain the csm role
    answer:
      summary: A CSM looks after existing customers.
      csm: Keeps customers getting value.
    sources:
      - {article: art, section: Intro}
    related: []
"""

PM_ENTRY = """\
entries:
  - id: pm-role
    title: What a PM is
    questions:
      - What is a project manager?
      - what does a pm do
      - define project manager
      - pm meaning
      - tell me about the pm job
      - who is the pm
      - explain the pm role
    answer:
      summary: A PM delivers projects.
      pm: Plans and runs projects.
    sources:
      - {article: art, section: Body}
    related: []
"""

BOTH_ENTRY = """\
entries:
  - id: overview
    title: CSM vs PM
    questions:
      - What is the difference between a CSM and a PM?
      - csm vs pm
      - compare the two roles
      - how do they differ
      - are they the same job
      - contrast csm and pm
      - which is which
    answer:
      summary: One keeps customers, the other delivers projects.
      csm: Customers.
      pm: Projects.
      note: The articles disagree on the PM.
    sources:
      - {article: art, section: Intro}
      - {article: art, section: Body}
    related: [csm-role, pm-role]
"""

HELP_ENTRY = """\
entries:
  - id: help
    title: What this bot can do
    questions:
      - What can you do?
      - help
      - list topics
      - how do i use this bot
      - what can i ask
      - usage
      - getting started
    answer:
      summary: I explain how the two roles differ.
    sources:
      - {article: art, section: Intro}
    related: []
"""

TOPIC = "10-topics.yaml"
LINE = re.compile(r"^(?P<file>.+):(?P<line>\d+): (?P<message>\S.*)$")


def write_kb(directory: Path, *topics: str, sources: str | None = SOURCES) -> Path:
    """A knowledge base in `directory`: sources.yaml (unless None) and one file per topic text."""
    directory.mkdir(parents=True, exist_ok=True)
    if sources is not None:
        (directory / "sources.yaml").write_text(sources, encoding="utf-8")
    for number, text in enumerate(topics):
        (directory / f"{10 * (number + 1)}-topics.yaml").write_text(text, encoding="utf-8")
    return directory


def changed(text: str, old: str, new: str) -> str:
    """`text` with `old` replaced once; fails loudly if the template no longer contains `old`."""
    assert text.count(old) == 1, f"template does not contain exactly one {old!r}"
    return text.replace(old, new)


def line_of(text: str, needle: str) -> int:
    """The 1-based number of the only line of `text` containing `needle`."""
    found = [number for number, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(found) == 1, f"{needle!r} is on lines {found}"
    return found[0]


def single_problem(directory: Path) -> tuple[str, int, str]:
    """The one problem reported for `directory`, split into file, line and message."""
    problems = [str(problem) for problem in check_knowledge(directory)]
    assert len(problems) == 1, problems
    parsed = LINE.match(problems[0])
    assert parsed, f"not a file:line: message line: {problems[0]!r}"
    assert "\n" not in problems[0]
    return parsed["file"], int(parsed["line"]), parsed["message"]


# --- a valid knowledge base -------------------------------------------------------------------


def test_valid_knowledge_base_loads(tmp_path: Path) -> None:
    kb = load_knowledge(write_kb(tmp_path, CSM_ENTRY, PM_ENTRY, BOTH_ENTRY))
    assert check_knowledge(tmp_path) == []
    assert isinstance(kb, KnowledgeBase)
    assert [entry.id for entry in kb.entries] == ["csm-role", "pm-role", "overview"]
    overview = kb.get("overview")
    assert overview is not None
    assert overview.related == ("csm-role", "pm-role")
    assert overview.answer.note == "The articles disagree on the PM."
    assert [(s.article, s.section) for s in overview.sources] == [("art", "Intro"), ("art", "Body")]
    assert overview.questions[0] == "What is the difference between a CSM and a PM?"
    assert len(overview.questions) == 7
    assert overview.file == str(tmp_path / "30-topics.yaml")
    assert overview.line == 2
    assert kb.articles["art"].sections == ("Intro", "Body")
    assert kb.articles["art"].publisher == "Someone"
    assert "csm-role" in kb and "nowhere" not in kb
    assert kb.get("nowhere") is None


def test_roles_are_derived_from_the_answer_sides(tmp_path: Path) -> None:
    kb = load_knowledge(write_kb(tmp_path, CSM_ENTRY, PM_ENTRY, BOTH_ENTRY, HELP_ENTRY))
    assert kb.get("csm-role").roles == {"csm"}
    assert kb.get("pm-role").roles == {"pm"}
    assert kb.get("overview").roles == {"csm", "pm"}
    assert kb.get("help").roles == frozenset()


def test_topics_put_help_last(tmp_path: Path) -> None:
    kb = load_knowledge(write_kb(tmp_path, HELP_ENTRY, PM_ENTRY, CSM_ENTRY))
    assert [entry.id for entry in kb.topics()] == ["pm-role", "csm-role", "help"]


# --- one problem, one line, the right line ----------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        pytest.param(
            "    title: What a CSM is\n",
            "    title: What a CSM is\n    title: Again\n",
            "title: Again",
            "duplicate key 'title'",
            id="duplicate-key",
        ),
        pytest.param(
            "    related: []\n",
            "    related: []\n    tags: [x]\n",
            "tags:",
            "unknown key 'tags' in an entry",
            id="unknown-entry-key",
        ),
        pytest.param(
            "      csm: Keeps customers getting value.\n",
            "      csm: Keeps customers getting value.\n      extra: x\n",
            "extra:",
            "unknown key 'extra' in an answer",
            id="unknown-answer-key",
        ),
        pytest.param(
            "  - id: csm-role\n    title: What a CSM is\n",
            "  - title: What a CSM is\n",
            "- title: What a CSM is",
            "missing 'id'",
            id="missing-id",
        ),
        pytest.param(
            "    title: What a CSM is\n",
            "",
            "- id: csm-role",
            "missing 'title'",
            id="missing-title",
        ),
        pytest.param(
            "    answer:\n      summary: A CSM looks after existing customers.\n"
            "      csm: Keeps customers getting value.\n",
            "",
            "- id: csm-role",
            "'answer' must be a mapping",
            id="missing-answer",
        ),
        pytest.param(
            "      summary: A CSM looks after existing customers.\n      csm:",
            '      summary: ""\n      csm:',
            "summary:",
            "'summary' must be non-empty text",
            id="empty-summary",
        ),
        pytest.param(
            "      csm: Keeps customers getting value.\n",
            "      csm: '   '\n",
            "csm: '",
            "'csm' must be non-empty text",
            id="blank-answer-side",
        ),
        pytest.param(
            "      - csm meaning\n",
            "      - '?!'\n",
            "- '?!'",
            "a question must be non-empty text with words in it",
            id="question-without-words",
        ),
        pytest.param(
            "  - id: csm-role\n",
            "  - id: CSM_Role\n",
            "id: CSM_Role",
            "id 'CSM_Role' must be lowercase words joined by '-'",
            id="id-not-kebab",
        ),
        pytest.param(
            "  - id: csm-role\n",
            "  - id: csm--role\n",
            "id: csm--role",
            "id 'csm--role' must be lowercase words joined by '-'",
            id="id-double-dash",
        ),
        pytest.param(
            "    related: []\n",
            "    related: [nowhere]\n",
            "- id: csm-role",
            "'csm-role' relates to missing id 'nowhere'",
            id="related-missing",
        ),
        pytest.param(
            "    related: []\n",
            "    related: [csm-role]\n",
            "- id: csm-role",
            "'csm-role' lists itself as related",
            id="related-itself",
        ),
        pytest.param(
            "      - {article: art, section: Intro}\n",
            "      - {article: nope, section: Intro}\n",
            "article: nope",
            "unknown article 'nope' (see sources.yaml)",
            id="unknown-article",
        ),
        pytest.param(
            "      - {article: art, section: Intro}\n",
            "      - {article: art, section: Outro}\n",
            "section: Outro",
            "article 'art' has no section 'Outro'",
            id="unknown-section",
        ),
        pytest.param(
            "    sources:\n      - {article: art, section: Intro}\n",
            "    sources: []\n",
            "sources: []",
            "'sources' must list at least one article and section",
            id="no-sources",
        ),
        pytest.param(
            "      - {article: art, section: Intro}\n",
            "      - {article: art}\n",
            "{article: art}",
            "a source must be a mapping with exactly 'article' and 'section'",
            id="source-without-section",
        ),
        pytest.param(
            "    related: []\n",
            "    related: csm-role\n",
            "related: csm-role",
            "'related' must be a list of entry ids",
            id="related-not-a-list",
        ),
        # What the knowledge reader refuses that yaml.safe_load would accept or crash on.
        pytest.param(
            "    related: []\n",
            "    related: &twins []\n    title: *twins\n",
            "title: *twins",
            "invalid YAML: aliases (*twins) are not allowed in knowledge files; "
            "write the value out in full",
            id="alias",
        ),
        pytest.param(
            "    related: []\n",
            "    related: !!python/name:os.system []\n",
            "related: !!python",
            "invalid YAML: unsupported tag 'tag:yaml.org,2002:python/name:os.system'",
            id="python-tag",
        ),
        pytest.param(
            "    related: []\n",
            "    related: !!int many\n",
            "related: !!int",
            "invalid YAML: cannot read 'many' as tag:yaml.org,2002:int: ",
            id="bad-int",
        ),
        pytest.param(
            "    related: []\n",
            "    related: []\n    ? [a, b]\n    : c\n",
            "? [a, b]",
            "a key must be plain text, not a list or map",
            id="list-as-key",
        ),
        pytest.param(
            "    related: []\n",
            "    related: []\n---\nentries: []\n",
            "---",
            "invalid YAML: expected one YAML document, found a second one ('---')",
            id="two-documents",
        ),
    ],
)
def test_each_problem_is_one_located_line(
    tmp_path: Path, old: str, new: str, needle: str, message: str
) -> None:
    text = changed(CSM_ENTRY, old, new)
    file, line, said = single_problem(write_kb(tmp_path, text))
    assert file == str(tmp_path / TOPIC)
    assert line == line_of(text, needle)
    assert said.startswith(message), said


def test_missing_summary_points_into_the_answer(tmp_path: Path) -> None:
    text = changed(CSM_ENTRY, "      summary: A CSM looks after existing customers.\n", "")
    file, line, message = single_problem(write_kb(tmp_path, text))
    assert (file, message) == (str(tmp_path / TOPIC), "missing 'summary'")
    # The `answer:` key or the first line of its mapping: either takes a curator to the spot.
    assert line in {line_of(text, "answer:"), line_of(text, "csm: Keeps")}


@pytest.mark.parametrize("count", [0, 1, 6])
def test_too_few_questions(tmp_path: Path, count: int) -> None:
    questions = [f"      - question number {n} about csm\n" for n in range(count)]
    body = "    questions:\n" + "".join(questions) if count else "    questions: []\n"
    start = CSM_ENTRY.index("    questions:\n")
    end = CSM_ENTRY.index("    answer:\n")
    text = CSM_ENTRY[:start] + body + CSM_ENTRY[end:]
    file, line, message = single_problem(write_kb(tmp_path, text))
    assert file == str(tmp_path / TOPIC)
    assert line == line_of(text, "questions:")
    assert message == (
        f"{count} questions; give the canonical question and at least 6 alternate phrasings"
    )


def test_seven_questions_are_enough(tmp_path: Path) -> None:
    assert CSM_ENTRY.count("      - ") == 7 + 1  # seven questions and one source
    assert check_knowledge(write_kb(tmp_path, CSM_ENTRY)) == []


@pytest.mark.parametrize(
    ("new", "needle", "message", "exact"),
    [
        # The wording is libyaml's (C) or PyYAML's own (pure Python), whichever is installed.
        pytest.param(
            "\t- csm meaning\n",
            "\t- csm meaning",
            (
                "invalid YAML: found a tab character that violates indentation",
                "invalid YAML: found character '\\t' that cannot start any token",
            ),
            True,
            id="tab",
        ),
        pytest.param(
            "      - csm meaning: a: b\n",
            "csm meaning: a: b",
            "invalid YAML: mapping values are not allowed ",
            True,
            id="colon-in-plain-scalar",
        ),
        # An unclosed quote is only noticed where the file stops making sense, after it opens.
        pytest.param('      - "csm meaning\n', '"csm meaning', "invalid YAML: ", False, id="quote"),
    ],
)
def test_yaml_syntax_error(
    tmp_path: Path, new: str, needle: str, message: str | tuple[str, ...], exact: bool
) -> None:
    text = changed(CSM_ENTRY, "      - csm meaning\n", new)
    file, line, said = single_problem(write_kb(tmp_path, text))
    assert file == str(tmp_path / TOPIC)
    assert said.startswith(message), said
    if exact:
        assert line == line_of(text, needle)
    else:
        assert line_of(text, needle) <= line <= len(text.splitlines()) + 1


def test_yaml_syntax_error_in_sources(tmp_path: Path) -> None:
    broken = changed(SOURCES, "      - Body\n", "      - Body: x: y\n")
    problems = check_knowledge(write_kb(tmp_path, CSM_ENTRY, sources=broken))
    assert str(problems[0]).startswith(
        f"{tmp_path / 'sources.yaml'}:{line_of(broken, 'Body: x: y')}: invalid YAML: "
    )


def test_duplicate_id_across_two_files(tmp_path: Path) -> None:
    twin = changed(PM_ENTRY, "id: pm-role", "id: csm-role")
    file, line, message = single_problem(write_kb(tmp_path, CSM_ENTRY, twin))
    assert file == str(tmp_path / "20-topics.yaml")
    assert line == line_of(twin, "id: csm-role")
    first = tmp_path / "10-topics.yaml"
    assert message == f"duplicate id 'csm-role' (first at {first}:{line_of(CSM_ENTRY, 'id: csm')})"


def test_same_question_after_normalisation_under_two_entries(tmp_path: Path) -> None:
    # "What is a customer success manager?" in CSM_ENTRY normalises to the same words.
    text = changed(PM_ENTRY, "      - pm meaning\n", "      - WHAT is a *CSM*??\n")
    write_kb(tmp_path, CSM_ENTRY, text)
    (tmp_path / "vocabulary.yaml").write_text(
        "synonyms: {csm: customer success manager}\n", encoding="utf-8"
    )
    file, line, message = single_problem(tmp_path)
    assert file == str(tmp_path / "20-topics.yaml")
    assert line == line_of(text, "WHAT is a")
    assert message == "question 'WHAT is a *CSM*??' is also under 'csm-role'"


def test_same_question_within_one_entry_is_not_a_clash(tmp_path: Path) -> None:
    text = changed(CSM_ENTRY, "      - csm meaning\n", "      - What is a CSM?\n")
    assert check_knowledge(write_kb(tmp_path, text)) == []


def test_empty_knowledge_directory(tmp_path: Path) -> None:
    file, line, message = single_problem(tmp_path)
    assert file == str(tmp_path / "sources.yaml")
    assert line in (0, 1)
    assert message.startswith("missing")


def test_sources_but_no_entries(tmp_path: Path) -> None:
    file, _, message = single_problem(write_kb(tmp_path))
    assert file == str(tmp_path)
    assert message == "no entries found in any *.yaml file"


def test_knowledge_directory_that_does_not_exist(tmp_path: Path) -> None:
    """A missing folder is a setting to fix, not a file with a problem at line 0."""
    with pytest.raises(KnowledgeFolderMissing) as raised:
        check_knowledge(tmp_path / "absent")
    assert raised.value.directory == tmp_path / "absent"
    with pytest.raises(KnowledgeError):  # callers that only know KnowledgeError still stop
        load_knowledge(tmp_path / "absent")


@pytest.mark.parametrize(
    ("sources", "message"),
    [(None, "missing"), (SOURCES.replace("- Body", "- Body: x: y"), "invalid YAML")],
    ids=["missing", "invalid"],
)
def test_unusable_sources_yaml_is_one_line(
    tmp_path: Path, sources: str | None, message: str
) -> None:
    """An unusable sources.yaml is one problem, not one more per citation that cannot resolve."""
    file, line, said = single_problem(write_kb(tmp_path, CSM_ENTRY, PM_ENTRY, sources=sources))
    assert file == str(tmp_path / "sources.yaml")
    assert line in ((0, 1) if sources is None else (8,))
    assert said.startswith(message)


def test_a_broken_entry_is_not_reported_again_as_a_missing_related_id(tmp_path: Path) -> None:
    """pm-role exists but lacks a title: `overview` relating to it must not call its id missing."""
    broken_pm = changed(PM_ENTRY, "    title: What a PM is\n", "")
    file, line, message = single_problem(write_kb(tmp_path, CSM_ENTRY, broken_pm, BOTH_ENTRY))
    assert (file, line, message) == (
        str(tmp_path / "20-topics.yaml"),
        line_of(broken_pm, "id: pm-role"),
        "missing 'title'",
    )


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    text = changed(CSM_ENTRY, "    related: []\n", "    related: [nowhere]\n    tags: x\n")
    text = changed(text, "section: Intro", "section: Outro")
    problems = [str(problem) for problem in check_knowledge(write_kb(tmp_path, text))]
    topic = tmp_path / TOPIC
    assert sorted(problems) == sorted(
        [
            f"{topic}:{line_of(text, 'tags:')}: unknown key 'tags' in an entry "
            "(known: answer, id, questions, related, sources, starter, title)",
            f"{topic}:{line_of(text, 'Outro')}: article 'art' has no section 'Outro'",
            f"{topic}:{line_of(text, 'id: csm-role')}: 'csm-role' relates to missing id 'nowhere'",
        ]
    )


# --- load_knowledge ---------------------------------------------------------------------------


def test_load_knowledge_raises_with_the_problems(tmp_path: Path) -> None:
    text = changed(CSM_ENTRY, "    related: []\n", "    related: [gone, lost]\n")
    write_kb(tmp_path, text)
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(tmp_path)
    problems = raised.value.problems
    assert all(isinstance(problem, Problem) for problem in problems)
    assert [problem.message for problem in problems] == [
        "'csm-role' relates to missing id 'gone'",
        "'csm-role' relates to missing id 'lost'",
    ]
    assert problems == check_knowledge(tmp_path)
    assert str(raised.value).splitlines() == [str(problem) for problem in problems]


def test_load_knowledge_raises_on_an_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(tmp_path)
    assert len(raised.value.problems) == 1


def test_problem_formats_as_file_line_message() -> None:
    assert (
        str(Problem("knowledge/a.yaml", 12, "missing 'id'")) == "knowledge/a.yaml:12: missing 'id'"
    )


def test_an_answer_side_too_long_for_slack_is_refused(tmp_path: Path) -> None:
    text = changed(
        CSM_ENTRY,
        "      csm: Keeps customers getting value.\n",
        "      csm: " + "word " * 400 + "\n",
    )
    file, line, message = single_problem(write_kb(tmp_path, text))
    assert (file, line) == (str(tmp_path / "10-topics.yaml"), line_of(text, "csm: word"))
    assert message == "'csm' is 1999 characters; keep it to 1500"  # YAML drops the last space


# --- curator files: vocabulary, owners, not-covered subjects ---------------------------------

OWNERS_TEMPLATE = """\
duties:
  - id: csm-onboarding
    owner: csm
    duty: Onboarding new customers
    questions: [who onboards customers, whose job is onboarding, who runs onboarding, onboarding owner]
    why: SmartKarrot lists onboarding among the CSM's duties.
    topic: csm-role
    sources:
      - {article: art, section: Intro}
"""


def test_owners_file_loads_with_its_duties(tmp_path: Path) -> None:
    write_kb(tmp_path, CSM_ENTRY)
    (tmp_path / "owners.yaml").write_text(OWNERS_TEMPLATE, encoding="utf-8")
    knowledge = load_knowledge(tmp_path)
    assert [(duty.id, duty.owner, duty.topic) for duty in knowledge.duties] == [
        ("csm-onboarding", "csm", "csm-role")
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("owner: csm", "owner: sales", "'owner' must be one of csm, pm, both"),
        ("topic: csm-role", "topic: nowhere", "duty 'csm-onboarding' has unknown topic 'nowhere'"),
        ("section: Intro", "section: Nope", "article 'art' has no section 'Nope'"),
        ("    why: SmartKarrot", "    colour: red\n    why: SmartKarrot", "unknown key 'colour'"),
        (
            "    topic: csm-role",
            "    topic: csm-role\n    main: yes please",
            "'main' must be true or false",
        ),
    ],
)
def test_owners_file_problems_are_located(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    write_kb(tmp_path, CSM_ENTRY)
    (tmp_path / "owners.yaml").write_text(changed(OWNERS_TEMPLATE, old, new), encoding="utf-8")
    problems = check_knowledge(tmp_path)
    assert any(expected in problem.message for problem in problems), problems
    assert all(problem.file.endswith("owners.yaml") and problem.line > 0 for problem in problems)


def test_a_topic_has_at_most_one_main_duty(tmp_path: Path) -> None:
    write_kb(tmp_path, CSM_ENTRY)
    main = changed(OWNERS_TEMPLATE, "    topic: csm-role", "    topic: csm-role\n    main: true")
    second = (
        main.replace("csm-onboarding", "csm-kickoff")
        .replace("duties:\n", "")
        .replace("who onboards", "who kicks off with")
        .replace("whose job is onboarding", "whose job is the kickoff")
        .replace("who runs onboarding", "who runs the kickoff")
        .replace("onboarding owner", "kickoff owner")
    )
    (tmp_path / "owners.yaml").write_text(main + second, encoding="utf-8")
    messages = [problem.message for problem in check_knowledge(tmp_path)]
    assert messages == [
        "duty 'csm-kickoff' is the second 'main' duty of topic 'csm-role' (the first is "
        "'csm-onboarding')"
    ]


def test_not_covered_file_refuses_a_broken_pattern(tmp_path: Path) -> None:
    write_kb(tmp_path, CSM_ENTRY)
    (tmp_path / "not-covered.yaml").write_text(
        "subjects:\n"
        "  - id: pay\n"
        "    title: Pay\n"
        "    reply: Not covered.\n"
        "    patterns: ['(unclosed']\n"
        "    questions: [csm salary, pm salary, who earns more, salary bands]\n"
        "    suggest: missing-topic\n",
        encoding="utf-8",
    )
    messages = [problem.message for problem in check_knowledge(tmp_path)]
    assert any(message.startswith("pattern '(unclosed'") for message in messages), messages
    assert "subject 'pay' suggests unknown topic 'missing-topic'" in messages


def test_vocabulary_refuses_a_broken_introduction_pattern(tmp_path: Path) -> None:
    write_kb(tmp_path, CSM_ENTRY)
    (tmp_path / "vocabulary.yaml").write_text(
        "introductions:\n  - '^\\w+ here\\b'\n  - '(unclosed'\n", encoding="utf-8"
    )
    problems = check_knowledge(tmp_path)
    assert [problem.line for problem in problems] == [3]  # the pattern's own line
    assert problems[0].message.startswith("pattern '(unclosed'"), problems


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        (r"\bwho won the (game|match)\b", {"who", "won", "the", "game", "match"}),
        # letters running into a group, a class or a repeat are parts, never words
        (r"\bburn(s|ed|t)? ?out\b", set()),
        (r"\bw ?(9|2)s?\b", set()),
        (r"^(can|could) you\b", {"you"}),  # the parser reads "c(an|ould)"
        (r"\b(csm|pm)s? lead\b", {"lead"}),
        # what a look-around names, it names whole
        # (a word right before one is not known to end there)
        (r"\bhow many customers(?! (renew|churn))", {"how", "many", "renew", "churn"}),
    ],
)
def test_pattern_words_are_the_whole_words_a_pattern_spells(pattern: str, words: set) -> None:
    assert pattern_words(pattern) == words


def test_a_pattern_word_the_vocabulary_rewrites_is_a_located_problem(tmp_path: Path) -> None:
    # "w" is shorthand for "with": a pattern for the W-9 form written "w 9" never matches,
    # since questions reach patterns normalised ("with 9"); the role words a pattern spells
    # (csm, pm) are what normalised questions hold, and are fine.
    write_kb(tmp_path, CSM_ENTRY)
    (tmp_path / "vocabulary.yaml").write_text(
        "synonyms:\n  w: with\n  kickoff: start\nroles:\n  csm: [customer success manager]\n"
        "  pm: [project manager]\n",
        encoding="utf-8",
    )
    (tmp_path / "not-covered.yaml").write_text(
        "subjects:\n"
        "  - id: forms\n"
        "    title: Forms\n"
        "    patterns:\n"
        "      - '\\b(csm|pm) payslips\\b'\n"
        "      - '\\b(a|our) w 9\\b|\\bproject kickoff\\b'\n"
        "    questions: [where is my w9, tax form please, who sends tax forms, forms help]\n",
        encoding="utf-8",
    )
    problems = check_knowledge(tmp_path)
    assert [problem.line for problem in problems] == [6, 6]  # the pattern's own line
    assert "no question holds 'kickoff' when patterns read it (normalised, it is 'start')" in (
        problems[0].message
    )
    assert "no question holds 'w' when patterns read it (normalised, it is 'with')" in (
        problems[1].message
    )


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ("    proper_names: sometimes\n", [(5, "'proper_names' must be true or false")]),
        (
            "    setting_words: integration\n    setting_before: [their, 3]\n",
            [
                (5, "'setting_words' must be a list of words or phrases"),
                (6, "'setting_before' must be a list of words or phrases"),
            ],
        ),
    ],
    ids=["proper-names", "setting-words"],
)
def test_not_covered_subject_fields_are_checked(
    tmp_path: Path, fields: str, expected: list[tuple[int, str]]
) -> None:
    write_kb(tmp_path, CSM_ENTRY)
    (tmp_path / "not-covered.yaml").write_text(
        "subjects:\n"
        "  - id: people\n"
        "    title: People\n"
        "    reply: Not covered.\n"
        f"{fields}"
        "    questions: [who is our csm, who is my pm, which csm has acme, who runs phoenix]\n",
        encoding="utf-8",
    )
    problems = check_knowledge(tmp_path)
    assert [(problem.line, problem.message) for problem in problems] == expected


def test_vocabulary_file_problems_are_located(tmp_path: Path) -> None:
    write_kb(tmp_path, CSM_ENTRY)
    (tmp_path / "vocabulary.yaml").write_text(
        "synonyms: [not, a, mapping]\nroles: {sales: [sales rep]}\n", encoding="utf-8"
    )
    problems = check_knowledge(tmp_path)
    assert [(problem.line, problem.message) for problem in problems] == [
        (1, "'synonyms' must map words to words"),
        (2, "'roles' must map csm and pm to phrases"),
    ]
