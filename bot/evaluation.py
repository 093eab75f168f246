"""Batch evaluation: how often the bot is right on a file of questions with expected outcomes.

Curators run it after every edit (`csm-vs-pm eval FILE`), as hosted Q&A services run batch
tests; the test suite runs it on the dev and held-out question sets. Four kinds of question:

- `topic`: should be answered with entry `expect`;
- `who`: should be answered with owner `owner` (csm, pm or both); `second_owners`, optional, are
  the owners other annotators gave the same question reading only the articles: how often they
  agree with `owner` shows how far the owner is a matter of reading, and the who questions on
  which every annotator agrees are counted apart;
- `offtopic`: unrelated; the bot must decline;
- `hardneg`: in the roles' vocabulary but not covered by the articles; the bot must decline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from bot.knowledge import OWNERS, load_plain_yaml
from bot.matcher import Match, Matcher

TOPIC, WHO, OFFTOPIC, HARDNEG = "topic", "who", "offtopic", "hardneg"
KINDS = (TOPIC, WHO, OFFTOPIC, HARDNEG)
KIND_LABELS = {
    TOPIC: "topic (right entry)",
    WHO: "who (right owner)",
    OFFTOPIC: "unrelated (declined)",
    HARDNEG: "not covered (declined)",
}
SWEEP_THRESHOLDS = tuple(range(36, 62, 2))


class CaseError(ValueError):
    """A question file that cannot be evaluated, with the item at fault."""


@dataclass(frozen=True)
class Case:
    """One question and what the bot should do with it."""

    question: str
    kind: str
    expect: str | None = None
    owner: str | None = None
    second_owners: tuple[str, ...] = ()

    @property
    def owner_agreed(self) -> bool:
        """Whether other annotators gave this who question an owner, all of them `owner`."""
        return bool(self.second_owners) and set(self.second_owners) == {self.owner}

    def judge(self, match: Match) -> bool:
        """Whether the bot's match is right for this case."""
        if self.kind == TOPIC:
            return match.id == self.expect
        if self.kind == WHO:
            return match.owner == self.owner
        return match.id is None

    def expected_label(self) -> str:
        """What was expected, in a few words."""
        if self.kind == TOPIC:
            return str(self.expect)
        if self.kind == WHO:
            return f"owner {self.owner}"
        return "declined"


def got_label(match: Match) -> str:
    """What the bot did, in a few words."""
    if match.owner:
        return f"owner {match.owner} ({match.id})"
    if match.not_covered:
        return f"not covered: {match.not_covered}"
    return str(match.id) if match.id else "declined"


def load_cases(path: Path) -> list[Case]:
    """A YAML list of {q, kind, expect | owner}; raises CaseError naming the bad item."""
    try:
        items = load_plain_yaml(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise CaseError(f"{path}: cannot read the questions: {error}") from error
    if not isinstance(items, list):
        raise CaseError(f"{path}: expected a list of questions")
    cases = []
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict) or not isinstance(item.get("q"), str):
            raise CaseError(f"{path}: item {number} needs a text 'q'")
        kind = item.get("kind", TOPIC if item.get("expect") else OFFTOPIC)
        if kind not in KINDS:
            raise CaseError(f"{path}: item {number}: kind must be one of {', '.join(KINDS)}")
        if kind == WHO and item.get("owner") not in OWNERS:
            raise CaseError(f"{path}: item {number}: a who question needs owner: csm, pm or both")
        if kind == TOPIC and not isinstance(item.get("expect"), str):
            raise CaseError(f"{path}: item {number}: a topic question needs expect: ENTRY-ID")
        second_owners = item.get("second_owners", [])
        if second_owners and kind != WHO:
            raise CaseError(f"{path}: item {number}: only a who question has second_owners")
        if not isinstance(second_owners, list) or not set(second_owners) <= set(OWNERS):
            raise CaseError(
                f"{path}: item {number}: second_owners must be a list of csm, pm or both"
            )
        cases.append(
            Case(item["q"], kind, item.get("expect"), item.get("owner"), tuple(second_owners))
        )
    return cases


@dataclass(frozen=True)
class Miss:
    """A question the bot got wrong, what was expected and what it did."""

    case: Case
    match: Match


