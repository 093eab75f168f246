"""The README's figures come from the tools, not from a keyboard."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

from bot.cli import main
from tests.conftest import DEV_QUESTIONS, HELDOUT_QUESTIONS

README = Path(__file__).resolve().parent.parent / "README.md"
EVAL_BLOCK = re.compile(
    r"<!-- csm-vs-pm eval tests/data/dev.yaml tests/data/heldout.yaml --markdown -->\n"
    r"(.*?)<!-- end of eval table -->",
    re.DOTALL,
)


def test_the_accuracy_table_is_what_eval_prints_today(monkeypatch) -> None:
    monkeypatch.chdir(README.parent)  # the table names the files as given
    found = EVAL_BLOCK.search(README.read_text(encoding="utf-8"))
    assert found, "the README lost its eval table markers"
    out = StringIO()
    main(
        ["eval", str(DEV_QUESTIONS.relative_to(README.parent)),
         str(HELDOUT_QUESTIONS.relative_to(README.parent)), "--markdown"],
        out=out,
    )  # fmt: skip
    assert found.group(1) == out.getvalue(), (
        "regenerate it: csm-vs-pm eval tests/data/dev.yaml tests/data/heldout.yaml --markdown"
    )
