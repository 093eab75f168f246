"""bot/matcher.py: the right entry, role-aware and typo-tolerant, or a clear abstention."""

from __future__ import annotations

import random
import string

import pytest

from bot.knowledge import Answer, Entry, KnowledgeBase, SourceRef
from bot.matcher import Match, Matcher
from bot.matching.analyzer import quoted, sentences
from bot.matching.tuning import DEFAULT_TUNING, Tuning

DEFAULT_THRESHOLD = DEFAULT_TUNING.threshold
MAX_SUGGESTIONS = DEFAULT_TUNING.max_suggestions

ROLE_PAIRS = [
    ("what skills does a CSM need", "csm-skills", "pm-skills"),
    ("what skills does a PM need", "pm-skills", "csm-skills"),
    ("what skills does a customer success manager need", "csm-skills", "pm-skills"),
    ("what skills does a project manager need", "pm-skills", "csm-skills"),
    ("what is a CSM", "csm-role", "pm-role"),
    ("what is a PM", "pm-role", "csm-role"),
    ("what does a customer success manager do", "csm-role", "pm-role"),
    ("what does a project manager do", "pm-role", "csm-role"),
    ("what are the responsibilities of a CSM", "csm-responsibilities", "pm-responsibilities"),
    ("what are the responsibilities of a PM", "pm-responsibilities", "csm-responsibilities"),
    ("csm responsibilities", "csm-responsibilities", "pm-responsibilities"),
    ("pm responsibilities", "pm-responsibilities", "csm-responsibilities"),
]

OFF_TOPIC = [
    "what's the weather",
    # Who-questions that share a word or two with a duty but mean none (the meaning veto).
    "who should i report a phishing email to",
    "what's the weather like in Paris today?",
    "reset my password",
    "how do I reset my password",
    "tell me a joke",
    "what is a scrum master",
    "<@U024BE7LH> can you book a meeting room for 3pm",
]

ODD_INPUTS = [
    "",
    " ",
    "\n\t\n",
    ":wave:",
    ":wave: :tada: :+1:",
    "?!?!...,,;;",
    "&amp;&lt;&gt;",
    "<@U024BE7LH>",
    "<!here>",
    "<https://example.com>",
    "\u2019\u2018\u201c\u201d",
    "\u65e5\u672c\u8a9e\u306e\u8cea\u554f",
    "\x00\x01\x02",
    "a" * 40_000,
    ("what skills does a csm need " * 2000)[:40_000],
    ("<@U1> *csm* :wave: &amp; " * 2000)[:40_000],
]


def _random_words(count: int, seed: int) -> str:
    rng = random.Random(seed)
    return " ".join(
        "".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 11))) for _ in range(count)
    )


def _check_invariants(knowledge: KnowledgeBase, match: Match, question: str) -> None:
    assert isinstance(match, Match)
    assert match.question == question
    assert 0 <= match.score <= 100
    assert len(match.suggestions) <= MAX_SUGGESTIONS
    suggested = [entry.id for entry in match.suggestions]
    assert len(set(suggested)) == len(suggested), suggested
    assert all(entry_id in knowledge for entry_id in suggested)
    if match.entry is not None:
        assert match.id == match.entry.id and match.id in knowledge
        assert match.id not in suggested
        # An owner answer may come from the lower "who?" bar.
        assert match.score >= (DEFAULT_TUNING.who_threshold if match.duty else DEFAULT_THRESHOLD)
    else:
        assert match.id is None


# --- role awareness ---------------------------------------------------------------------------


@pytest.mark.parametrize(("question", "expected", "never"), ROLE_PAIRS)
def test_role_awareness(matcher: Matcher, question: str, expected: str, never: str) -> None:
    match = matcher.match(question)
    assert match.id == expected
    assert never not in [entry.id for entry in match.suggestions]


# --- typos and Slack markup -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("custmer sucess manger skils", "csm-skills"),
        ("projct manger skils", "pm-skills"),
        ("waht dose a custmer sucess manger do", "csm-role"),
        ("resposibilities of a projet manager", "pm-responsibilities"),
        # speech-to-text spells the roles' letters out and splits words
        ("so what does a sea ess em do exactly", "csm-role"),
        ("whats the job of a pee em question mark", "pm-role"),
        ("what does a c s m do all day", "csm-responsibilities"),
        ("what skills does a project man ager need", "pm-skills"),
        # a letter typed again and again for emphasis
        ("whaaat does a csm dooo all dayyy", "csm-responsibilities"),
    ],
)
def test_typos_and_dictated_role_names(matcher: Matcher, question: str, expected: str) -> None:
    assert matcher.match(question).id == expected


