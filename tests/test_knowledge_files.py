"""Reading knowledge files safely: hostile or broken files are `file:line` problems, never a hang,
a crash or someone else's file echoed back (issue 10 rows 6-8)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
import yaml

from bot import knowledge
from bot.knowledge import MAX_NESTING, KnowledgeError, check_knowledge, load_knowledge
from tests.test_knowledge import CSM_ENTRY, PM_ENTRY, TOPIC, changed, line_of, write_kb

# PyYAML's own parser is the fallback where libyaml is missing: both must behave the same.
PARSERS = [pytest.param(yaml.SafeLoader, id="pure-python")]
if hasattr(yaml, "CSafeLoader"):
    PARSERS.append(pytest.param(yaml.CSafeLoader, id="libyaml"))


@pytest.fixture(params=PARSERS)
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(knowledge, "_YamlLoader", request.param)


def problems_within(directory: Path, seconds: float = 10.0, **options: int) -> list[str]:
    """`check_knowledge` in a thread, failing the test if it has not returned in time."""
    found: list[list[str] | BaseException] = []

    def check() -> None:
        try:
            found.append([str(problem) for problem in check_knowledge(directory, **options)])
        except BaseException as error:
            found.append(error)

    worker = threading.Thread(target=check, daemon=True)
    worker.start()
    worker.join(seconds)
    assert found, f"check_knowledge still running after {seconds}s"
    if isinstance(found[0], BaseException):
        raise found[0]
    return found[0]


# --- row 6: nesting, and every other YAML problem ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "line"),
    [
        pytest.param("entries: " + "[" * 20_000 + "]" * 20_000 + "\n", 1, id="flow"),
        pytest.param(
            "entries:\n" + "".join(" " * depth + "- \n" for depth in range(200)),
            MAX_NESTING + 1,
            id="block",
        ),
        pytest.param("entries:\n" + "- " * 20_000 + "x\n", 2, id="compact-block"),
    ],
)
def test_deep_nesting_is_a_located_problem_not_a_recursion_error(
    parser: None, tmp_path: Path, text: str, line: int
) -> None:
    write_kb(tmp_path, text)
    assert problems_within(tmp_path) == [
        f"{tmp_path / TOPIC}:{line}: invalid YAML: nested more than {MAX_NESTING} levels deep"
    ]


def test_ordinary_nesting_is_fine(parser: None, tmp_path: Path) -> None:
    assert check_knowledge(write_kb(tmp_path, CSM_ENTRY, PM_ENTRY)) == []


def test_not_utf8_points_at_the_line(tmp_path: Path) -> None:
    text = changed(CSM_ENTRY, "      - csm meaning\n", "      - csm m\xe9aning\n")
    write_kb(tmp_path)
    (tmp_path / TOPIC).write_bytes(text.encode("latin-1"))
    assert problems_within(tmp_path) == [
        f"{tmp_path / TOPIC}:{line_of(text, 'csm m')}: cannot read the file: it is not UTF-8 text"
    ]


def test_yaml_values_read_as_yaml_safe_load_reads_them(tmp_path: Path) -> None:
    text = "a: 1\nb: 1.5\nc: yes\nd: ~\ne: 2024-01-02\nf: '7'\ng: |\n  x\n  y\nh: [1, {i: j}]\n"
    path = tmp_path / "values.yaml"
    path.write_text(text, encoding="utf-8")
    problems: list = []
    assert knowledge._read_yaml(path, tmp_path, 10_000, problems) == yaml.safe_load(text)
    assert problems == []


# --- row 7: size limit and a flood of problems --------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    write_kb(tmp_path, CSM_ENTRY + "# " + "x" * 2_000 + "\n")
    size = (tmp_path / TOPIC).stat().st_size
    assert problems_within(tmp_path, max_file_bytes=1_000) == [
        f"{tmp_path / TOPIC}:1: the file is {size / 1e6:.3g} MB, over the 0.001 MB limit for a "
        "knowledge file (raise it with KNOWLEDGE_MAX_FILE_MB if this is really one file)"
    ]
    assert check_knowledge(tmp_path, max_file_bytes=10_000) == []


def test_the_default_limit_is_5_mb(tmp_path: Path) -> None:
    write_kb(tmp_path, CSM_ENTRY + "#" * 5_000_000 + "\n")
    (problem,) = problems_within(tmp_path)
    assert "over the 5 MB limit" in problem


# --- row 8: only regular files inside the folder ------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_named_yaml_is_skipped_without_blocking(tmp_path: Path) -> None:
    write_kb(tmp_path, CSM_ENTRY)
    os.mkfifo(tmp_path / "x.yaml")  # nobody ever writes to it: reading it would wait forever
    assert problems_within(tmp_path, seconds=5) == [
        f"{tmp_path / 'x.yaml'}:1: not a regular file (a folder, FIFO or device); not read"
    ]


def test_a_folder_named_yaml_is_skipped(tmp_path: Path) -> None:
    write_kb(tmp_path, CSM_ENTRY)
    (tmp_path / "drafts.yaml").mkdir()
    assert problems_within(tmp_path) == [
        f"{tmp_path / 'drafts.yaml'}:1: not a regular file (a folder, FIFO or device); not read"
    ]


@pytest.mark.parametrize("target", ["/dev/zero", "outside.yaml"])
def test_a_link_out_of_the_folder_is_not_read(tmp_path: Path, target: str) -> None:
    folder = write_kb(tmp_path / "knowledge", CSM_ENTRY)
    secret = tmp_path / "outside.yaml"
    secret.write_text("entries:\n  - id: SECRET-VALUE\n", encoding="utf-8")
    (folder / "x.yaml").symlink_to(secret if target == "outside.yaml" else target)
    problems = problems_within(folder)
    assert problems == [f"{folder / 'x.yaml'}:1: a link to outside the knowledge folder; not read"]
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(folder)
    assert "SECRET" not in str(raised.value)


def test_a_link_to_a_file_inside_the_folder_is_read(tmp_path: Path) -> None:
    folder = write_kb(tmp_path, CSM_ENTRY)
    (folder / "drafts").mkdir()
    (folder / "drafts" / "pm.txt").write_text(PM_ENTRY, encoding="utf-8")
    (folder / "20-pm.yaml").symlink_to(folder / "drafts" / "pm.txt")
    assert sorted(entry.id for entry in load_knowledge(folder).entries) == ["csm-role", "pm-role"]


def test_editor_files_are_not_knowledge(tmp_path: Path) -> None:
    folder = write_kb(tmp_path, CSM_ENTRY)
    (folder / f".#{TOPIC}").symlink_to("someone@host.12345")  # Emacs' lock link, dangling
    assert check_knowledge(folder) == []
