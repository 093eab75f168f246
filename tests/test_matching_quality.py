"""Matching quality on questions written apart from the knowledge base (dev and held-out).

The held-out set is never tuned on. The floors below are regression guards set just under what
the bot measures today (see the README's "Matching" table, made by `csm-vs-pm eval`); they are
NOT the targets of issue 7 (topic >= 95%, who >= 95%, unrelated >= 99%, not covered >= 95% on
the held-out set), which the bot reaches only for not-covered questions so far. Every miss is
printed.
"""

from __future__ import annotations

import pytest

from bot.evaluation import load_cases, summary, tally
from tests.conftest import DEV_QUESTIONS, HELDOUT_QUESTIONS

FLOORS = {
    DEV_QUESTIONS: {"topic": 0.94, "who": 0.93, "offtopic": 0.99, "hardneg": 0.98},
    HELDOUT_QUESTIONS: {"topic": 0.93, "who": 0.91, "offtopic": 0.97, "hardneg": 0.95},
}
# The held-out who questions on which three other annotators, reading only the articles, all
# gave the set's owner: here the 93% floor holds; on the rest the owner is partly a
# matter of reading (see the README).
AGREED_WHO_FLOOR = 0.93


def test_question_sets_are_large_and_varied() -> None:
    dev, heldout = load_cases(DEV_QUESTIONS), load_cases(HELDOUT_QUESTIONS)
    assert len(dev) + len(heldout) >= 600
    for cases in (dev, heldout):
        counts = {kind: sum(case.kind == kind for case in cases) for kind in FLOORS[DEV_QUESTIONS]}
        assert min(counts.values()) >= 45, counts


@pytest.mark.parametrize("path", list(FLOORS), ids=lambda path: path.stem)
def test_accuracy_per_kind_stays_above_its_floor(question_matches, path, capsys) -> None:
    result = tally(question_matches[path])
    with capsys.disabled():
        print(f"\n== {path.name}\n{summary(result)}")
    assert result.failures(FLOORS[path]) == [], summary(result, misses=False)
    agreed = result.agreed_accuracy()
    assert agreed is None or agreed >= AGREED_WHO_FLOOR, summary(result, misses=False)


def test_every_held_out_who_question_has_other_annotators_owners() -> None:
    who = [case for case in load_cases(HELDOUT_QUESTIONS) if case.kind == "who"]
    assert all(len(case.second_owners) == 3 for case in who)
