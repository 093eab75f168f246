"""Meaning: the static word vectors, their word pieces, and how they re-rank duties."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from bot.knowledge import KnowledgeBase
from bot.matcher import Matcher, bundled_word_vectors
from bot.matching.meaning import MeaningIndex, WordPieces, WordVectors
from bot.matching.scoring import rank_duties_by_meaning
from bot.matching.tuning import DEFAULT_TUNING


@pytest.fixture(scope="module")
def vectors() -> WordVectors:
    return bundled_word_vectors()


def pieces(vectors: WordVectors, text: str) -> list[str]:
    names = {number: piece for piece, number in vectors.pieces.ids.items()}
    return [names[number] for number in vectors.pieces.encode(text)]


# Each expectation is what the model's own tokenizer (Hugging Face `tokenizers`) gives.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Onboarding the Résumé!", ["onboard", "##ing", "the", "resume", "!"]),
        ("who owns QBRs?", ["who", "owns", "qb", "##rs", "?"]),
        ("xqzvbnmwq", ["x", "##q", "##z", "##vb", "##n", "##m", "##w", "##q"]),
        ("naïve café 日本", ["naive", "cafe", "日", "本"]),
    ],
)
def test_word_pieces_split_as_the_models_tokenizer_does(vectors, text, expected):
    assert pieces(vectors, text) == expected


def test_plain_and_unicode_text_split_alike():
    splitter = WordPieces(["a", "b", "##b", "!", ","])
    # The ASCII fast path and the general path agree, control characters dropped in both.
    expected = ["ab", ",", "b", "!", "a"]
    assert splitter.words("Ab,\x01b!\tA") == splitter.words("Ab,\x01b!\tA\u00a0") == expected
    assert splitter.encode("ab, zz b!") == [0, 2, 4, 1, 3]  # "zz" has no pieces: left out


def test_a_word_longer_than_bert_reads_is_left_out():
    splitter = WordPieces(["a", "##a"])
    assert splitter.encode("a" * 100) == [0] + [1] * 99
    assert splitter.encode("a" * 101) == []


def test_embeddings_are_unit_vectors_and_zero_when_nothing_is_known(vectors):
    vector = vectors.embed("who tracks progress on the rollout?")
    assert vector.shape == (vectors.dimensions,)
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)
    assert not vectors.embed("").any()
    assert not vectors.embed("\U0001f600\U0001f600").any()


def test_a_paraphrase_is_closer_than_another_duty(vectors):
    question = vectors.embed("who keeps an eye on how the rollout is going?")
    paraphrase = vectors.embed("who tracks progress on the project?")
    other = vectors.embed("who negotiates the renewal contract?")
    assert question @ paraphrase > question @ other


def test_wrong_shapes_are_refused():
    with pytest.raises(ValueError):
        WordVectors(["a", "b"], np.zeros((3, 4)))


def test_meaning_index_scores_each_document_by_its_closest_example(vectors):
    index = MeaningIndex(
        vectors,
        [
            (4, ["who renews the contract?", "who tracks progress on the project?"]),
            (7, []),  # no examples: not scored
            (9, ["what is the weather like?"]),
        ],
    )
    positions, closeness = index.similarities("who tracks progress on the project?")
    closeness_of = dict(zip(positions.tolist(), closeness.tolist(), strict=True))
    assert set(closeness_of) == {4, 9}
    assert closeness_of[4] == pytest.approx(1.0, abs=1e-5)
    assert closeness_of[9] < closeness_of[4]
    positions, closeness = MeaningIndex(vectors, []).similarities("anything")
    assert not len(positions) and not len(closeness)


def meaning_of(closeness: dict[int, float]) -> tuple[np.ndarray, np.ndarray]:
    return np.array(list(closeness), dtype=np.int64), np.array(list(closeness.values()))


def scores_of(ranked: list[tuple[int, float]], documents: int = 8) -> np.ndarray:
    """Each document's score by position, as the matcher hands them to meaning."""
    scores = np.zeros(documents)
    for position, score in ranked:
        scores[position] = score
    return scores


def test_meaning_re_ranks_duties_but_never_lifts_them_above_the_best_duty_score():
    tuning = replace(
        DEFAULT_TUNING,
        meaning_weight=0.5,
        meaning_floor=0.2,
        meaning_ceiling=0.9,
        meaning_veto_score=0.0,  # the veto has a test of its own
    )
    # Position 0 is an entry; 1 and 2 are duties: 1 fits by words, 2 by meaning.
    ranked = [(0, 70.0), (1, 60.0), (2, 40.0)]
    result = rank_duties_by_meaning(scores_of(ranked), meaning_of({1: 0.3, 2: 0.9}), tuning)
    scores = dict(result)
    order = [position for position, _ in result]
    assert scores[0] == 70.0  # entries untouched
    assert max(scores[1], scores[2]) <= 60.0  # capped at the best duty's own score
    assert order.index(2) < order.index(1)  # the duty meant comes first
    # A duty only meaning finds still cannot fit better than the best duty by words.
    found = dict(
        rank_duties_by_meaning(
            scores_of([(0, 70.0), (1, 35.0)]), meaning_of({1: 0.2, 5: 1.0}), tuning
        )
    )
    assert found[5] == 35.0
    # Without duties there is nothing to re-rank.
    assert rank_duties_by_meaning(scores_of(ranked), meaning_of({}), tuning) == ranked


