"""The bundled knowledge base: valid, complete, cited, and in the project's own words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.knowledge import KnowledgeBase, check_knowledge
from bot.normalize import normalize
from bot.settings import default_knowledge_dir
from tests.quality import load_cases

REQUIRED_IDS = {
    "overview", "csm-role", "pm-role", "csm-responsibilities", "pm-responsibilities",
    "csm-skills", "pm-skills", "goals", "lifecycle-timing", "management-scope", "training",
    "approachability", "success-metrics", "business-impact", "which-role", "collaboration",
    "miscommunication", "help",
}  # fmt: skip
SOURCES_DIR = Path(__file__).resolve().parents[2] / "shared" / "sources"
COPY_RUN = 12


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("\u2019", "'"))


def runs(text: str, length: int = COPY_RUN) -> set[tuple[str, ...]]:
    found = words(text)
    return {tuple(found[i : i + length]) for i in range(len(found) - length + 1)}


def test_bundled_knowledge_base_is_valid() -> None:
    assert check_knowledge(default_knowledge_dir()) == []


def test_required_ids_exist(knowledge: KnowledgeBase) -> None:
    assert {entry.id for entry in knowledge.entries} >= REQUIRED_IDS


def test_every_listed_section_is_cited(knowledge: KnowledgeBase) -> None:
    cited = {(s.article, s.section) for entry in knowledge.entries for s in entry.sources}
    listed = {(a.id, section) for a in knowledge.articles.values() for section in a.sections}
    assert listed - cited == set()
    assert len(knowledge.articles) == 2


def test_one_role_entries_have_one_side(knowledge: KnowledgeBase) -> None:
    for entry_id in ("csm-role", "csm-responsibilities", "csm-skills"):
        assert knowledge.get(entry_id).roles == {"csm"}
    for entry_id in ("pm-role", "pm-responsibilities", "pm-skills"):
        assert knowledge.get(entry_id).roles == {"pm"}
    for entry_id in ("overview", "goals", "success-metrics", "approachability"):
        assert knowledge.get(entry_id).roles == {"csm", "pm"}


@pytest.mark.parametrize("entry_id", ["goals", "success-metrics"])
def test_disagreement_between_articles_is_stated(knowledge: KnowledgeBase, entry_id: str) -> None:
    note = (knowledge.get(entry_id).answer.note or "").lower()
    assert re.search(r"renewal|upsell|quota", note), note
    assert re.search(r"on time|on budget|project", note), note


def test_answers_use_slack_mrkdwn_not_markdown(knowledge: KnowledgeBase) -> None:
    for entry in knowledge.entries:
        answer = entry.answer
        for text in filter(None, (answer.summary, answer.csm, answer.pm, answer.note)):
            assert "**" not in text and "](" not in text, entry.id
            assert not any(line.lstrip().startswith("#") for line in text.splitlines()), entry.id


@pytest.mark.skipif(not SOURCES_DIR.is_dir(), reason=f"source articles not found at {SOURCES_DIR}")
def test_no_sentence_is_copied_from_the_articles(knowledge: KnowledgeBase) -> None:
    articles = [path.read_text("utf-8") for path in sorted(SOURCES_DIR.glob("*.txt"))]
    assert len(articles) == 2
    source_runs = set().union(*(runs(text) for text in articles))
    # The `sources` entry must name the articles, so their titles are the one allowed overlap.
    allowed = set().union(*(runs(a.title) for a in knowledge.articles.values()))
    copied = []
    for entry in knowledge.entries:
        answer = entry.answer
        texts = [entry.title, *entry.questions, answer.summary, answer.csm, answer.pm, answer.note]
        for text in filter(None, texts):
            copied += [(entry.id, " ".join(run)) for run in (runs(text) & source_runs) - allowed]
    assert copied == []


def test_evaluation_set_is_separate_from_the_knowledge_base(knowledge: KnowledgeBase) -> None:
    own = {normalize(q) for entry in knowledge.entries for q in entry.questions}
    shared = [case.question for case in load_cases() if normalize(case.question) in own]
    assert shared == []


def test_source_list_matches_the_yaml(knowledge: KnowledgeBase) -> None:
    raw = yaml.safe_load((default_knowledge_dir() / "sources.yaml").read_text("utf-8"))
    assert [a["id"] for a in raw["articles"]] == list(knowledge.articles)
