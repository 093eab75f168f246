"""Turn what people type in Slack into plain lowercase words the matcher can compare.

Knows Slack's message markup, but nothing of Slack's API: the same function normalises the
knowledge base's own questions, so both sides of a comparison go through identical steps.
"""

from __future__ import annotations

import html
import re
import unicodedata

_USER_OR_CHANNEL = re.compile(r"<[@#][A-Z0-9]+(?:\|[^>]*)?>")
_SPECIAL_MENTION = re.compile(r"<![^>]*>")
_LABELLED_LINK = re.compile(r"<(?:https?|mailto):[^|>]*\|([^>]*)>")
_BARE_LINK = re.compile(r"<(?:https?|mailto):[^>]*>|https?://\S+")
_EMOJI = re.compile(r":[a-z0-9_+'-]+:")
_APOSTROPHE = re.compile(r"(?<=\w)['\u2019](?=\w)")
_NON_WORD = re.compile(r"[^a-z0-9]+")

# Shorthands and synonyms, mapped to the words the knowledge base uses. Multi-word phrases come
# first so they are replaced before the single words inside them.
_SHORTHANDS: tuple[tuple[str, str], ...] = (
    ("cust success", "customer success"),
    ("cust succ", "customer success"),
    ("cs manager", "customer success manager"),
    ("cs managers", "customer success managers"),
    ("cs mgr", "customer success manager"),
    ("cs team", "customer success team"),
    ("proj manager", "project manager"),
    ("proj managers", "project managers"),
    ("proj mgr", "project manager"),
    ("proj mgmt", "project management"),
    ("p m", "project manager"),
    ("csm", "customer success manager"),
    ("csms", "customer success managers"),
    ("pm", "project manager"),
    ("pms", "project managers"),
    ("pmo", "project management office"),
    ("mgr", "manager"),
    ("mgrs", "managers"),
    ("mngr", "manager"),
    ("mgmt", "management"),
    ("proj", "project"),
    ("cust", "customer"),
    ("vs", "versus"),
    ("v", "versus"),
    ("diff", "difference"),
    ("diffs", "differences"),
    ("resp", "responsibilities"),
    ("responsibilites", "responsibilities"),
    ("kpi", "key performance indicator"),
    ("kpis", "key performance indicators"),
    ("roi", "return on investment"),
    # Synonyms people use for the knowledge base's own words.
    ("info", "information"),
    ("misinformation", "wrong information"),
    ("inaccurate", "wrong"),
    ("false", "wrong"),
    ("misunderstanding", "misconception"),
    ("misunderstandings", "misconceptions"),
    ("duties", "responsibilities"),
    ("duty", "responsibility"),
    ("competencies", "skills"),
    ("competency", "skill"),
    ("skillset", "skills"),
    ("skill set", "skills"),
    ("abilities", "skills"),
    ("objectives", "goals"),
    ("objective", "goal"),
    ("aims", "goals"),
    ("evaluated", "measured"),
    ("judged", "measured"),
    ("assessed", "measured"),
    ("kickoff", "start"),
    ("u", "you"),
    ("ur", "your"),
    ("r", "are"),
    ("pls", "please"),
    ("plz", "please"),
    ("thx", "thanks"),
)
_SHORTHAND_PATTERN = re.compile(
    r"\b(" + "|".join(re.escape(short) for short, _ in _SHORTHANDS) + r")\b"
)
_SHORTHAND_EXPANSION = dict(_SHORTHANDS)


def strip_slack_markup(text: str) -> str:
    """Remove mentions, links, emoji codes and entities; keep the words a person wrote."""
    text = _USER_OR_CHANNEL.sub(" ", text)
    text = _SPECIAL_MENTION.sub(" ", text)
    text = _LABELLED_LINK.sub(r" \1 ", text)
    text = _BARE_LINK.sub(" ", text)
    text = html.unescape(text)
    return _EMOJI.sub(" ", text)


def normalize(text: str) -> str:
    """Normalise a question: Slack markup, entities, formatting, case, punctuation, shorthands.

    >>> normalize("<@U123> what's the *diff* b/w a CSM &amp; a proj mgr? :thinking_face:")
    'whats the difference b w a customer success manager a project manager'
    """
    text = strip_slack_markup(text)
    text = unicodedata.normalize("NFKC", text).lower()
    text = _APOSTROPHE.sub("", text)
    text = _NON_WORD.sub(" ", text).strip()
    text = _SHORTHAND_PATTERN.sub(lambda found: _SHORTHAND_EXPANSION[found.group(1)], text)
    return " ".join(text.split())
