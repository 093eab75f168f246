"""Spelling correction against the knowledge base's own words, as its own object.

In the spirit of pyspellchecker: a set of known words and `correction`. A word is
corrected only to a known word a plausible typo away, never to another real word that merely
looks alike ("master" is not "matter"). A word of the model's vocabulary (`dictionary`) is never
taken for a typo at all: "credited" is not a misspelt "accredited", though it is two letters
away. Any other English word (`english`, `english_words()`) is corrected only to a form of
itself: "projector" is not "project", "attribution" not "attrition", but "manger" is "manager"
and "demotivated" reads as "motivated". A letter typed again and again for emphasis ("whooo",
"pleeease") is read twice, then once, when that makes a known word.
"""

from __future__ import annotations

import gzip
import re
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Indel, Levenshtein

from bot.matching.tuning import Tuning

ENGLISH_WORDS_FILE = "english_words.txt.gz"
# A prefix that leaves the word's root to match on ("demotivated", "rethinking", "unblocked"),
# when at least five letters follow it.
_PREFIX = re.compile(r"(?:re|un|de|dis|mis|over|under)(?=[a-z]{5})")
# A letter typed three times or more for emphasis ("whooo", "pleeease", "heeelp").
_STRETCHED = re.compile(r"([a-z])\1{2,}")


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The package's English words (made by `tools/english_words.py`), read once per process."""
    with resources.files(__package__).joinpath(ENGLISH_WORDS_FILE).open("rb") as file:
        return frozenset(gzip.decompress(file.read()).decode("ascii").split("\n"))


def is_form_of(word: str, known: str) -> bool:
    """Whether the English word `word` may be read as the known word `known`: the same word
    with a letter dropped ("manger", a common typo that is also a word), the other of
    singular and plural ("kickoffs"), the other spelling of -ise/-ize ("optimize"), or the
    root after a prefix ("demotivated": "motivated")."""
    if len(known) == len(word) + 1 and Indel.distance(word, known) == 1:
        return True
    if word.rstrip("s") == known.rstrip("s") or word.replace("z", "s") == known.replace("z", "s"):
        return True
    prefix = _PREFIX.match(word)
    return prefix is not None and Indel.distance(word[prefix.end() :], known) <= 2


class Speller:
    """Corrects misspelt words to the closest known word; results are cached."""

    def __init__(
        self,
        words: Iterable[str],
        tuning: Tuning,
        dictionary: frozenset[str] = frozenset(),
        english: frozenset[str] = frozenset(),
    ) -> None:
        """`words` are the knowledge base's own; `dictionary` is real words left as they are;
        `english` is real words corrected only to a form of themselves (`is_form_of`)."""
        self.tuning = tuning
        self._known = frozenset(words)
        self._dictionary = dictionary
        self._english = english
        # Candidates are looked up among words of about the same length (two edits change a
        # length by two at most) that keep the first or the last letter (a typo rarely changes
        # both ends at once): the search stays small, on the first pass after start too.
        by_end: dict[tuple[str, int], list[str]] = defaultdict(list)
        for word in sorted(self._known):
            by_end[(word[0], len(word))].append(word)
            by_end[("$" + word[-1], len(word))].append(word)
        self._by_end = dict(by_end)
        self.correction = lru_cache(maxsize=16384)(self._correction)

    def _candidates(self, word: str) -> list[str]:
        """Known words of about the same length sharing its first or its last letter. One
        sharing both is listed twice: the closest match is the same (its first listing comes
        first), and leaving repeats in is several times cheaper than taking them out."""
        size = len(word)
        found: list[str] = []
        for length in range(size - 2, size + 3):
            for end in (word[0], "$" + word[-1]):
                found += self._by_end.get((end, length), ())
        return found

    def _correction(self, word: str) -> str:
        """The known word `word` is most likely a typo of, or `word` itself."""
        if (
            word in self._known
            or word in self._dictionary
            or len(word) < self.tuning.min_correctable_length
            or word.isdigit()
        ):
            return word
        if _STRETCHED.search(word):
            # the letter twice or once: "tooo" is "too", "whooo" "who", "pleeease" "please"
            for times in (r"\1\1", r"\1"):
                unstretched = _STRETCHED.sub(times, word)
                if unstretched in self._known or unstretched in self._dictionary:
                    return unstretched
        found = process.extractOne(
            word,
            self._candidates(word),
            scorer=fuzz.ratio,
            score_cutoff=self.tuning.correction_cutoff,
        )
        if found is None:
            return word
        known = found[0]
        if word in self._english and not is_form_of(word, known):
            return word
        return known if self.plausible_typo(word, known) else word

    def plausible_typo(self, word: str, known: str) -> bool:
        """Whether `word` is a likely misspelling of `known` rather than another real word.

        Long words may be two edits away (a swap of neighbouring letters counts as one). Short
        words may be one edit away, but not by a changed letter alone: too many real words
        differ by one letter ("master" and "matter"). Tiny words may only swap two letters.
        """
        if len(word) > self.tuning.short_word:
            return OSA.distance(word, known) <= 2
        if OSA.distance(word, known) != 1:
            return False
        if len(word) <= self.tuning.tiny_word:
            # "waht" is "what", but "rain" is not "train": only a swap of letters.
            return len(word) == len(known) and Levenshtein.distance(word, known) == 2
        substitution_only = (
            Levenshtein.distance(word, known) == 1 and Indel.distance(word, known) == 2
        )
        return not substitution_only
