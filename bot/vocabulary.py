"""The words people use and the words the knowledge base uses (`knowledge/vocabulary.yaml`).

A curator adds "cust success" or "delivery lead" to the YAML file; this module turns the file's
lists into the few operations matching needs: expand synonyms, collapse role phrases into one
token per role, tell whether a question asks "who?", and know the function words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from bot.matching.patterns import AnyPattern, Substituting, substituting
from bot.normalize import clean

CSM, PM = "csm", "pm"
ROLES = (CSM, PM)
ASKS_WHO, ASKS_YES_NO = "who", "yes-no"


def _phrase_pattern(phrases: list[str]) -> re.Pattern[str] | None:
    """Whole-word alternation, longest phrase first, so a phrase wins over a word inside it."""
    if not phrases:
        return None
    ordered = sorted(set(phrases), key=lambda phrase: (-len(phrase), phrase))
    return re.compile(r"\b(" + "|".join(re.escape(phrase) for phrase in ordered) + r")\b")


class PhraseReplacer:
    """Whole-word phrases of normalised text (single-spaced words) replaced, reading left to
    right, the longest phrase first where several start at the same word: "customer success
    team" becomes one role before "customer success" could.

    Word by word, not a regular expression: a phrase can only start where one of the phrases'
    first words is, and a dictionary says where that is, several times faster than trying an
    alternation of every phrase at each word.
    """

    def __init__(self, replacements: Mapping[str, str]) -> None:
        by_first_word: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for phrase, replacement in replacements.items():
            words = tuple(phrase.split())
            if words:
                by_first_word.setdefault(words[0], []).append((words, replacement))
        for options in by_first_word.values():
            options.sort(key=lambda option: -len(option[0]))
        self._by_first_word = by_first_word

    def replace(self, normalized: str) -> str:
        """The text with each phrase found replaced."""
        words = normalized.split()
        by_first_word = self._by_first_word
        starts = [number for number, word in enumerate(words) if word in by_first_word]
        replaced: list[str] = []
        done = 0  # words before this one are copied or replaced
        for start in starts:
            if start < done:
                continue  # inside a phrase already replaced
            for phrase, replacement in by_first_word[words[start]]:
                if tuple(words[start : start + len(phrase)]) == phrase:
                    replaced += words[done:start]
                    replaced.append(replacement)
                    done = start + len(phrase)
                    break
        if not done:
            return normalized  # the usual case: no phrase anywhere
        return " ".join(replaced + words[done:])


@dataclass(frozen=True)
class Vocabulary:
    """Synonyms, role phrases, "who?" phrases and function words, ready to apply."""

    synonyms: Mapping[str, str] = field(default_factory=dict)
    roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    who_phrases: tuple[str, ...] = ()
    # A yes/no question that names a role ("is onboarding a pm task?") asks who owns it too.
    yes_no_openers: frozenset[str] = frozenset()
    # Other words a question opens with ("who", "what", "which"...): a last sentence opening
    # so asks, question mark or not.
    question_words: frozenset[str] = frozenset()
    # Words that point back at what came before ("that", "it", "there"): a last sentence
    # using one is read with its context, never scored alone.
    pointing_words: frozenset[str] = frozenset()
    # Words that only colour a question ("really", "actually"): who-phrases are also looked for
    # without them ("is that really on me" asks "is that on me").
    fillers: frozenset[str] = frozenset()
    # Words for someone other than the asker ("they", "she"): an asking sentence using one,
    # naming no role, is about the one role its context names ("we hired a pm. what will
    # they do?").
    person_pronouns: frozenset[str] = frozenset()
    stopwords: frozenset[str] = frozenset()
    # Capitalised words that name no person, customer or project (weekdays, months...).
    everyday_names: frozenset[str] = frozenset()
    # How askers introduce themselves ("support agent here", "i'm a solutions engineer"):
    # regular expressions over the normalised message. A job title there is who is asking,
    # not what is asked about.
    introductions: tuple[re.Pattern[str], ...] = ()
    # Asking sentences that only point back at what came before ("is this right?" after a
    # quoted claim, "which one should we pick?"): regular expressions over the normalised
    # sentence. Such a message is read whole, its context being the question.
    back_references: tuple[re.Pattern[str], ...] = ()
    # Ways of asking who that a phrase cannot spell ("csm does those or pm?", "more of a csm
    # requirement or a pm one"): regular expressions over the normalised, role-collapsed text.
    who_patterns: tuple[re.Pattern[str], ...] = ()
    _synonym_replacer: PhraseReplacer = field(init=False, repr=False, compare=False)
    _role_replacer: PhraseReplacer = field(init=False, repr=False, compare=False)
    _who_pattern: AnyPattern = field(init=False, repr=False, compare=False)
    _who_phrase: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    _who_remover: Substituting | None = field(init=False, repr=False, compare=False)
    _any_introduction: AnyPattern = field(init=False, repr=False, compare=False)
    _introduction_removers: tuple[Substituting, ...] = field(init=False, repr=False, compare=False)
    _any_back_reference: AnyPattern = field(init=False, repr=False, compare=False)
    _normalized: Callable[[str], str] = field(init=False, repr=False, compare=False)
    _collapsed: Callable[[str], str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        synonyms = {clean(short): clean(long) for short, long in self.synonyms.items()}
        set_ = object.__setattr__
        set_(self, "_normalized", lru_cache(maxsize=16384)(self._normalize))
        set_(self, "_collapsed", lru_cache(maxsize=16384)(self._collapse))
        set_(self, "synonyms", synonyms)
        set_(self, "_synonym_replacer", PhraseReplacer(synonyms))
        role_of = {
            self.expand(clean(phrase)): role
            for role, phrases in self.roles.items()
            for phrase in phrases
        }
        set_(self, "_role_replacer", PhraseReplacer(role_of))
        who = [self.collapse(self.normalize(phrase)) for phrase in self.who_phrases]
        who_pattern = _phrase_pattern([phrase for phrase in who if phrase])
        set_(
            self,
            "_who_pattern",
            AnyPattern([*([who_pattern] if who_pattern else []), *self.who_patterns]),
        )
        set_(self, "_who_remover", substituting(who_pattern) if who_pattern else None)
        set_(self, "_who_phrase", who_pattern)
        # Most messages introduce no one and point back at nothing: one fast search says so.
        set_(self, "_any_introduction", AnyPattern(self.introductions))
        set_(self, "_introduction_removers", tuple(map(substituting, self.introductions)))
        set_(self, "_any_back_reference", AnyPattern(self.back_references))

    @property
    def synonym_words(self) -> frozenset[str]:
        """The one-word shorthands and synonyms, for spelling correction to reach them."""
        return frozenset(short for short in self.synonyms if " " not in short)

    def expand(self, cleaned: str) -> str:
        """Replace shorthands and synonyms in already-cleaned text with the knowledge base's words."""
        return self._synonym_replacer.replace(cleaned)

    def normalize(self, text: str) -> str:
        """Clean a question (markup, case, accents, punctuation) and expand its synonyms.

        Synonyms expand once, in a single pass, so the result is stable: normalising it again
        changes nothing as long as no synonym's replacement contains another synonym.
        Remembered: the knowledge base's questions are normalised when they are checked, and
        again when they are indexed.
        """
        return self._normalized(text)

    def _normalize(self, text: str) -> str:
        return " ".join(self.expand(clean(text)).split())

    def collapse(self, normalized: str) -> str:
        """Role phrases ("customer success team", "project managers") -> `csm` / `pm`.

        Remembered: matching one message collapses the same words several times (to score
        them, to read who-words in them, to look for not-covered subjects).
        """
        return self._collapsed(normalized)

    def _collapse(self, normalized: str) -> str:
        return self._role_replacer.replace(normalized)

    def without_introductions(self, normalized: str) -> str:
        """A normalised message with the asker's introduction of themselves left out."""
        if not self._any_introduction.search(normalized):
            return normalized
        for remover in self._introduction_removers:
            normalized = remover.sub(" ", normalized)
        return normalized

    def opens_question(self, normalized: str) -> bool:
        """Whether a normalised sentence opens as a question does ("which role handles...",
        "as the pm, is it..."), after any introduction of the asker."""
        first = self._opening_word(normalized)
        return first in self.question_words or first in self.yes_no_openers

    def opens_yes_no(self, normalized: str) -> bool:
        """Whether a normalised sentence opens as a yes/no question does ("is onboarding on
        me?", "as the pm, do i own fixing that?"), after any introduction of the asker."""
        return self._opening_word(normalized) in self.yes_no_openers

    def _opening_word(self, normalized: str) -> str:
        """The first word of a normalised sentence after any introduction of the asker ("" for
        none)."""
        first = self.without_introductions(normalized).split(maxsplit=1)[:1]
        return first[0] if first else ""

    def and_without_fillers(self, normalized: str) -> tuple[str, ...]:
        """A normalised text, then, when it has filler words, the text without them: fillers
        only colour what is asked, so patterns are looked for in both ("is that *really* on
        me", "how much does a csm *usually* make")."""
        plain = " ".join(word for word in normalized.split() if word not in self.fillers)
        return (normalized,) if plain == normalized else (normalized, plain)

    def refers_back(self, normalized: str) -> bool:
        """Whether a normalised asking sentence only points back at the message before it."""
        return self._any_back_reference.search(normalized)

    def after_who_opening(self, collapsed: str) -> list[str] | None:
        """The words of a normalised, role-collapsed text after the who-phrase it opens with
        ("who should be spotting the risks" -> "should be spotting the risks"); None when it
        opens with none."""
        # The phrases are tried longest first, so the longest opening is the one left out.
        opening = self._who_phrase.match(collapsed) if self._who_phrase else None
        return collapsed[opening.end() :].split() if opening else None

    def without_who_phrases(self, collapsed: str) -> str:
        """A normalised, role-collapsed text without its who-phrases ("who do i ask csm or pm"
        -> "csm or pm")."""
        if self._who_remover is None:
            return collapsed
        return " ".join(self._who_remover.sub(" ", collapsed).split())

    def names_a_task(self, clauses: Iterable[str]) -> bool:
        """Whether a message, as its normalised clauses, only names a task: it opens with a
        verb's -ing form and no clause opens with a question word ("figuring out what the
        customer needs" names a task; "starting as a csm monday, what am i responsible for"
        asks what). Clauses after the first are read only when the first opens as a task."""
        openings = (clause.split(maxsplit=1)[0] for clause in clauses if clause.strip())
        first = next(openings, None)
        if (
            first is None
            or len(first) <= 5
            or not first.endswith("ing")
            or first in self.stopwords
            or first in self.question_words
        ):
            return False
        return not any(word in self.question_words for word in openings)

    def asks_who(self, collapsed: str) -> str | None:
        """How a normalised, role-collapsed question asks which role owns something:
        ASKS_WHO for a "who?" phrase, ASKS_YES_NO for a yes/no question naming a role
        ("is onboarding a pm task?"), None when it does not ask."""
        if any(self._who_pattern.search(text) for text in self.and_without_fillers(collapsed)):
            return ASKS_WHO
        if not any(word in ROLES for word in collapsed.split()):
            return None
        # "as the pm, do i own fixing that?" opens after the asker's role.
        return ASKS_YES_NO if self.opens_yes_no(collapsed) else None

    def states_a_role_in_question(self, collapsed: str) -> bool:
        """Whether a normalised, role-collapsed sentence, typed with a question mark, asks yes
        or no as a statement about a role: a yes/no verb right after the role ("wait, cs is
        involved in implementation too?", "so cs isnt the one doing the budget then?") or a
        word or two before it ("ok so cross selling is the pm s goal??"), and no question word
        ("the pm is responsible for what?" asks what). A role farther from the verb is
        someone's mood ("my project manager brain is fried, recommend a show?")."""
        words = collapsed.split()
        if any(word in self.question_words for word in words):
            return False
        return any(
            word in self.yes_no_openers
            and (
                words[place - 1] in ROLES
                or any(near in ROLES for near in words[place + 1 : place + 3])
            )
            for place, word in enumerate(words)
            if place
        )
