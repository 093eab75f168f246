"""Where someone is in the onboarding tour, and how Next, Back, Stop and quiz answers move it.

The tour is one sequence: the steps of `knowledge/tour.yaml`, then its quiz questions, then the
score. `TourProgress` is a position in that sequence plus the quiz answers given so far; it is
stored as JSON under a per-person key (see `bot.conversation.state`) so "Start the tour" resumes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

from bot.conversation.content import QuizQuestion, Tour, TourStep


@dataclass(frozen=True)
class TourProgress:
    """A position in steps + quiz + score, and the quiz answers given (question id -> choice)."""

    position: int = 0
    answers: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        """The stored form."""
        return json.dumps({"position": self.position, "answers": self.answers})

    @classmethod
    def from_json(cls, text: str | None, tour: Tour) -> TourProgress:
        """Read a stored position, kept inside the tour as it is now (it may have been edited)."""
        try:
            data = json.loads(text or "{}")
            position = int(data.get("position", 0))
            answers = {
                str(key): str(value)
                for key, value in dict(data.get("answers", {})).items()
                if tour.question(str(key)) is not None
            }
        except (ValueError, TypeError, AttributeError):
            return cls()
        return cls(min(max(position, 0), length(tour)), answers)

    def step(self, tour: Tour) -> TourStep | None:
        """The tour step on screen, or None when in the quiz or at the score."""
        return tour.steps[self.position] if self.position < len(tour.steps) else None

    def question(self, tour: Tour) -> QuizQuestion | None:
        """The quiz question on screen, or None."""
        index = self.position - len(tour.steps)
        return tour.quiz[index] if 0 <= index < len(tour.quiz) else None

    def finished(self, tour: Tour) -> bool:
        """Whether the score is on screen."""
        return self.position >= length(tour)

    def forward(self, tour: Tour) -> TourProgress:
        """Next screen; an unanswered quiz question is not skipped."""
        question = self.question(tour)
        if question is not None and question.id not in self.answers:
            return self
        return replace(self, position=min(self.position + 1, length(tour)))

    def backward(self) -> TourProgress:
        """Previous screen."""
        return replace(self, position=max(self.position - 1, 0))

    def answer(self, tour: Tour, question_id: str, choice: str) -> tuple[TourProgress, bool | None]:
        """Record an answer to the question on screen; the verdict, or None if not accepted.

        Only the question on screen can be answered, once: a second click, or a click on an old
        message, changes nothing.
        """
        question = self.question(tour)
        if question is None or question.id != question_id or question_id in self.answers:
            return self, None
        if choice not in dict(question.choices):
            return self, None
        answers = {**self.answers, question_id: choice}
        return replace(self, answers=answers), choice == question.answer

    def score(self, tour: Tour) -> int:
        """How many quiz questions were answered right."""
        return sum(1 for question in tour.quiz if self.answers.get(question.id) == question.answer)

    def restarted_if_finished(self, tour: Tour) -> TourProgress:
        """Starting a finished tour starts it over; an unfinished one resumes where it was."""
        return TourProgress() if self.finished(tour) else self


def length(tour: Tour) -> int:
    """Screens before the score: every step and every quiz question."""
    return len(tour.steps) + len(tour.quiz)