def test_a_weak_duty_far_in_meaning_cannot_answer():
    tuning = replace(DEFAULT_TUNING, meaning_veto_score=40.0, meaning_veto_cosine=0.75)
    # 1: weak by words and far in meaning; 2: weak by words but close; 3: strong by words.
    ranked = [(0, 50.0), (3, 45.0), (1, 35.0), (2, 30.0)]
    closeness = meaning_of({1: 0.5, 2: 0.9, 3: 0.5})
    kept = dict(rank_duties_by_meaning(scores_of(ranked), closeness, tuning))
    assert 1 not in kept
    assert 2 in kept and 3 in kept and kept[0] == 50.0
    # A duty of the best entry's topic is vouched for by the entry: meaning does not drop it.
    vouched = rank_duties_by_meaning(
        scores_of(ranked), closeness, tuning, vouched=np.array([True, False, False])
    )
    assert dict(vouched)[1] == pytest.approx(0.5 * 35.0 + 0.5 * 100 * (0.5 - 0.2) / 0.7)


def test_a_weak_duty_of_the_best_topic_still_answers_who(knowledge: KnowledgeBase):
    question = "which role treats training and development as a core business enabler"
    match = Matcher(knowledge).match(question)
    assert (match.id, match.owner, match.duty.id) == ("training", "csm", "customer-training")


def test_embedding_one_text_or_many_gives_the_same_vector(vectors):
    texts = ["who tracks progress?", "", "Résumé tips for a CSM"]
    together = vectors.embed_all(texts)
    for row, text in enumerate(texts):
        assert np.allclose(together[row], vectors.embed(text), atol=1e-6)


@pytest.mark.parametrize(
    ("question", "owner", "duty"),
    [
        # (Words alone read "problems" as a project's issues, the PM's.)
        ("who's meant to see client problems coming", "csm", "customer-product-problem"),
        ("who goes after cross-sells", "pm", "cross-sells"),
    ],
)
def test_who_questions_find_the_duty_they_mean(knowledge: KnowledgeBase, question, owner, duty):
    match = Matcher(knowledge).match(question)
    assert (match.owner, match.duty.id) == (owner, duty)
    # Words alone pick another duty: this is meaning's doing.
    words_only = Matcher(knowledge, replace(DEFAULT_TUNING, meaning_weight=0.0)).match(question)
    assert words_only.duty is None or words_only.duty.id != duty


def test_real_words_are_not_taken_for_typos(vectors):
    from bot.matching.speller import Speller

    known = ["accredited", "certification", "manager"]
    plain = Speller(known, DEFAULT_TUNING)
    speller = Speller(known, DEFAULT_TUNING, dictionary=vectors.dictionary)
    # Without a dictionary, "credited" looks like a typo of a not-covered subject's word.
    assert plain.correction("credited") == "accredited"
    assert speller.correction("credited") == "credited"
    # Typos are still corrected: they are not words of the language.
    assert speller.correction("certifcation") == "certification"
    assert speller.correction("managr") == "manager"


def test_a_letter_stretched_for_emphasis_is_read_once_or_twice():
    from bot.matching.speller import Speller

    speller = Speller(["who", "too", "help", "please"], DEFAULT_TUNING)
    assert [speller.correction(word) for word in ("whooo", "tooo", "heeelp", "pleeease")] == [
        "who",
        "too",
        "help",
        "please",
    ]
    assert speller.correction("zzzz") == "zzzz"  # nothing known underneath


def test_english_words_are_read_only_as_forms_of_themselves(vectors):
    from bot.matching.speller import Speller, english_words

    known = ["project", "attrition", "timeline", "manager", "motivated", "customise", "kickoff"]
    plain = Speller(known, DEFAULT_TUNING, dictionary=vectors.dictionary)
    speller = Speller(known, DEFAULT_TUNING, dictionary=vectors.dictionary, english=english_words())
    for word, other_word in [
        ("projector", "project"),
        ("attribution", "attrition"),
        ("timezone", "timeline"),
    ]:
        # The model's vocabulary lacks these words: only the English list knows them.
        assert plain.correction(word) == other_word
        assert speller.correction(word) == word
    # A dropped letter, a plural, the other -ise/-ize spelling and a prefixed root still read
    # as the known word, and typos that are no words are still corrected.
    assert speller.correction("manger") == "manager"
    assert speller.correction("kickoffs") == "kickoff"
    assert speller.correction("customize") == "customise"
    assert speller.correction("demotivated") == "motivated"
    assert speller.correction("projct") == "project"


def test_a_projector_is_not_a_project(matcher):
    match = matcher.match("the projector in the kickoff room is dead again, who do i ping in IT?")
    assert match.id is None


def test_credit_for_word_of_mouth_is_not_about_certifications(matcher):
    match = matcher.match(
        "We get a lot of new business from referrals. Which role is credited with that?"
    )
    assert match.not_covered != "certifications"
