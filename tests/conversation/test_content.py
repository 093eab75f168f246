"""conversation.yaml and tour.yaml: loaded with the knowledge base, checked by `kb check`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.conversation.content import CONVERSATION_FILE, TOUR_FILE
from bot.conversation.tour import TourProgress, length
from bot.knowledge import KnowledgeBase, check_knowledge, load_knowledge
from bot.settings import default_knowledge_dir


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the bundled knowledge base to break."""
    target = tmp_path / "knowledge"
    shutil.copytree(default_knowledge_dir(), target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_bundled_tour_and_quiz(knowledge: KnowledgeBase) -> None:
    tour = knowledge.companions.tour
    assert 5 <= len(tour.steps) <= 8 and 4 <= len(tour.quiz) <= 7
    assert all(step.sources for step in tour.steps)
    for question in tour.quiz:
        assert question.sources and question.reason
        assert question.answer in dict(question.choices)
    # The boundaries people confuse most are all asked about.
    assert {"training", "progress", "proactive", "renewals"} <= {q.id for q in tour.quiz}


def test_the_files_are_optional(copy: Path) -> None:
    (copy / CONVERSATION_FILE).unlink()
    (copy / TOUR_FILE).unlink()
    knowledge = load_knowledge(copy)
    assert knowledge.companions.followups is None and knowledge.companions.tour is None


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (CONVERSATION_FILE, "[csm-skills, pm-skills]", "[csm-skills, nope]",
         "'nope' is not an entry about the pm alone"),
        (CONVERSATION_FILE, "[csm-skills, pm-skills]", "[pm-skills, csm-skills]",
         "'pm-skills' is not an entry about the csm alone"),
        (CONVERSATION_FILE, "max_words: 4", "max_words: many", "'max_words' must be a positive number"),
        (CONVERSATION_FILE, "more:\n", "mroe:\n", "unknown key 'mroe'"),
        (TOUR_FILE, "topic: overview", "topic: nowhere", "topic 'nowhere' is not an entry id"),
        (TOUR_FILE, "section: Approachability}\n\n  - title", "section: Nope}\n\n  - title",
         "article 'smartkarrot' has no section 'Nope'"),
        (TOUR_FILE, "    answer: csm\n", "    answer: ceo\n", "answer 'ceo' is not one of the choices"),
        (TOUR_FILE, "id: progress", "id: training", "quiz id 'training' is used twice"),
        (TOUR_FILE, "choices: {csm: The CSM, pm: The PM}\n    answer: pm",
         "choices: {csm: The CSM}\n    answer: pm", "'choices' must map 2 to 5"),
        (TOUR_FILE, "steps:", "stpes:", "'steps' must be a non-empty list"),
    ],
)  # fmt: skip
def test_mistakes_are_located_problems(
    copy: Path, file: str, old: str, new: str, message: str
) -> None:
    edit(copy / file, old, new)
    problems = check_knowledge(copy)
    assert problems, "the mistake was not noticed"
    assert all(problem.file == str(copy / file) and problem.line > 0 for problem in problems)
    assert any(message in problem.message for problem in problems), [str(p) for p in problems]


def test_broken_yaml_is_one_located_problem(copy: Path) -> None:
    (copy / TOUR_FILE).write_text("steps: [\n", encoding="utf-8")
    (problem,) = check_knowledge(copy)
    assert problem.file == str(copy / TOUR_FILE) and "invalid YAML" in problem.message


def test_tour_progress_moves_and_survives_json(knowledge: KnowledgeBase) -> None:
    tour = knowledge.companions.tour
    progress = TourProgress()
    assert progress.backward() == progress
    for _ in tour.steps:
        assert progress.step(tour) is not None
        progress = progress.forward(tour)
    question = progress.question(tour)
    assert question is not None
    assert progress.forward(tour) == progress  # an unanswered question is not skipped
    wrong = next(choice for choice, _ in question.choices if choice != question.answer)
    progress, verdict = progress.answer(tour, question.id, wrong)
    assert verdict is False
    assert progress.answer(tour, question.id, question.answer) == (progress, None)  # once only
    assert progress.answer(tour, "some-other", "csm")[1] is None
    again = TourProgress.from_json(progress.to_json(), tour)
    assert again == progress
    while not progress.finished(tour):
        current = progress.question(tour)
        if current is not None and current.id not in progress.answers:
            progress, _ = progress.answer(tour, current.id, current.answer)
        progress = progress.forward(tour)
    assert progress.position == length(tour)
    assert progress.score(tour) == len(tour.quiz) - 1
    assert progress.restarted_if_finished(tour) == TourProgress()


@pytest.mark.parametrize(
    "stored", [None, "", "not json", "[]", '{"position": "x"}', '{"position": 999}']
)
def test_stored_progress_that_makes_no_sense_is_read_safely(
    knowledge: KnowledgeBase, stored: str | None
) -> None:
    tour = knowledge.companions.tour
    progress = TourProgress.from_json(stored, tour)
    assert 0 <= progress.position <= length(tour)


@pytest.mark.parametrize(
    "message", ["Hi there!", "hello", "hey, how's it going?", "How are you", "hey what's up"]
)
def test_hello_and_small_talk_are_greetings(knowledge: KnowledgeBase, message: str) -> None:
    """A DM of only small talk gets the welcome, not "I can't answer that one"."""
    assert knowledge.companions.followups.is_greeting(message)


@pytest.mark.parametrize("message", ["how's the project going", "hi, who tracks progress?"])
def test_questions_are_not_greetings(knowledge: KnowledgeBase, message: str) -> None:
    assert not knowledge.companions.followups.is_greeting(message)
