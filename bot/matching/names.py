"""Proper names: the people, customers and projects a question names that the knowledge base
has never heard of ("is Priya still the CSM on the Initech rollout?").

Read from the question as it was typed, since capitals are the only sign of a name: a word
that is capitalised but does not start its sentence, that no knowledge-base text uses and
the speller cannot turn into one, and that the vocabulary does not list as an everyday name
(Monday, March, Finance).
"""

from __future__ import annotations

import re

from bot.matching.analyzer import sentences
from bot.matching.speller import Speller
from bot.normalize import fold_accents, strip_slack_markup

# "Priya", "Initech": one capital, then lower case ("CSM" and "HubSpot" are not names here).
_CAPITALISED = re.compile(r"(?<![\w'\u2019])[A-Z][a-z]+\b")
# A Slack user mention asked about ("is <@U04QK7PLM> a pm or csm?") names a person as surely as
# "Priya" does, and stands in the text as a name so that the same rules apply to it. Only then:
# most mentions address or credit someone ("<@U02> said it's not the pm", "is it you or me,
# <@U05>?"), and the question is about the role.
_USER_MENTION = re.compile(
    r"\b((?:is|isnt|was|wasnt) )<@[A-Z0-9]+(?:\|[^>]*)?>(?= (?:a|an|the|our|on|in|still|part)\b)",
    re.IGNORECASE,
)
_MENTIONED = "Mentioned"


class ProperNames:
    """Finds the names in a question that the knowledge base does not know."""

    def __init__(self, known: frozenset[str], everyday: frozenset[str], speller: Speller) -> None:
        self.known = known
        self.everyday = everyday
        self.speller = speller

    def find(self, text: str) -> list[str]:
        """The unknown names in `text`, as typed, in order."""
        text = _USER_MENTION.sub(rf"\1{_MENTIONED}", text)
        if text == text.lower():
            return []  # no capital, no name: most messages are typed in lower case
        names = []
        for sentence in sentences(strip_slack_markup(text)):
            for found in _CAPITALISED.finditer(sentence):
                if not sentence[: found.start()].strip():
                    continue  # a sentence's first word is capitalised whatever it is
                if found.group() == _MENTIONED:
                    names.append(found.group())
                    continue
                word = fold_accents(found.group()).lower()
                if word in self.everyday or word in self.known:
                    continue
                if self.speller.correction(word) in self.known:
                    continue  # a typo of a known word ("Onbaording")
                names.append(found.group())
        return names
