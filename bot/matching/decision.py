"""The decision: answer, answer with an owner, say "not covered", or decline.

Scoring ranks documents; this step reads the ranking the way a careful colleague would:
- a question about something the articles do not cover (a subject's term or pattern, or a
  subject's example question ranked first) is declined by name, with a covered topic offered;
- below the threshold the bot declines, offering close topics only above a floor;
- a question that asks "who?" gets the owner of the best-fitting duty when it fits about as
  well as the best entry (from a lower bar than the threshold: naming a task is enough), and
  a question that does not ask "who?" gets a duty only when it fits very well;
- runners-up are suggested only when genuinely close to the answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.matching.index import DUTY, ENTRY, SUBJECT, Document
from bot.matching.tuning import Tuning
from bot.vocabulary import ASKS_WHO

EXACT = 99.5  # a score this high means the question is one of the document's own


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
    asks_who: str | None,
    subject_hit: int | None,
    tuning: Tuning,
    names_both_roles: bool = False,
    fit_without_roles: float | None = None,
) -> Decision:
    """Turn a ranking (document position, score; best first) into a decision.

    `asks_who` is ASKS_WHO for a "who?" question, ASKS_YES_NO for a yes/no question naming a
    role (a duty must then fit nearly as well as the best entry), or None. `names_both_roles`
    says the question names the CSM and the PM (as the choice, when it asks who);
    `fit_without_roles`, how well the best entry fits it with the role words left out (None:
    not worked out, as when no entry fits well enough for it to matter).
    """
    best_score = ranked[0][1] if ranked else 0.0
    if subject_hit is not None:
        return Decision(None, subject_hit, round(best_score, 1))
    if not asks_who:
        ranked = [
            (position, score)
            for position, score in ranked
            if documents[position].kind != DUTY or score >= tuning.duty_without_who
        ]
    if ranked and documents[ranked[0][0]].kind == SUBJECT and ranked[0][1] >= tuning.threshold:
        return Decision(None, ranked[0][0], round(ranked[0][1], 1))
    if asks_who:
        duty = best_of_kind(ranked, documents, DUTY)
        margin = tuning.who_margin if asks_who == ASKS_WHO else tuning.yes_no_margin
        about_the_roles = best_score >= tuning.roles_entry_fit and (
            fit_without_roles is None or fit_without_roles >= tuning.roles_entry_fit_without_roles
        )
        if (
            asks_who == ASKS_WHO
            and names_both_roles
            and not about_the_roles
            and duty is not None
            and duty[1] >= tuning.both_roles_duty_fit
        ):
            margin = tuning.who_margin_both_roles
        # A yes/no question a curator wrote under an entry word for word is that entry's.
        exact_entry = asks_who != ASKS_WHO and any(
            documents[position].kind == ENTRY and score >= EXACT for position, score in ranked[:3]
        )
        if (
            duty is not None
            and not exact_entry
            and duty[1] >= max(tuning.who_threshold, best_score - margin)
        ):
            return _answer(ranked, documents, duty, tuning)
        # Failing that, the best duty of the best entry's own topic: it answers who and still
        # leads to that entry, whatever the margin. When the entry clears the threshold, a
        # lower bar will do, and the answer fits as well as the entry ("who is incentivised
        # to boost customer productivity" is the success-metrics topic, whose CSM duty says who).
        best_key = documents[ranked[0][0]].key if ranked else None
        same_topic = next(
            (
                (position, score)
                for position, score in ranked
                if documents[position].kind == DUTY and documents[position].topic == best_key
            ),
            None,
        )
        if same_topic is not None:
            if same_topic[1] >= tuning.who_threshold:
                return _answer(ranked, documents, same_topic, tuning)
            if best_score >= tuning.threshold and same_topic[1] >= tuning.topic_who_threshold:
                return _answer(ranked, documents, (same_topic[0], best_score), tuning)
    if not ranked or ranked[0][1] < tuning.threshold:
        score = ranked[0][1] if ranked else 0.0
        floor = max(tuning.threshold - tuning.suggestion_margin, tuning.suggestion_floor)
        return Decision(
            None, None, round(score, 1), _entries_above(ranked, documents, floor, None, tuning)
        )
    return _answer(ranked, documents, ranked[0], tuning)


def _answer(
    ranked: list[tuple[int, float]],
    documents: list[Document],
    chosen: tuple[int, float],
    tuning: Tuning,
) -> Decision:
    """Answer with `chosen`, offering runners-up that are genuinely close to it."""
    position, score = chosen
    floor = max(score - tuning.suggestion_margin, tuning.suggestion_floor)
    return Decision(
        position, None, round(score, 1), _entries_above(ranked, documents, floor, position, tuning)
    )


def best_of_kind(
    ranked: list[tuple[int, float]], documents: list[Document], kind: str
) -> tuple[int, float] | None:
    """The best-ranked document of a kind (DUTY, ENTRY, SUBJECT), as (position, score), or
    None when the ranking has none."""
    return next(
        ((position, score) for position, score in ranked if documents[position].kind == kind), None
    )


def _entries_above(
    ranked: list[tuple[int, float]],
    documents: list[Document],
    floor: float,
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