def test_a_wise_suffix_only_says_what_is_asked_about(matcher: Matcher) -> None:
    # "responsibilities wise" asks about responsibilities; "wise" itself named the two entries
    # whose examples say "timeline wise" and "goal-wise".
    match = matcher.match("what does a pm really do, responsibilities wise")
    assert match.id == "pm-responsibilities"


@pytest.mark.parametrize(
    ("question", "owner"),
    [
        (
            "whose job is it to steer a team from different departments toward one goal? i'm the"
            " csm on a large account and in every meeting people look to me to drive things,"
            " which feels odd",
            "pm",
        ),
        (
            "who reaches out when a customer stops logging in? one of my accounts went from daily"
            " use to nothing over three weeks and no one on our side said a word",
            "csm",
        ),
        (
            "which role owns the deep dive into what a customer actually needs? i got handed a"
            " vague request from a client and i honestly have no idea who should pick it up first",
            "csm",
        ),
    ],
)
def test_a_who_question_opening_a_story_is_read_alone_too(
    matcher: Matcher, question: str, owner: str
) -> None:
    # The story after the question dilutes its words; the question alone names the task.
    assert matcher.match(question).owner == owner


def test_nobody_is_a_function_word_not_a_topic(matcher: Matcher) -> None:
    # "nobody" was rare in the knowledge base, so it pulled this to clearing up misconceptions.
    match = matcher.match(
        "kickoff is next week and nobody has written the project plan, who should"
    )
    assert match.owner == "pm"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("<@U024BE7LH> *what skills does a CSM need?* :thinking_face:", "csm-skills"),
        ("<!here> _what skills does a PM need_ :pray:", "pm-skills"),
        ("<#C024BE7LR|general> what does a `proj mgr` do?", "pm-role"),
        ("<@U024BE7LH|sam> CS manager &amp; their responsibilities?", "csm-responsibilities"),
    ],
)
def test_slack_markup(matcher: Matcher, question: str, expected: str) -> None:
    match = matcher.match(question)
    assert match.id == expected
    assert match.question == question
    assert "<" not in match.normalized and ":" not in match.normalized


def test_markup_does_not_change_the_answer(matcher: Matcher) -> None:
    plain = matcher.match("what skills does a CSM need")
    marked = matcher.match("<@U024BE7LH> *what* skills does a _CSM_ need?? :wave: <!here>")
    assert marked.id == plain.id == "csm-skills"
    assert marked.normalized == plain.normalized
    assert marked.score == plain.score


# --- abstention and odd input -----------------------------------------------------------------


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_abstains_off_topic(matcher: Matcher, question: str) -> None:
    match = matcher.match(question)
    assert match.id is None and match.entry is None
    # Declined by name (a not-covered subject) whatever the score, or for scoring too low.
    assert match.subject is not None or match.score < matcher.tuning.threshold


@pytest.mark.parametrize("question", ODD_INPUTS, ids=lambda text: repr(text[:12]))
def test_odd_input_never_raises(matcher: Matcher, knowledge: KnowledgeBase, question: str) -> None:
    _check_invariants(knowledge, matcher.match(question), question)


@pytest.mark.parametrize("question", ODD_INPUTS[:13], ids=lambda text: repr(text[:12]))
def test_nothing_to_match_abstains_with_score_zero(matcher: Matcher, question: str) -> None:
    match = matcher.match(question)
    assert (match.id, match.score, match.suggestions) == (None, 0.0, ())


def test_forty_thousand_characters_of_random_words(
    matcher: Matcher, knowledge: KnowledgeBase
) -> None:
    question = _random_words(6000, seed=7)[:40_000]
    assert len(question) == 40_000
    _check_invariants(knowledge, matcher.match(question), question)


def test_closest_never_raises(matcher: Matcher) -> None:
    assert matcher.closest("") is None
    assert matcher.closest("what is the weather") is None  # below the floor: no entry fits
    entry, score = matcher.closest("csm skils for a new startup") or (None, -1)
    assert entry is not None and entry.id == "csm-skills" and score >= DEFAULT_TUNING.closest_floor


# --- scores and suggestions -------------------------------------------------------------------


def test_invariants_over_the_question_set(question_matches, knowledge: KnowledgeBase) -> None:
    matched = [pair for pairs in question_matches.values() for pair in pairs]
    assert len(matched) >= 600
    for case, match in matched:
        _check_invariants(knowledge, match, case.question)


def test_every_canonical_question_finds_its_own_entry(
    matcher: Matcher, knowledge: KnowledgeBase
) -> None:
    for entry in knowledge.entries:
        assert matcher.match(entry.questions[0]).id == entry.id, entry.questions[0]


