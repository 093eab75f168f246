"""Curators' regular expressions searched many at once, fast, over normalised text.

Python's `re` tries every pattern, and every alternative in it, at each position of a text:
the not-covered subjects' eighty-odd patterns cost about 90 µs on a long message, one of the
largest parts of answering it. RE2 (google-re2) compiles a whole set of patterns into one
automaton that reads the text once, in about 2 µs, and never backtracks: its time grows with
the text alone, whatever a curator writes and whatever a message contains. RE2 has no
look-around (`(?!...)`, `(?<!...)`) and reads `{,n}` literally, so the few patterns that need
Python's meaning are searched with `re`, as they always were.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Protocol

import re2

_OPTIONS = re2.Options()
_OPTIONS.never_capture = True  # only whether a pattern matches is asked, never where
_OPTIONS.log_errors = False  # a look-around pattern is expected to fail: it goes to `re`

_SUBSTITUTING = re2.Options()
_SUBSTITUTING.log_errors = False

# `{,n}` means "0 to n times" to Python and the literal text "{,n}" to RE2.
_UPPER_BOUND_ONLY = re.compile(r"(?<!\\)\{,")


# A gap in a pattern: any text repeated (".*", ".+", ".{0,20}") or a repeated group ("( \w+){0,6}").
_GAP = re.compile(r"[.)][*+{]")


def _compiled_set(patterns: Sequence[str]) -> re2.Set:
    """One automaton searching for all of `patterns` at once."""
    automaton = re2.Set.SearchSet(_OPTIONS)
    for pattern in patterns:
        automaton.Add(pattern)
    automaton.Compile()
    return automaton


class Substituting(Protocol):
    """A compiled pattern that replaces what it finds (Python's or RE2's)."""

    def sub(self, repl: str, string: str) -> str:
        """`string` with each match replaced by `repl`."""
        ...


def _in_re2(text: str, options: re2.Options) -> Substituting | None:
    """A pattern compiled with RE2 when RE2 reads it as Python does; None when it does not (a
    look-around, which RE2 lacks, or `{,n}`, which it reads literally)."""
    if _UPPER_BOUND_ONLY.search(text):
        return None
    try:
        return re2.compile(text, options)
    except re2.error:
        return None


def substituting(pattern: re.Pattern[str]) -> Substituting:
    """The pattern compiled with RE2 when RE2 reads it as Python does (it then replaces the same
    text, several times faster on a pattern that opens with optional words), else as it is."""
    compiled = _in_re2(pattern.pattern, _SUBSTITUTING)
    return pattern if compiled is None else compiled


class PatternGroups:
    """Which of several groups of regular expressions is the first with a pattern that matches
    a normalised text (the groups in the order given)."""

    def __init__(self, groups: Sequence[Iterable[re.Pattern[str]]]) -> None:
        # Patterns with a gap (".*", ".{0,20}", "( \w+){0,6}") get an automaton of their own:
        # in one automaton with the rest, every state after a gap's opening words is a copy
        # of the others' states, and building states is most of a search's cost the first
        # time a message's words are read (the subjects' patterns: 12 to 6 us a message).
        automata: tuple[list[str], list[str]] = ([], [])
        group_of: tuple[list[int], list[int]] = ([], [])  # by each automaton's pattern number
        left_to_re: dict[int, list[str]] = {}
        for group, patterns in enumerate(groups):
            for pattern in patterns:
                if _in_re2(pattern.pattern, _OPTIONS) is None:
                    left_to_re.setdefault(group, []).append(pattern.pattern)
                    continue
                gapped = bool(_GAP.search(pattern.pattern))
                automata[gapped].append(pattern.pattern)
                group_of[gapped].append(group)
        self._automata = [
            (_compiled_set(texts), groups_of)
            for texts, groups_of in zip(automata, group_of, strict=True)
            if texts
        ]
        # Each group's look-around patterns as one alternation, searched in group order.
        self._with_re = [
            (group, re.compile("|".join(f"(?:{text})" for text in texts)))
            for group, texts in sorted(left_to_re.items())
        ]

    def first(self, normalized: str) -> int | None:
        """The number of the first group with a pattern found in the text; None if none is."""
        first = min(
            (
                groups_of[number]
                for automaton, groups_of in self._automata
                for number in automaton.Match(normalized) or ()
            ),
            default=None,
        )
        for group, pattern in self._with_re:
            if first is not None and group >= first:
                break  # an earlier group already matched
            if pattern.search(normalized):
                return group
        return first


class AnyPattern(PatternGroups):
    """Whether any of a set of regular expressions matches somewhere in a normalised text."""

    def __init__(self, patterns: Iterable[re.Pattern[str]]) -> None:
        super().__init__([patterns])

    def search(self, normalized: str) -> bool:
        """Whether one of the patterns matches the normalised text."""
        return self.first(normalized) is not None
