"""The README's figures come from the tools, not from a keyboard."""

from __future__ import annotations

import re
from pathlib import Path

from bot.evaluation import markdown_table, tally
from tests.conftest import DEV_QUESTIONS, HELDOUT_QUESTIONS

README = Path(__file__).resolve().parent.parent / "README.md"
EVAL_BLOCK = re.compile(
    r"<!-- csm-vs-pm eval tests/data/dev.yaml tests/data/heldout.yaml --markdown -->\n"
    r"(.*?)<!-- end of eval table -->",
    re.DOTALL,
)


def test_the_accuracy_table_is_what_eval_prints_today(question_matches) -> None:
    found = EVAL_BLOCK.search(README.read_text(encoding="utf-8"))
    assert found, "the README lost its eval table markers"
    # What `csm-vs-pm eval tests/data/dev.yaml tests/data/heldout.yaml --markdown` prints (its
    # table is evaluation.markdown_table), from the session's matches rather than matching
    # every question again; tests/test_cli.py runs the command itself.
    results = {
        str(path.relative_to(README.parent)): tally(question_matches[path])
        for path in (DEV_QUESTIONS, HELDOUT_QUESTIONS)
    }
    assert found.group(1) == markdown_table(results) + "\n", (
        "regenerate it: csm-vs-pm eval tests/data/dev.yaml tests/data/heldout.yaml --markdown"
    )