def test_near_tie_in_the_bundled_knowledge_base_offers_the_other(matcher: Matcher) -> None:
    """'skills' names no role: one skills entry wins, the other is offered."""
    match = matcher.match("skills")
    assert match.id in {"csm-skills", "pm-skills"}
    other = ({"csm-skills", "pm-skills"} - {match.id}).pop()
    assert other in [entry.id for entry in match.suggestions]


def _entry(entry_id: str, questions: list[str]) -> Entry:
    return Entry(
        id=entry_id,
        title=entry_id.replace("-", " "),
        questions=tuple(questions),
        answer=Answer(summary=f"About {entry_id}."),
        sources=(SourceRef("art", "Intro"),),
        related=(),
    )


@pytest.fixture(scope="module")
def twins() -> KnowledgeBase:
    """Two entries about almost the same thing, and one far away."""
    return KnowledgeBase(
        (
            _entry("kickoff-agenda", ["what goes on the kickoff meeting agenda"]),
            _entry("kickoff-attendees", ["who attends the kickoff meeting"]),
            _entry("invoice-dates", ["when are invoices sent to customers"]),
        ),
        {},
    )


def test_near_tie_yields_suggestions(twins: KnowledgeBase) -> None:
    match = Matcher(twins).match("kickoff meeting")
    assert match.id in {"kickoff-agenda", "kickoff-attendees"}
    other = ({"kickoff-agenda", "kickoff-attendees"} - {match.id}).pop()
    assert [entry.id for entry in match.suggestions] == [other]


def test_clear_winner_has_no_far_suggestions(twins: KnowledgeBase) -> None:
    match = Matcher(twins).match("when are invoices sent to customers")
    assert match.id == "invoice-dates"
    assert match.score == 100.0
    assert match.suggestions == ()


def test_threshold_is_respected(knowledge: KnowledgeBase) -> None:
    question = "how is success measured around here"
    score = Matcher(knowledge).match(question).score
    assert 10 < score < 90
    below = Matcher(knowledge, Tuning(threshold=score - 1)).match(question)
    above = Matcher(knowledge, Tuning(threshold=score + 1)).match(question)
    assert below.id is not None
    assert above.id is None
    assert below.score == above.score == score


def test_threshold_zero_answers_anything_that_scores(knowledge: KnowledgeBase) -> None:
    question = "tell me a story about dragons"
    assert Matcher(knowledge, Tuning(threshold=0)).match(question).id is not None
    assert Matcher(knowledge).match(question).id is None


def test_threshold_above_100_never_answers(knowledge: KnowledgeBase) -> None:
    match = Matcher(knowledge, Tuning(threshold=100.01)).match("what skills does a CSM need")
    assert match.id is None
    assert match.score == 100.0


def test_default_threshold(matcher: Matcher) -> None:
    assert matcher.tuning.threshold == DEFAULT_THRESHOLD
    assert 0 < DEFAULT_TUNING.who_threshold <= DEFAULT_THRESHOLD < 100


def test_empty_knowledge_base_abstains() -> None:
    match = Matcher(KnowledgeBase((), {})).match("what skills does a CSM need")
    assert (match.id, match.score, match.suggestions) == (None, 0.0, ())


@pytest.mark.parametrize(
    ("message", "asking"),
    [
        # Context first: only the question is read alone.
        ("I'm interviewing next week. What is a CSM?", "What is a CSM?"),
        # A follow-up fragment keeps the question it follows (here, the whole message).
        ("is the pm around at the start or the end? and the csm?", None),
        ("we hired both. pms do what? what about csms?", "pms do what? what about csms?"),
        # ... and so does a choice offered for it.
        ("we kick off next month. who does the budget estimate? is it finance or the pm? thx",
         "who does the budget estimate? is it finance or the pm?"),
        # The question comes first: nothing before it to leave out.
        ("what's on a csm's plate? like the full list", None),
        ("what is a csm", None),
        ("just context. no question here", None),
        # A bare "which role?" keeps what it asks about, just before it; what follows is context.
        ("we use it a lot. budget - cs or pm? at my last place finance owned it",
         "budget cs or pm?"),
        ("budget - cs or pm? at my last place finance owned it", "budget cs or pm?"),
        # ... and so does one whose words are all who-phrases and roles.
        ("i need a cost breakdown by friday. who do i ask, csm or pm?",
         "i need a cost breakdown by friday. who do i ask, csm or pm?"),
        ("my team keeps arguing about onboarding. is that a csm job or a pm job?",
         "my team keeps arguing about onboarding. is that a csm job or a pm job?"),
        # A question after the last question mark, without one of its own, asks too.
        ("we hired both. is that a csm vs pm thing? how does approachability differ",
         "is that a csm vs pm thing? how does approachability differ"),
        # A question naming only a role is a question of its own.
        ("just joined the team :wave: what exactly is a CSM?", "what exactly is a CSM?"),
        # Details between dashes before the question mark belong to the question opened
        # before them.
        ("we're new. who leads the project team - eng, design, support?",
         "who leads the project team eng, design, support?"),
        ("we're new. who tracks the project — milestones, dates — week by week?",
         "who tracks the project milestones, dates week by week?"),
    ],
)  # fmt: skip
def test_the_asking_sentences_leave_context_before_them_out(matcher, message, asking):
    assert matcher._asking_sentence(sentences(message)) == asking


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("is the pm around at the start or more at the end of the cust journey? and the csm?",
         "lifecycle-timing"),
        ("what's on a csm's plate? like the full list of responsibilities", "csm-responsibilities"),
    ],
)  # fmt: skip
def test_questions_around_the_asking_sentence_are_read_with_it(matcher, question, expected):
    assert matcher.match(question).id == expected


