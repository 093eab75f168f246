"""Installs like a real package: the built wheel answers from any folder, with its own knowledge.

The wheel is built from a copy of the checkout and installed into a fresh virtual environment;
its dependencies come from the environment running the tests (a .pth line), so nothing is
downloaded but the build backend pip may need. Then `csm-vs-pm` runs from an empty folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tools import requirements

REPO = Path(__file__).resolve().parents[1]
# Not part of what a build reads: keeps the copy small and free of stale build output.
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "tests", "bench", ".*cache"
)


def _run(*argv: str | Path, cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"KNOWLEDGE_DIR", "PYTHONPATH"}}
    return subprocess.run(
        [str(arg) for arg in argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel pip builds from a copy of this checkout."""
    folder = tmp_path_factory.mktemp("build")
    source = folder / "source"
    shutil.copytree(REPO, source, ignore=NOT_COPIED)
    built = _run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", folder, source, cwd=folder
    )
    assert built.returncode == 0, built.stderr
    (found,) = folder.glob("csm_vs_pm-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel installed; returns its bin folder."""
    venv = tmp_path_factory.mktemp("venv")
    created = _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=venv)
    assert created.returncode == 0, created.stderr
    scripts = venv / ("Scripts" if os.name == "nt" else "bin")
    python = next(scripts.glob("python*"))
    pip = [sys.executable, "-m", "pip", "--python", python]
    done = _run(*pip, "install", "--no-deps", "--no-index", "-q", wheel, cwd=venv)
    assert done.returncode == 0, done.stderr
    # The dependencies: borrowed from this environment, after the venv's own site-packages.
    target = _run(
        python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=venv
    )
    paths = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(target.stdout.strip()) / "borrowed-deps.pth").write_text("\n".join(sorted(paths)) + "\n")
    return scripts


def test_the_wheel_holds_every_module_and_every_knowledge_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {path.relative_to(REPO).as_posix() for path in (REPO / "bot").rglob("*.py")}
    assert modules <= names, sorted(modules - names)
    knowledge = {
        f"bot/bundled_knowledge/{path.name}" for path in (REPO / "knowledge").glob("*.yaml")
    }
    assert knowledge and knowledge <= names, sorted(knowledge - names)


def test_installed_wheel_answers_from_any_folder(installed: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = _run(installed / "python", "-c", "import bot; print(bot.__file__)", cwd=elsewhere)
    assert where.stdout.startswith(str(installed.parent)), where  # the wheel, not the checkout
    asked = _run(
        installed / "csm-vs-pm", "ask", "--json", "what skills does a csm need", cwd=elsewhere
    )
    assert asked.returncode == 0, asked.stderr
    assert asked.stderr == ""
    assert json.loads(asked.stdout)["id"] == "csm-skills"
    checked = _run(installed / "csm-vs-pm", "kb", "check", cwd=elsewhere)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith("OK: ")
    assert checked.stdout.rstrip().endswith("bot/bundled_knowledge"), checked.stdout


def test_knowledge_dir_still_points_an_installed_wheel_elsewhere(
    installed: Path, tmp_path: Path
) -> None:
    env = {**os.environ, "KNOWLEDGE_DIR": str(tmp_path / "curated")}
    env.pop("PYTHONPATH", None)
    result = subprocess.run(
        [installed / "csm-vs-pm", "topics"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr == (
        f"csm-vs-pm: no knowledge folder at {tmp_path / 'curated'}; "
        "set KNOWLEDGE_DIR to the folder of *.yaml files\n"
    )


def test_requirements_txt_is_generated_from_pyproject() -> None:
    """Platforms that install requirements.txt get what pyproject.toml declares; regenerate with
    `python tools/requirements.py` after editing the dependencies."""
    expected = requirements.render((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert (REPO / "requirements.txt").read_text(encoding="utf-8") == expected
    assert expected.splitlines()[-1] == "."  # the project itself, for the Procfile's command
