"""Proper names: the people, customers and projects a question names that the knowledge base
has never heard of ("is Priya still the CSM on the Initech rollout?").

Read from the question as it was typed, since capitals are the only sign of a name: a word
that is capitalised but does not start its sentence, that no knowledge-base text uses and
the speller cannot turn into one, and that the vocabulary does not list as an everyday name
(Monday, March, Finance).
"""

from __future__ import annotations

import re
from collections.abc import Callable

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
# Where a name labels the person holding a role, the words that may name the role: "Leah
# (csm)", "the csm (Mo)", "Dana's a csm", "Sara is our pm", "a csm like Hana".
_WORD = r"[\w'\N{RIGHT SINGLE QUOTATION MARK}]+"
_LABELLED = (
    re.compile(r"\b(?P<name>[A-Z][a-z]+) \((?P<role>[^()]{1,30})\)"),
    re.compile(rf"(?P<role>(?:{_WORD} ){{0,3}}{_WORD}) \((?P<name>[A-Z][a-z]+)\)"),
    re.compile(
        r"\b(?P<name>[A-Z][a-z]+)(?:'s|\N{RIGHT SINGLE QUOTATION MARK}s| is) (?:a|an|our|the) "
        rf"(?P<role>(?:{_WORD} ){{0,2}}{_WORD})"
    ),
    re.compile(rf"(?P<role>(?:{_WORD} ){{0,3}}{_WORD}) like (?P<name>[A-Z][a-z]+)\b"),
)
# A name given as an example stands for any customer or project of its kind: "a customer
# like Marlow Bank", "bigger accounts such as Oakmont", "e.g. Halcyon". (Its words run on:
# "Marlow Bank" is one name.)
_EXAMPLE_BEFORE = re.compile(
    r"(?:\b(?:a|an|any|some|other|another|accounts|customers|clients|projects|companies)"
    r"(?: [\w-]+){0,3} (?:like|such as)|\bsuch as|\be\.?g\.?,?|\bfor (?:example|instance),?) $",
    re.IGNORECASE,
)


class ProperNames:
    """Finds the names in a question that the knowledge base does not know."""

    def __init__(
        self,
        known: frozenset[str],
        everyday: frozenset[str],
        speller: Speller,
        names_a_role: Callable[[str], bool],
    ) -> None:
        """`names_a_role(words)`: whether a few words as typed name a role ("our csm")."""
        self.known = known
        self.everyday = everyday
        self.speller = speller
        self.names_a_role = names_a_role

    def find(self, text: str, *, roles_offered: bool = False) -> list[str]:
        """The unknown names in `text`, as typed, in order. With `roles_offered` (the message
        offers both roles as the choice), a name labelling who holds a role is left out: "the
        csm (Mo) or the pm (Bex)?" asks which role, whoever holds it."""
        text = _USER_MENTION.sub(rf"\1{_MENTIONED}", text)
        if text == text.lower():
            return []  # no capital, no name: most messages are typed in lower case
        names = []
        for sentence in sentences(strip_slack_markup(text)):
            labels = self._role_labels(sentence) if roles_offered else frozenset()
            example_ends = -1  # where the words of a name given as an example end
            for found in _CAPITALISED.finditer(sentence):
                before = sentence[: found.start()]
                if not before.strip():
                    continue  # a sentence's first word is capitalised whatever it is
                if found.start() == example_ends + 1 or _EXAMPLE_BEFORE.search(before):
                    example_ends = found.end()
                    continue
                if found.group() in labels:
                    continue
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

    def _role_labels(self, sentence: str) -> frozenset[str]:
        """The names in a sentence that label who holds a role ("Leah (csm)", "our pm (Bex)")."""
        return frozenset(
            found["name"]
            for pattern in _LABELLED
            for found in pattern.finditer(sentence)
            if self.names_a_role(found["role"])
        )
