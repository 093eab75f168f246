"""Write `requirements.txt` from pyproject.toml, for platforms that install from one.

Some hosts (a Procfile-based Python buildpack, for one) install `requirements.txt` and nothing
else. The file lists the runtime dependencies exactly as pyproject.toml declares them, then `.`,
the project itself, which provides the `csm-vs-pm` command the Procfile runs and carries the
bundled knowledge base. Edit pyproject.toml, then run:

    python tools/requirements.py          # rewrite requirements.txt
    python tools/requirements.py --check  # exit 1 when requirements.txt is out of date

tests/test_packaging.py runs the check, so CI fails when the two drift apart.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
REQUIREMENTS = ROOT / "requirements.txt"
HEADER = """\
# Generated from pyproject.toml by `python tools/requirements.py`; do not edit by hand.
# For platforms that install requirements.txt: the runtime dependencies, then the project
# itself (the csm-vs-pm command the Procfile runs, with its bundled knowledge base).
"""


def render(pyproject_text: str) -> str:
    """The requirements.txt that matches this pyproject.toml text."""
    dependencies = tomllib.loads(pyproject_text)["project"]["dependencies"]
    return HEADER + "".join(f"{requirement}\n" for requirement in dependencies) + ".\n"


def main(argv: list[str] | None = None) -> int:
    """Rewrite requirements.txt, or with --check say whether it is up to date."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if it is out of date")
    args = parser.parse_args(argv)
    expected = render(PYPROJECT.read_text(encoding="utf-8"))
    current = REQUIREMENTS.read_text(encoding="utf-8") if REQUIREMENTS.is_file() else None
    if args.check:
        if current != expected:
            print("requirements.txt is out of date: run python tools/requirements.py")
            return 1
        return 0
    if current != expected:
        REQUIREMENTS.write_text(expected, encoding="utf-8")
        print("wrote requirements.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
