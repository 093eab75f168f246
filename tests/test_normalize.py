"""bot/normalize.py and the vocabulary: what people type in Slack becomes plain lowercase words."""

from __future__ import annotations

import pytest

from bot.knowledge import load_knowledge
from bot.normalize import clean, strip_slack_markup
from bot.settings import default_knowledge_dir
from bot.vocabulary import Vocabulary

# The bundled knowledge/vocabulary.yaml: its synonyms are what these tests expect.
normalize = load_knowledge(default_knowledge_dir()).vocabulary.normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("<@U024BE7LH> hello", "hello", id="user-mention"),
        pytest.param("hello <@U024BE7LH|sam> there", "hello there", id="user-mention-label"),
        pytest.param("<@W0123ABC> hello", "hello", id="enterprise-user"),
        pytest.param("<#C024BE7LR|general> hello", "channel hello", id="channel-mention"),
        pytest.param("<#C024BE7LR> hello", "channel hello", id="channel-no-label"),
        pytest.param("<!here> hello", "hello", id="here"),
        pytest.param("<!channel> hello <!everyone>", "hello", id="channel-everyone"),
        pytest.param("<!subteam^S012|@csm-team> hello", "hello", id="user-group"),
        pytest.param(
            "read <https://example.com/a?b=1&c=2|the guide> now",
            "read the guide now",
            id="labelled-link",
        ),
        pytest.param("read <https://example.com/guide> now", "read now", id="bare-slack-link"),
        pytest.param("read https://example.com/guide?x=1 now", "read now", id="raw-url"),
        pytest.param("<mailto:sam@example.com|mail sam> please", "mail sam please", id="mailto"),
        pytest.param("hello :wave: :+1: :thinking_face: :skin-tone-2:", "hello", id="emoji"),
        pytest.param("hello :wave::wave:", "hello", id="emoji-adjacent"),
        pytest.param("goals &amp; skills", "goals skills", id="amp"),
        pytest.param("a &gt; x &lt; y &quot;d&quot; &#39;e&#39;", "a x y d e", id="entities"),
        pytest.param("*bold* _italic_ ~struck~ `code`", "bold italic code", id="marks"),
        # struck-through words are taken back; a lone tilde is "about"
        pytest.param("who handles ~upsells~ renewals", "who handles renewals", id="strike"),
        pytest.param("~20 accounts, ~3 pms", "20 accounts 3 project managers", id="tilde-about"),
        pytest.param("```block of code```", "block of code", id="code-block"),
        pytest.param("&gt; quoted line", "quoted line", id="quote"),
        pytest.param("WHAT Does It Take", "what does it take", id="case"),
        pytest.param(
            "what?! is... this, (really); [yes]/no", "what is this really yes no", id="punctuation"
        ),
        pytest.param("  lots \n of\t\tspace  ", "lots of space", id="whitespace"),
        pytest.param("what's a manager's job", "whats a managers job", id="straight-apostrophe"),
        pytest.param("what\u2019s a manager\u2019s job", "whats a managers job", id="curly"),
        pytest.param("\u2018quoted\u2019 words", "quoted words", id="curly-quotes"),
        pytest.param("\uff37\uff28\uff21\uff34", "what", id="fullwidth-nfkc"),
        pytest.param("", "", id="empty"),
        pytest.param(":tada: ?! &amp; <@U1>", "", id="nothing-left"),
        # a time of day is one word, not the Project Manager's letters
        pytest.param("all-hands at 4 PM or 4:30 p.m.?", "all hands at 4pm or 430pm", id="time"),
        pytest.param("meet @ 11 am", "meet 11am", id="time-at-sign"),
        pytest.param("what's 3 pm Pacific in CET?", "whats 3pm pacific in cet", id="time-zone"),
        pytest.param("2 pm tomorrow ok?", "2pm tomorrow ok", id="time-and-day"),
        pytest.param(
            "we have 3 pm and 1 csm",
            "we have 3 project manager and 1 customer success manager",
            id="a-count-of-roles-is-no-time",
        ),
    ],
)
def test_markup_case_and_punctuation(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CSM", "customer success manager"),
        ("csms", "customer success managers"),
        ("PM", "project manager"),
        ("PMs", "project managers"),
        ("pm's job", "project managers job"),
        ("mgr", "manager"),
        ("mgrs", "managers"),
        ("cust success", "customer success"),
        ("cust success mgr", "customer success manager"),
        ("proj manager", "project manager"),
        ("proj mgr", "project manager"),
        ("CS manager", "customer success manager"),
        ("cs managers", "customer success managers"),
        ("CS mgr", "customer success manager"),
        ("csm vs pm", "customer success manager versus project manager"),
        ("csm vs. pm", "customer success manager versus project manager"),
        ("CSM v PM", "customer success manager versus project manager"),
        ("diff between csm & pm", "difference between customer success manager project manager"),
        ("csm kpis", "customer success manager key performance indicators"),
        ("u r", "you are"),
        ("cust sat", "customer satisfaction"),
        ("src pls", "source please"),
        ("what kinda qs", "what kind of questions"),
        ("about to walk away", "about to leave"),
        ("keep them from walking", "keep them from leaving"),
        ("keep them from walking away", "keep them from leaving"),
        ("wants to buy more", "wants to upsell"),
        ("needs more seats", "needs upsell"),
        ("who'd run it", "who would run it"),
        ("a workshop on the tool", "a training on the tool"),
        ("who'll run it", "who will run it"),
        ("phases with checkpoints", "phases with milestones"),
        ("who's accountable", "whos liable"),
        ("W H O owns it", "who owns it"),
    ],
)
def test_shorthands(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize("text", ["ampm", "csmx", "vsc", "mgrx", "pmpm", "proje", "custody"])
def test_shorthands_only_replace_whole_words(text: str) -> None:
    assert normalize(text) == text


def test_a_full_slack_message() -> None:
    message = (
        "<@U024BE7LH> <!here> what's the *diff* b/w a CSM &amp; a proj mgr?? "
        ":thinking_face: see <https://example.com|this>"
    )
    assert normalize(message) == (
        "whats the difference between a customer success manager a project manager see this"
    )


def test_normalize_is_idempotent() -> None:
    for text in ["what's the diff b/w a CSM & a PM?", "<@U1> cust success mgr :wave:", "vs"]:
        once = normalize(text)
        assert normalize(once) == once


def test_strip_slack_markup_keeps_the_words() -> None:
    stripped = strip_slack_markup("<@U1> is <https://x.io|*this*> &amp; :wave: OK?")
    assert "<" not in stripped and ":wave:" not in stripped and "&amp;" not in stripped
    assert stripped.split() == ["is", "*this*", "&", "OK?"]


def test_mention_with_label_does_not_leak_the_name() -> None:
    assert "sam" not in normalize("<@U024BE7LH|sam> what is a pm")
    assert "general" not in normalize("<#C024BE7LR|general> what is a pm")


def test_a_channel_reference_stays_a_word_of_the_sentence() -> None:
    # "how do i join #general" names something to join; without it, "how do i join" alone
    # matched the skills entries at 63.
    assert normalize("how do i join <#C0123ABCD|general>") == "how do i join channel"
    assert normalize("<@U024BE7LH> what is a pm") == normalize("what is a pm")


def test_html_entity_does_not_hide_a_mention() -> None:
    # Slack escapes a literal "<" as &lt;: what the person typed must stay words, not vanish.
    assert normalize("&lt;csm&gt; vs &lt;pm&gt;") == (
        "customer success manager versus project manager"
    )


def test_very_long_input() -> None:
    text = "what is a csm " * 3000 + ":wave: " * 1000
    normalized = normalize(text)
    assert normalized.split()[:6] == ["what", "is", "a", "customer", "success", "manager"]
    assert "wave" not in normalized


@pytest.mark.parametrize(
    ("text", "expected"),
    [("résumé", "resume"), ("Café CSM", "cafe csm"), ("naïve coördination", "naive coordination")],
)
def test_accents_are_folded(text: str, expected: str) -> None:
    assert clean(text) == expected


def test_a_curator_synonym_needs_no_code() -> None:
    vocabulary = Vocabulary(
        synonyms={"delivery lead": "project manager"}, roles={"pm": ("project manager",)}
    )
    assert vocabulary.collapse(vocabulary.normalize("What does a Delivery Lead do?")) == (
        "what does a pm do"
    )


def test_who_phrases_are_read_in_role_words() -> None:
    vocabulary = Vocabulary(
        synonyms={"pm": "project manager"},
        roles={"pm": ("project manager",)},
        who_phrases=("does the project manager",),
    )
    assert vocabulary.asks_who(vocabulary.collapse(vocabulary.normalize("does the PM do budgets")))
    assert not vocabulary.asks_who(vocabulary.collapse(vocabulary.normalize("what is a PM")))


def test_a_sentence_opens_as_a_question_with_a_question_word_or_a_yes_no_opener() -> None:
    vocabulary = Vocabulary(question_words=frozenset({"which"}), yes_no_openers=frozenset({"is"}))
    assert vocabulary.opens_question("which role handles it")
    assert vocabulary.opens_question("is it the csm")
    assert not vocabulary.opens_question("the csm handles it")
    assert not vocabulary.opens_question("")


def test_who_phrases_are_found_past_filler_words() -> None:
    vocabulary = Vocabulary(who_phrases=("is that on me",), fillers=frozenset({"really"}))
    assert vocabulary.asks_who("is that really on me")
    assert not Vocabulary(who_phrases=("is that on me",)).asks_who("is that really on me")
