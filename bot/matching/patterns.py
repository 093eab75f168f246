"""Curators' regular expressions searched many at once, fast, over normalised text.

Python's `re` tries every pattern, and every alternative in it, at each position of a text:
the not-covered subjects' eighty-odd patterns cost about 90 µs on a long message, one of the
largest parts of answering it. RE2 (google-re2) compiles a whole set of patterns into one
automaton that reads the text once, in about 2 µs, and never backtracks: its time grows with
the text alone, whatever a curator writes and whatever a message contains. RE2 has no
look-around (`(?!...)`, `(?<!...)`) and reads `{,n}` literally, so the few patterns that need
Python's meaning are searched with `re`, as they always were, but only in a text where RE2 has
found the pattern without its look-arounds (which matches wherever the pattern does).
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
# Where a look-around group opens: "(?=", "(?!", "(?<=", "(?<!".
_LOOK_AROUND = re.compile(r"\(\?<?[=!]")


def without_look_around(text: str) -> str:
    """A pattern with its look-around groups left out. It matches wherever the pattern does
    (a look-around only ever narrows a match), so where it finds nothing the pattern cannot
    match either: RE2 can rule a text out before Python's `re` reads it."""
    kept, start = [], 0
    while (found := _LOOK_AROUND.search(text, start)) is not None:
        before = text[: found.start()]
        if (len(before) - len(before.rstrip("\\"))) % 2:  # "\(?!": a literal bracket
            kept.append(text[start : found.end()])
            start = found.end()
            continue
        kept.append(text[start : found.start()])
        depth, position = 1, found.end()
        while position < len(text) and depth:
            char = text[position]
            if char == "\\":
                position += 1  # the escaped character is skipped with it
            elif char == "[":  # a class: brackets inside it do not nest
                position += 1
                while position < len(text) and text[position] != "]":
                    position += 2 if text[position] == "\\" else 1
            elif char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
            position += 1
        start = position
    kept.append(text[start:])
    return "".join(kept)


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
        # Patterns RE2 cannot read, in group order: each with the number of its look-around-free
        # relaxation in the `relaxed` automaton (None when RE2 cannot read that either).
        self._with_re: list[tuple[int, re.Pattern[str], int | None]] = []
        relaxed: list[str] = []
        for group, patterns in enumerate(groups):
            for pattern in patterns:
                if _in_re2(pattern.pattern, _OPTIONS) is None:
                    loose = without_look_around(pattern.pattern)
                    number = None
                    if _in_re2(loose, _OPTIONS) is not None:
                        number = len(relaxed)
                        relaxed.append(loose)
                    self._with_re.append((group, pattern, number))
                    continue
                gapped = bool(_GAP.search(pattern.pattern))
                automata[gapped].append(pattern.pattern)
                group_of[gapped].append(group)
        self._automata = [
            (_compiled_set(texts), groups_of)
            for texts, groups_of in zip(automata, group_of, strict=True)
            if texts
        ]
        # Python's `re` reads a text for a look-around pattern only when RE2 found the
        # pattern's relaxation in it: most texts are ruled out in the one pass of RE2.
        self._relaxed = _compiled_set(relaxed) if relaxed else None

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
        if not self._with_re or (first is not None and first <= self._with_re[0][0]):
            return first  # no look-around pattern comes before the group already found
        possible = frozenset(self._relaxed.Match(normalized) or ()) if self._relaxed else ()
        for group, pattern, relaxed in self._with_re:
            if first is not None and group >= first:
                break  # an earlier group already matched
            if relaxed is not None and relaxed not in possible:
                continue  # its relaxation is not in the text: neither is it
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