@dataclass
class Evaluation:
    """Right answers per kind, and every miss."""

    right: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    total: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    # Who questions given an owner answer at all (right owner or not).
    owner_answers: int = 0
    # Other annotators' owners for who questions, and how many of them are the set's owner.
    second_owners: int = 0
    second_owners_agreeing: int = 0
    # Who questions on which every other annotator gave the set's owner, and those right.
    agreed_total: int = 0
    agreed_right: int = 0
    misses: list[Miss] = field(default_factory=list)

    def accuracy(self, kind: str) -> float | None:
        """The share of `kind` answered right, or None when there is none of that kind."""
        return self.right[kind] / self.total[kind] if self.total[kind] else None

    def agreed_accuracy(self) -> float | None:
        """The share right of the who questions on which every annotator agrees, or None when
        there is none."""
        return self.agreed_right / self.agreed_total if self.agreed_total else None

    def overall(self) -> float:
        """The share of every question answered right."""
        return sum(self.right.values()) / max(sum(self.total.values()), 1)

    def failures(self, minimums: dict[str, float]) -> list[str]:
        """Kinds below their minimum accuracy, as readable lines."""
        lines = []
        for kind, minimum in minimums.items():
            accuracy = self.accuracy(kind)
            if accuracy is not None and accuracy < minimum:
                lines.append(f"{kind}: {accuracy:.1%} is under the minimum {minimum:.1%}")
        return lines

    def to_json(self) -> dict[str, object]:
        """Per-kind figures and the misses, for `eval --json`."""
        return {
            "kinds": {
                kind: {
                    "right": self.right[kind],
                    "total": self.total[kind],
                    "accuracy": self.accuracy(kind),
                }
                for kind in KINDS
            },
            "overall": self.overall(),
            "who_owner_answers": self.owner_answers,
            "who_second_owners": {
                "agreeing": self.second_owners_agreeing,
                "total": self.second_owners,
            },
            "who_agreed": {
                "right": self.agreed_right,
                "total": self.agreed_total,
                "accuracy": self.agreed_accuracy(),
            },
            "misses": [
                {
                    "question": miss.case.question,
                    "kind": miss.case.kind,
                    "expected": miss.case.expected_label(),
                    "got": got_label(miss.match),
                    "score": miss.match.score,
                }
                for miss in self.misses
            ],
        }


def evaluate(matcher: Matcher, cases: Iterable[Case]) -> Evaluation:
    """Match every case and count what came out right."""
    return tally((case, matcher.match(case.question)) for case in cases)


def tally(matched: Iterable[tuple[Case, Match]]) -> Evaluation:
    """Count what came out right, for cases matched already."""
    result = Evaluation()
    for case, match in matched:
        result.total[case.kind] += 1
        if case.kind == WHO and match.owner:
            result.owner_answers += 1
        right = case.judge(match)
        result.second_owners += len(case.second_owners)
        result.second_owners_agreeing += case.second_owners.count(case.owner)
        if case.owner_agreed:
            result.agreed_total += 1
            result.agreed_right += right
        if right:
            result.right[case.kind] += 1
        else:
            result.misses.append(Miss(case, match))
    return result


def sweep(
    matcher: Matcher, cases: list[Case], thresholds: Iterable[float] = SWEEP_THRESHOLDS
) -> list[tuple[float, Evaluation]]:
    """The evaluation at each threshold, every other setting unchanged."""
    return [
        (
            threshold,
            evaluate(matcher.with_tuning(replace(matcher.tuning, threshold=threshold)), cases),
        )
        for threshold in thresholds
    ]


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def summary(result: Evaluation, *, misses: bool = True) -> str:
    """Per-kind accuracy, then every miss: expected, got, score, question."""
    lines = [
        f"{KIND_LABELS[kind]:24} {result.right[kind]:4}/{result.total[kind]:<4} "
        f"{_percent(result.accuracy(kind))}"
        for kind in KINDS
    ]
    if result.total[WHO]:
        lines.append(f"{'who given any owner':24} {result.owner_answers:4}/{result.total[WHO]:<4}")
    if result.second_owners:
        agreeing, opinions = result.second_owners_agreeing, result.second_owners
        lines.append(
            f"{'2nd annotators agree':24} {agreeing:4}/{opinions:<4} {_percent(agreeing / opinions)}"
        )
        lines.append(
            f"{'who, all agree on owner':24} {result.agreed_right:4}/{result.agreed_total:<4} "
            f"{_percent(result.agreed_accuracy())}"
        )
    lines.append(f"{'overall':24} {'':9} {result.overall():.1%}")
    if misses and result.misses:
        lines.append(f"\n{len(result.misses)} misses (kind, expected -> got, score, question):")
        lines += [
            f"  {miss.case.kind:8} {miss.case.expected_label():22} -> "
            f"{got_label(miss.match):32} {miss.match.score:5.1f}  {miss.case.question!r}"
            for miss in result.misses
        ]
    return "\n".join(lines)


def markdown_table(results: dict[str, Evaluation]) -> str:
    """A Markdown table of per-kind accuracy, one column per named question set."""
    names = list(results)
    lines = [
        "| kind of question | " + " | ".join(names) + " |",
        "| --- |" + " --- |" * len(names),
    ]
    for kind in KINDS:
        cells = [
            f"{_percent(result.accuracy(kind))} ({result.right[kind]}/{result.total[kind]})"
            for result in results.values()
        ]
        lines.append(f"| {KIND_LABELS[kind]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def sweep_table(rows: list[tuple[float, Evaluation]], chosen: float) -> str:
    """A Markdown table of per-kind accuracy at each threshold, the chosen one in bold."""
    lines = [
        "| threshold | " + " | ".join(KIND_LABELS[kind] for kind in KINDS) + " |",
        "| --- |" + " --- |" * len(KINDS),
    ]
    for threshold, result in rows:
        label = f"**{threshold:g}**" if threshold == chosen else f"{threshold:g}"
        cells = [_percent(result.accuracy(kind)) for kind in KINDS]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
