"""Turn what people type in Slack into plain lowercase words.

Knows Slack's message markup, but nothing of Slack's API and nothing of the knowledge base's
words: synonyms and role phrases are curator data (`knowledge/vocabulary.yaml`, applied by
`bot.vocabulary.Vocabulary`). The knowledge base's own questions go through the same steps, so
both sides of a comparison are cleaned identically.
"""

from __future__ import annotations

import html
import re
import unicodedata

_USER = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#[A-Z0-9]+(?:\|[^>]*)?>")
_SPECIAL_MENTION = re.compile(r"<![^>]*>")
_LABELLED_LINK = re.compile(r"<(?:https?|mailto):[^|>]*\|([^>]*)>")
_BARE_LINK = re.compile(r"<(?:https?|mailto):[^>]*>|https?://\S+")
_EMOJI = re.compile(r":[a-z0-9_+'-]+:")
# Struck-through words are taken back ("who handles ~upsells~ renewals"); a lone tilde is
# "about" ("~20 accounts"), not a strike.
_STRUCK = re.compile(r"(?<![\w~])~(?=\S)[^~\n]*?(?<=\S)~(?![\w~])")
# An apostrophe inside a word. The look-behind comes after the apostrophe so that the search
# skips from apostrophe to apostrophe instead of trying the pattern at every character.
_APOSTROPHE = re.compile(r"['\u2019](?<=\w.)(?=\w)")
# A time of day ("at 4 PM", "4:30 p.m.", "by 11am") is one word, not the Project Manager's
# letters: minutes, or a word saying when before it, must come with it ("we have 3 pm" counts
# roles). The pattern opens with a digit, which the search skips to quickly.
_CLOCK_TIME = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?\s?([ap])\.?\s?m\b\.?")
_WHEN_WORDS = frozenset(
    ("at", "by", "from", "till", "til", "until", "before", "after", "around", "to")
)
# Words after "3 pm" that make it a time of day too: a time zone or a day ("3 pm pacific",
# "4 pm cet", "2 pm tomorrow"); "3 pm on the project" counts project managers.
_TIME_AFTER_WORDS = frozenset(
    (
        "pacific", "eastern", "central", "mountain", "pt", "pst", "pdt", "et", "est", "edt", "ct",
        "cst", "cdt", "mt", "mst", "gmt", "utc", "bst", "cet", "cest", "ist", "sgt", "aest",
        "jst", "today", "tomorrow", "tonight", "sharp", "local", "uk", "ny", "london", "sf",
    )
)  # fmt: skip
_NON_WORD = re.compile(r"[^a-z0-9]+")
# The same for ASCII text, as a byte table: every byte that is not [a-z0-9] becomes a space.
_ASCII_NON_WORD = bytes(
    byte if chr(byte).isascii() and (chr(byte).isdigit() or chr(byte).islower()) else ord(" ")
    for byte in range(256)
)


def strip_slack_markup(text: str) -> str:
    """Remove mentions, links, emoji codes, entities and struck-through words ("who handles
    ~upsells~ renewals" takes upsells back); keep the words a person wrote.

    A channel reference becomes the word "channel" (its name stays out, like a person's): "how
    do i join #general" still names something to join.
    """
    if "~" in text:
        text = _STRUCK.sub(" ", text)
    if "<" not in text and "&" not in text and ":" not in text:
        return text  # no markup possible: every pattern below needs one of these characters
    text = _USER.sub(" ", text)
    text = _CHANNEL.sub(" channel ", text)
    text = _SPECIAL_MENTION.sub(" ", text)
    text = _LABELLED_LINK.sub(r" \1 ", text)
    text = _BARE_LINK.sub(" ", text)
    text = html.unescape(text)
    return _EMOJI.sub(" ", text)


def fold_accents(text: str) -> str:
    """Accents dropped ("résumé" -> "resume"): people type them, or leave them out."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def clean(text: str) -> str:
    """Slack markup, entities, formatting, accents, case and punctuation -> plain words.

    >>> clean("<@U123> what's the *diff* b/w a Résumé &amp; a CV? :thinking_face:")
    'whats the diff b w a resume a cv'
    """
    text = strip_slack_markup(text)
    text = fold_accents(unicodedata.normalize("NFKC", text)).lower()
    text = _APOSTROPHE.sub("", text)
    text = _CLOCK_TIME.sub(_one_word_time, text)
    if text.isascii():  # the usual case, several times faster than the pattern
        return " ".join(text.encode("ascii").translate(_ASCII_NON_WORD).decode("ascii").split())
    return " ".join(_NON_WORD.sub(" ", text).split())


def _one_word_time(found: re.Match[str]) -> str:
    """A time of day as one word ("4 pm" -> "4pm", "4:30 p.m." -> "430pm"); the text as it was
    when it is not one."""
    hour, minutes, half = found.groups()
    start = found.start()
    if start and found.string[start - 1].isalnum():
        return found.group()  # the end of a longer number or word ("1234 pm", "x2 pm")
    if minutes is None:
        # (the text is already lower case: `clean` calls this after lowering it)
        before = found.string[:start].split()[-1:]
        after = found.string[found.end() :].split(maxsplit=1)[:1]
        said_when = bool(before) and (before[0] in _WHEN_WORDS or before[0].endswith("@"))
        zone_after = bool(after) and after[0].strip(".,;:!?)") in _TIME_AFTER_WORDS
        if not (said_when or zone_after):
            return found.group()
    return f"{hour}{minutes or ''}{half}m"
