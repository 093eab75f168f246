"""The bundled knowledge base: valid, complete, cited, honest about disagreements, own words."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot.evaluation import load_cases
from bot.knowledge import MIN_QUESTIONS, Entry, KnowledgeBase, check_knowledge
from bot.settings import default_knowledge_dir
from tests.conftest import QUESTION_FILES

REQUIRED_IDS = [
    "overview",
    "csm-role",
    "pm-role",
    "csm-responsibilities",
    "pm-responsibilities",
    "csm-skills",
    "pm-skills",
    "goals",
    "lifecycle-timing",
    "management-scope",
    "training",
    "approachability",
    "success-metrics",
    "business-impact",
    "which-role",
    "collaboration",
    "miscommunication",
    "help",
]
CSM_ONLY = ["csm-role", "csm-responsibilities", "csm-skills"]
PM_ONLY = ["pm-role", "pm-responsibilities", "pm-skills"]
# Every other required topic, bar help, compares the two roles.
BOTH_SIDES = [
    entry_id for entry_id in REQUIRED_IDS if entry_id not in {*CSM_ONLY, *PM_ONLY, "help"}
]
SOURCES_DIR = Path(__file__).resolve().parents[2] / "shared" / "sources"
COPY_RUN = 12
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def words(text: str) -> list[str]:
    """Lowercased words, curly apostrophes straightened, punctuation stripped."""
    text = text.lower().translate(_APOSTROPHES).replace("'", "")
    return re.findall(r"[a-z0-9]+", text)


def runs(tokens: list[str], length: int = COPY_RUN) -> Iterator[tuple[str, ...]]:
    return (tuple(tokens[i : i + length]) for i in range(len(tokens) - length + 1))


def kb_texts(entry: Entry) -> Iterator[tuple[str, str]]:
    """Every piece of an entry a user reads or types: (where, text)."""
    yield "title", entry.title
    for number, question in enumerate(entry.questions):
        yield f"questions[{number}]", question
    answer = entry.answer
    for part in ("summary", "csm", "pm", "note"):
        if getattr(answer, part):
            yield f"answer.{part}", getattr(answer, part)


def test_bundled_knowledge_base_has_no_problems() -> None:
    assert [str(problem) for problem in check_knowledge(default_knowledge_dir())] == []


def test_required_ids_exist_exactly(knowledge: KnowledgeBase) -> None:
    ids = [entry.id for entry in knowledge.entries]
    missing = [entry_id for entry_id in REQUIRED_IDS if entry_id not in ids]
    assert missing == []
    assert len(ids) == len(set(ids))


def test_every_entry_is_complete(knowledge: KnowledgeBase) -> None:
    for entry in knowledge.entries:
        assert len(entry.questions) >= MIN_QUESTIONS >= 7, entry.id
        # Seven that differ once normalised: "csm duties" and "csm responsibilities" are one.
        assert len(set(map(knowledge.vocabulary.normalize, entry.questions))) >= 7, entry.id
        assert entry.sources, entry.id
        assert entry.answer.summary.strip(), entry.id
        assert entry.title.strip(), entry.id
        for related in entry.related:
            assert related in knowledge and related != entry.id, (entry.id, related)


def test_every_listed_section_is_cited(knowledge: KnowledgeBase) -> None:
    raw = yaml.safe_load((default_knowledge_dir() / "sources.yaml").read_text("utf-8"))
    listed = {(item["id"], section) for item in raw["articles"] for section in item["sections"]}
    assert len(raw["articles"]) == 2
    cited = {(s.article, s.section) for entry in knowledge.entries for s in entry.sources}
    assert sorted(listed - cited) == []


@pytest.mark.parametrize("entry_id", ["goals", "success-metrics"])
def test_disagreement_between_the_articles_is_noted(
    knowledge: KnowledgeBase, entry_id: str
) -> None:
    note = (knowledge.get(entry_id).answer.note or "").lower()
    assert any(word in note for word in ("renewal", "upsell", "quota")), note
    timely = ("on time", "on schedule", "time frame", "timeline", "deadline")
    assert any(word in note for word in timely), note
    assert "budget" in note, note


def test_one_role_entries_have_only_their_side(knowledge: KnowledgeBase) -> None:
    for entry_id in CSM_ONLY:
        answer = knowledge.get(entry_id).answer
        assert answer.csm and not answer.pm, entry_id
    for entry_id in PM_ONLY:
        answer = knowledge.get(entry_id).answer
        assert answer.pm and not answer.csm, entry_id
    for entry_id in BOTH_SIDES:
        assert knowledge.get(entry_id).roles == {"csm", "pm"}, entry_id


def test_help_lists_what_the_bot_knows(knowledge: KnowledgeBase) -> None:
    summary = knowledge.get("help").answer.summary
    assert "{topics}" not in summary
    for entry in knowledge.entries:
        if entry.id != "help":
            assert entry.title in summary, entry.id


@pytest.fixture(scope="module")
def article_texts() -> dict[str, str]:
    if not SOURCES_DIR.is_dir():
        pytest.skip(f"the source articles are not beside the clone: {SOURCES_DIR} is absent")
    texts = {path.name: path.read_text("utf-8") for path in sorted(SOURCES_DIR.glob("*.txt"))}
    assert len(texts) == 2, sorted(texts)
    return texts


def test_sources_name_the_articles_by_their_own_titles(
    knowledge: KnowledgeBase, article_texts: dict[str, str]
) -> None:
    for article in knowledge.articles.values():
        assert article.file in article_texts, article.file
        assert " ".join(words(article.title)) in " ".join(words(article_texts[article.file]))


def test_no_dozen_word_run_copied_from_an_article(
    knowledge: KnowledgeBase, article_texts: dict[str, str]
) -> None:
    copied_runs = {run for text in article_texts.values() for run in runs(words(text))}
    # The articles' own titles may be named (the `sources` entry cites them); nothing else.
    titles = [" ".join(words(article.title)) for article in knowledge.articles.values()]
    copies = []
    for entry in knowledge.entries:
        for where, text in kb_texts(entry):
            plain = " ".join(words(text))
            for title in titles:
                plain = plain.replace(title, " | ")
            for piece in plain.split("|"):
                copies += [
                    f"{entry.id}.{where}: {' '.join(run)}"
                    for run in runs(piece.split())
                    if run in copied_runs
                ]
    assert copies == []


def test_the_copy_check_would_catch_a_copy(article_texts: dict[str, str]) -> None:
    text = next(iter(article_texts.values()))
    sentence = " ".join(text.split()[200:214]).replace("'", "\u2019").upper()
    copied_runs = {run for run in runs(words(text))}
    assert any(run in copied_runs for run in runs(words(sentence)))


def test_answers_have_no_markdown(knowledge: KnowledgeBase) -> None:
    for entry in knowledge.entries:
        for where, text in kb_texts(entry):
            if not where.startswith("answer"):
                continue
            assert "**" not in text, (entry.id, where)
            assert "](" not in text, (entry.id, where)
            assert not any(line.lstrip().startswith("#") for line in text.splitlines()), (
                entry.id,
                where,
            )


def test_question_sets_share_no_question_with_the_knowledge_base(
    knowledge: KnowledgeBase,
) -> None:
    normalize = knowledge.vocabulary.normalize
    kb_questions = {
        normalize(question)
        for item in (*knowledge.entries, *knowledge.duties, *knowledge.subjects)
        for question in item.questions
    }
    shared = [
        case.question
        for path in QUESTION_FILES
        for case in load_cases(path)
        if normalize(case.question) in kb_questions
    ]
    assert shared == []


def tour_texts(knowledge: KnowledgeBase) -> Iterator[tuple[str, str]]:
    """Every text of the tour and quiz a user reads: (where, text)."""
    tour = knowledge.companions.tour
    for number, step in enumerate(tour.steps, start=1):
        yield f"step {number} title", step.title
        yield f"step {number} text", step.text
    for question in tour.quiz:
        yield f"quiz {question.id} question", question.question
        yield f"quiz {question.id} reason", question.reason
        for choice, label in question.choices:
            yield f"quiz {question.id} choice {choice}", label


def test_the_tour_is_in_our_own_words(
    knowledge: KnowledgeBase, article_texts: dict[str, str]
) -> None:
    copied_runs = {run for text in article_texts.values() for run in runs(words(text))}
    copies = [
        f"{where}: {' '.join(run)}"
        for where, text in tour_texts(knowledge)
        for run in runs(words(text))
        if run in copied_runs
    ]
    assert copies == []


@pytest.mark.parametrize("path", QUESTION_FILES, ids=lambda path: path.stem)
def test_question_sets_expect_only_existing_ids(knowledge: KnowledgeBase, path: Path) -> None:
    cases = load_cases(path)
    assert {case.expect for case in cases} - {None} <= {entry.id for entry in knowledge.entries}
    kinds = {case.kind for case in cases}
    assert kinds == {"topic", "who", "offtopic", "hardneg"}
    assert len({case.question for case in cases}) == len(cases)
