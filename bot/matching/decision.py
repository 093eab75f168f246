"""The decision: answer, answer with an owner, say "not covered", or decline.

Scoring ranks documents; this step reads the ranking the way a careful colleague would:
- a question about something the articles do not cover (a subject's term or pattern, or a
  subject's example question ranked first) is declined by name, with a covered topic offered;
- below the threshold the bot declines, offering close topics only above a floor;
- a question that asks "who?" gets a duty's owner when a duty fits about as well as the best
  entry, and a question that does not ask "who?" gets the entry in that case (and a duty only
  when it fits very well);
- runners-up are suggested only when genuinely close to the answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.matching.index import DUTY, ENTRY, SUBJECT, Document
from bot.matching.tuning import Tuning


@dataclass(frozen=True)
class Decision:
    """What to reply: a document to answer with, a subject to decline by name, or neither."""

    answer: int | None  # position of the entry or duty answered with
    subject: int | None  # position of the not-covered subject
    score: float
    suggestions: tuple[int, ...] = ()  # positions of entries worth offering


def decide(
    ranked: list[tuple[int, float]],
    documents: list[Document],
    *,
    asks_who: bool,
    subject_hit: int | None,
    tuning: Tuning,
) -> Decision:
    """Turn a ranking (document position, score; best first) into a decision."""
    best_score = ranked[0][1] if ranked else 0.0
    if subject_hit is not None:
        return Decision(None, subject_hit, round(best_score, 1))
    if not ranked or best_score < tuning.threshold:
        floor = max(tuning.threshold - tuning.suggestion_margin, tuning.suggestion_floor)
        near = _entries_above(ranked, documents, floor, exclude=None, tuning=tuning)
        return Decision(None, None, round(best_score, 1), near)
    if not asks_who:
        ranked = [
            (position, score)
            for position, score in ranked
            if documents[position].kind != DUTY or score >= tuning.duty_without_who
        ]
        if not ranked or ranked[0][1] < tuning.threshold:
            return decide(ranked, documents, asks_who=False, subject_hit=None, tuning=tuning)
    chosen, chosen_score = ranked[0]
    if documents[chosen].kind == SUBJECT:
        return Decision(None, chosen, round(chosen_score, 1))
    preferred = DUTY if asks_who else ENTRY
    if documents[chosen].kind != preferred:
        alternative = _best_of_kind(ranked, documents, preferred)
        if alternative is not None and alternative[1] >= max(
            chosen_score - tuning.who_margin, tuning.threshold
        ):
            chosen, chosen_score = alternative
    floor = max(chosen_score - tuning.suggestion_margin, tuning.suggestion_floor)
    near = _entries_above(ranked, documents, floor, exclude=chosen, tuning=tuning)
    return Decision(chosen, None, round(chosen_score, 1), near)


def _best_of_kind(
    ranked: list[tuple[int, float]], documents: list[Document], kind: str
) -> tuple[int, float] | None:
    return next(
        ((position, score) for position, score in ranked if documents[position].kind == kind), None
    )


def _entries_above(
    ranked: list[tuple[int, float]],
    documents: list[Document],
    floor: float,
    *,
    exclude: int | None,
    tuning: Tuning,
) -> tuple[int, ...]:
    """Entries scoring at least `floor`, best first, other than the one answered."""
    near = [
        position
        for position, score in ranked
        if score >= floor and position != exclude and documents[position].kind == ENTRY
    ]
    return tuple(near[: tuning.max_suggestions])