def test_a_question_opening_the_message_is_scored_without_the_context_after_it(matcher):
    question = "what are the goals of each role? we're setting team objectives for next quarter"
    assert matcher.match(question).id == "goals"
    # The details of its question may come between dashes; the context after it names no
    # subject ("bonus" is pay) and no question.
    match = matcher.match(
        "who tracks the project — milestones, dates, the lot — week by week? asking because "
        "our bonus plan is being redone"
    )
    assert (match.owner, match.not_covered) == ("pm", None)


def test_a_last_sentence_that_asks_without_a_question_mark_is_scored_alone_too(matcher):
    match = matcher.match(
        "the client's admins keep emailing support about go-live. which role handles "
        "implementation, csm or pm"
    )
    assert (match.owner, match.duty and match.duty.id) == ("both", "implementation")
    # Not when it points back at the story before it.
    story = matcher.match(
        "our vp said we need someone who looks after customers for years after they sign. "
        "which of the two roles is she talking about there"
    )
    assert story.owner == "csm"
    # Not when the message is first about something not covered.
    laptop = matcher.match("my laptop drops off the vpn every hour. who do i ask in IT to fix it")
    assert (laptop.id, laptop.owner) == (None, None)
    # A role it names counts as naming something: "what all does the pm own" is a question.
    role = matcher.match(
        "kicking off my first rollout next week. what all does the pm own on a project"
    )
    assert (role.id, role.owner) == ("pm-responsibilities", "pm")


def test_an_asking_sentence_about_a_person_reads_the_role_its_context_names(matcher):
    def added(context: str, asking: str) -> set[str]:
        words = matcher.analyzer.normalize(asking).split()
        with_role = matcher._with_context_role(words, matcher.analyzer.normalize(context).split())
        return set(with_role) - set(matcher.analyzer.terms(words))

    # The asker's own role, as they introduced themselves.
    assert added("starting monday as a new csm", "what am i responsible for") == {"csm"}
    # Someone the message names.
    assert added("we just hired our first pm", "what will they do all day") == {"pm"}
    # Not a team the message merely mentions, nor when both roles are named.
    assert added("we rolled out hubspot for the cs team", "how do i set up a dashboard") == set()
    assert added("we hired a csm and a pm", "what will they do") == set()
    # Such a message is then answered with that role's responsibilities.
    question = "writing up my first-week plan as a new csm. what am i actually responsible for?"
    assert matcher.match(question).id == "csm-responsibilities"


def test_a_quoted_claim_is_what_a_pointing_question_asks_about(matcher) -> None:
    question = (
        "&gt; the csm is the one who carries the sales quota\n"
        "this came up at lunch with my new team and nobody pushed back. is this right?"
    )
    match = matcher.match(question)
    assert (match.owner, match.duty and match.duty.id) == ("pm", "sales-quota")


@pytest.mark.parametrize(
    ("message", "claim"),
    [
        ("&gt; the pm trains customers\nsaw this in a doc. is this right?", "the pm trains customers"),
        ("> one\n&gt; two\nwho's this about?", "one two"),
        ("no quote here. is this right?", ""),
    ],
)  # fmt: skip
def test_quoted_lines_are_read_without_their_marks(message, claim):
    assert quoted(message) == claim


def test_a_bare_which_role_question_is_about_what_comes_before_it(matcher) -> None:
    match = matcher.match("budget - cs or pm? at my last place finance owned it and i'm confused")
    assert (match.owner, match.duty and match.duty.id) == ("pm", "budget-planning")
