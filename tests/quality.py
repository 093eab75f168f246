"""Measure the matcher against the evaluation question set (shared by the test and the README figures)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.matcher import Match, Matcher

QUESTION_SET = Path(__file__).parent / "data" / "question_set.yaml"


@dataclass(frozen=True)
class Case:
    """One question of the evaluation set and the entry id it should get (None = abstain)."""

    question: str
    expected: str | None


@dataclass
class Evaluation:
    """Accuracy in scope, correct abstention off topic, and every miss."""

    in_scope: int = 0
    in_scope_correct: int = 0
    off_topic: int = 0
    off_topic_correct: int = 0
    misses: list[tuple[Case, Match]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.in_scope_correct / max(self.in_scope, 1)

    @property
    def abstention(self) -> float:
        return self.off_topic_correct / max(self.off_topic, 1)

    def summary(self) -> str:
        lines = [
            f"in scope: {self.in_scope_correct}/{self.in_scope} = {self.accuracy:.1%} top-1",
            f"off topic: {self.off_topic_correct}/{self.off_topic} = {self.abstention:.1%} abstained",
        ]
        lines += [
            f"  expected {case.expected!s:22} got {match.id!s:22} {match.score:5.1f}  {case.question!r}"
            for case, match in self.misses
        ]
        return "\n".join(lines)


def load_cases(path: Path = QUESTION_SET) -> list[Case]:
    """The evaluation set: a YAML list of {q, expect}."""
    return [Case(item["q"], item["expect"]) for item in yaml.safe_load(path.read_text("utf-8"))]


def evaluate(matcher: Matcher, cases: list[Case]) -> Evaluation:
    """Match every case and count what came out right."""
    result = Evaluation()
    for case in cases:
        match = matcher.match(case.question)
        correct = match.id == case.expected
        if case.expected is None:
            result.off_topic += 1
            result.off_topic_correct += correct
        else:
            result.in_scope += 1
            result.in_scope_correct += correct
        if not correct:
            result.misses.append((case, match))
    return result
