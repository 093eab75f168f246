"""Text analysis: a question's words become the terms the index and the scorer compare.

Normalise (markup, case, accents, synonyms from the vocabulary), collapse role phrases into
`csm` / `pm`, and stem every other content word (Snowball), so "onboards" meets "onboarding".
Function words are kept as they are: they still count, a little.
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

from bot.vocabulary import ROLES, Vocabulary

# Sentences end at . ? ! (a closing quote or bracket may follow: 'said it "could go
# sideways." whose job ...') or a line break, at a dash between words, or at an emoji code
# between words ("just joined :wave: what is a CSM?"). Not at a colon: "impact on biz: csm vs
# pm?" is one question, and "&amp;" would end one at its semicolon. Nor at the period of a
# dotted acronym ("P.M. or C.S.M.?", "e.g.") or of a shortened word ("is the proj. mgr. on it?").
_ABBREVIATED = (
    r"(?<!\b\w\.\w\.)"
    + "".join(
        rf"(?<!\b(?i:{word})\.)"
        for word in ("proj", "mgr", "mgrs", "mngr", "mgmt", "cust", "acct", "dept", "approx",
                     "vs", "esp", "incl", "mr", "mrs", "ms", "dr")
    )
)  # fmt: skip
_SENTENCE_END = re.compile(
    rf"(?<=[.?!]){_ABBREVIATED}\s+|(?<=[.?!][\"'\u201d\u2019)])\s+|\n+|\s[-\u2013\u2014]\s"
    r"|(?<=\s):[a-z0-9_+-]+:(?=\s)"
)


@lru_cache(maxsize=4096)
def sentences(text: str) -> tuple[str, ...]:
    """The sentences of a message as typed, empty ones left out. Remembered: matching one
    message splits it, or the sentence that asks, several times."""
    return tuple(part.strip() for part in _SENTENCE_END.split(text) if part.strip())


# A Slack quote is a line opening with ">", which arrives escaped as "&gt;".
_QUOTE_MARK = re.compile(r"^\s*(?:&gt;|>)\s?")


def quoted(text: str) -> str:
    """The quoted lines of a message as typed, joined, without their quote marks ("" when
    nothing is quoted)."""
    return " ".join(
        _QUOTE_MARK.sub("", line).strip() for line in text.splitlines() if _QUOTE_MARK.match(line)
    ).strip()


# Stemming is the costliest step of indexing; a vocabulary is small, so each word is stemmed once.
_stem = lru_cache(maxsize=65536)(snowballstemmer.stemmer("english").stemWord)


class Analyzer:
    """Turns text into terms with one knowledge base's vocabulary."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self.stopwords = vocabulary.stopwords

    def normalize(self, text: str) -> str:
        """Plain lowercase words with the vocabulary's synonyms applied."""
        return self.vocabulary.normalize(text)

    def terms(self, words: list[str]) -> list[str]:
        """Normalised words -> terms: roles collapsed, content words stemmed."""
        collapsed = self.vocabulary.collapse(" ".join(words)).split()
        return [word if self.keeps(word) else _stem(word) for word in collapsed]

    def keeps(self, word: str) -> bool:
        """Function words and role tokens are terms as they are."""
        return word in self.stopwords or word in ROLES

    def is_stopword(self, term: str) -> bool:
        """Whether a term is a function word (weighs little, finds no candidates)."""
        return term in self.stopwords

    def opens_question(self, sentence: str) -> bool:
        """Whether a sentence, as typed, opens as a question does (see
        Vocabulary.opens_question)."""
        return self.vocabulary.opens_question(self.normalize(sentence))

    def asks_who(self, words: list[str]) -> str | None:
        """How the question asks which role owns something (see Vocabulary.asks_who)."""
        return self.vocabulary.asks_who(self.vocabulary.collapse(" ".join(words)))
