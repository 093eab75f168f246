"""Many curators' regular expressions searched as one, fast, over normalised text.

Normalised text is lowercase words separated by single spaces (`bot.normalize.clean`). Python's
`re` cannot skip ahead for a pattern that opens with `\\b`: it tries every alternative at every
character. Led by a literal space instead, and searched over the text with a space before it,
the same alternatives are tried only where a word starts: two to three times faster on a long
message, with the same answer (a word start is exactly a space or the text's start followed by
a word character). Patterns that open otherwise ("^what is") are searched as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_WORD_START = r"\b"


def _top_level_alternatives(pattern: str) -> list[str]:
    """A pattern split at its `|`s outside groups and character classes."""
    alternatives, start, depth, in_class, escaped = [], 0, 0, False, False
    for position, character in enumerate(pattern):
        if escaped:
            escaped = False
        elif character == "\\":
            escaped = True
        elif in_class:
            in_class = character != "]"
        elif character == "[":
            in_class = True
        elif character == "(":
            depth += 1
        elif character == ")":
            depth -= 1
        elif character == "|" and depth == 0:
            alternatives.append(pattern[start:position])
            start = position + 1
    return [*alternatives, pattern[start:]]


def opens_at_word_start(pattern: str) -> bool:
    """Whether every match of a pattern starts where a word starts: each of its top-level
    alternatives opens with `\\b`."""
    return all(
        alternative.startswith(_WORD_START) for alternative in _top_level_alternatives(pattern)
    )


def _alternation(patterns: list[str], lead: str = "") -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile(lead + "(?:" + "|".join(f"(?:{pattern})" for pattern in patterns) + ")")


class AnyPattern:
    """Whether any of a set of regular expressions matches somewhere in a normalised text."""

    def __init__(self, patterns: Iterable[re.Pattern[str]]) -> None:
        texts = [pattern.pattern for pattern in patterns]
        self._at_word_start = _alternation(
            [text for text in texts if opens_at_word_start(text)], lead=" "
        )
        self._anywhere = _alternation([text for text in texts if not opens_at_word_start(text)])

    def search(self, normalized: str) -> bool:
        """Whether one of the patterns matches the normalised text."""
        return bool(
            (self._at_word_start and self._at_word_start.search(" " + normalized))
            or (self._anywhere and self._anywhere.search(normalized))
        )
