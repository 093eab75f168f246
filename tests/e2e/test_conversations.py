"""Conversations end to end: follow-ups in DMs and threads, context expiry, the tour and quiz.

Signed requests go to the running app; what it sends back is read from the fake Web API.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.knowledge import load_knowledge
from bot.settings import default_knowledge_dir
from tests.e2e.fake_slack import BOT_USER_ID, Call, FakeSlack
from tests.e2e.running_app import RunningApp, unique
from tests.e2e.test_slack_app import (
    action_payload,
    button_for,
    buttons,
    header,
    home_action_payload,
)

FOLLOWING_UP = "Following up on"
# The expiry app forgets a conversation after this many seconds without a message.
SHORT_TTL = 2
TOUR = load_knowledge(default_knowledge_dir()).companions.tour


def dm(user: str, channel: str, text: str) -> dict[str, Any]:
    return {"type": "message", "channel_type": "im", "user": user, "text": text,
            "ts": f"{time.time():.6f}", "channel": channel}  # fmt: skip


def ask(app: RunningApp, fake: FakeSlack, event: dict[str, Any]) -> Call:
    """Send one message event and return the bot's one reply to it."""
    fake.reset()
    assert app.send_event(event).status == 200
    posts = fake.wait_for("chat.postMessage")
    time.sleep(0.2)  # would a second reply arrive?
    posts = fake.calls_to("chat.postMessage")
    assert len(posts) == 1, [post.params.get("text") for post in posts]
    return posts[0]


def followed(post: Call) -> str | None:
    """The "Following up on *X*:" line of a reply, if it has one."""
    first = post.params["blocks"][0]
    if first["type"] == "context" and FOLLOWING_UP in first["elements"][0]["text"]:
        return first["elements"][0]["text"]
    return None


def test_a_four_turn_dm_conversation(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    user, channel = unique("U"), unique("D")
    first = ask(slack_app, fake_slack, dm(user, channel, "what skills does a csm need?"))
    assert header(first.params["blocks"]) == "Skills a Customer Success Manager needs"
    assert followed(first) is None
    second = ask(slack_app, fake_slack, dm(user, channel, "and for a PM?"))
    assert header(second.params["blocks"]) == "Skills a Project Manager needs"
    assert followed(second) == "Following up on *Skills a Customer Success Manager needs*:"
    assert second.params["text"].startswith("Following up on Skills a Customer Success")
    third = ask(slack_app, fake_slack, dm(user, channel, "what about their responsibilities?"))
    assert header(third.params["blocks"]) == "What a Project Manager is responsible for"
    fourth = ask(slack_app, fake_slack, dm(user, channel, "why?"))
    assert header(fourth.params["blocks"]) == "What a Project Manager is responsible for"
    assert "What a Project Manager is responsible for" in followed(fourth)
    # A clear new question is answered on its own, whatever came before.
    fifth = ask(slack_app, fake_slack, dm(user, channel, "who trains customers on the product?"))
    assert fifth.params["text"].startswith("Owner: Customer Success Manager")
    assert followed(fifth) is None
    # "Who owns that then?" names the owner of the topic just discussed.
    sixth = ask(slack_app, fake_slack, dm(user, channel, "what about training?"))
    seventh = ask(slack_app, fake_slack, dm(user, channel, "who owns that then?"))
    assert header(sixth.params["blocks"]) == "Who trains customers"
    assert seventh.params["text"].startswith("Following up on Who trains customers: Owner:")


def test_a_topic_clicked_in_a_dm_is_what_follow_ups_continue(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    user, channel = unique("U"), unique("D")
    ask(slack_app, fake_slack, dm(user, channel, "what does a csm do"))
    fake_slack.reset()
    payload = action_payload(fake_slack, "show_topic:1", "csm-skills", channel_id=channel)
    payload["user"] = {"id": user, "name": "new-hire"}
    slack_app.send_action(payload)
    fake_slack.wait_for("chat.postMessage")
    then = ask(slack_app, fake_slack, dm(user, channel, "and for a PM?"))
    assert header(then.params["blocks"]) == "Skills a Project Manager needs"


def test_a_mention_in_a_dm_continues_the_dm(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    user, channel = unique("U"), unique("D")
    mentioned = {**dm(user, channel, f"<@{BOT_USER_ID}> what skills does a csm need"),
                 "type": "app_mention"}  # fmt: skip
    ask(slack_app, fake_slack, mentioned)
    then = ask(slack_app, fake_slack, dm(user, channel, "and for a PM?"))
    assert header(then.params["blocks"]) == "Skills a Project Manager needs"


def test_a_thread_conversation_with_mentions(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    channel, root = unique("C"), f"{time.time():.6f}"

    def mention(text: str, **extra: Any) -> dict[str, Any]:
        return {"type": "app_mention", "user": unique("U"), "text": f"<@{BOT_USER_ID}> {text}",
                "ts": f"{time.time():.6f}", "channel": channel, **extra}  # fmt: skip

    first = ask(slack_app, fake_slack, {**mention("what does a pm do?"), "ts": root})
    assert first.params["thread_ts"] == root
    assert header(first.params["blocks"]) == "What a Project Manager is"
    # Someone else follows up in the thread: the thread is the conversation.
    second = ask(slack_app, fake_slack, mention("and the CSM?", thread_ts=root))
    assert second.params["thread_ts"] == root
    assert header(second.params["blocks"]) == "What a Customer Success Manager is"
    assert "What a Project Manager is" in followed(second)
    third = ask(slack_app, fake_slack, mention("what about skills?", thread_ts=root))
    assert header(third.params["blocks"]) == "Skills a Customer Success Manager needs"
    # The same words at the top of the channel start a new thread with no context.
    elsewhere = ask(slack_app, fake_slack, mention("and for a PM?"))
    assert followed(elsewhere) is None


def test_two_peoples_dms_never_share_context(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    alice, alice_dm, bob, bob_dm = unique("U"), unique("D"), unique("U"), unique("D")
    ask(slack_app, fake_slack, dm(alice, alice_dm, "what skills does a csm need"))
    ask(slack_app, fake_slack, dm(bob, bob_dm, "how do csm and pm goals differ"))
    bobs = ask(slack_app, fake_slack, dm(bob, bob_dm, "tell me more"))
    alices = ask(slack_app, fake_slack, dm(alice, alice_dm, "tell me more"))
    assert header(alices.params["blocks"]) == "Skills a Customer Success Manager needs"
    assert header(bobs.params["blocks"]) == "Goals and objectives of each role"
    carol = ask(slack_app, fake_slack, dm(unique("U"), unique("D"), "and for a PM?"))
    assert followed(carol) is None


# --- an app of its own: short context expiry, and restarts ----------------------------------


@pytest.fixture(scope="module")
def own_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("conversations") / "questions.sqlite3"


@pytest.fixture(scope="module")
def short_memory_app(fake_slack: FakeSlack, own_database: Path) -> Iterator[RunningApp]:
    app = RunningApp(
        fake_slack.api_url,
        {"DATABASE_PATH": str(own_database), "CONVERSATION_TTL_SECONDS": str(SHORT_TTL)},
    ).start()
    yield app
    app.stop()


def test_context_expires(short_memory_app: RunningApp, fake_slack: FakeSlack) -> None:
    user, channel = unique("U"), unique("D")
    ask(short_memory_app, fake_slack, dm(user, channel, "what skills does a csm need"))
    quick = ask(short_memory_app, fake_slack, dm(user, channel, "and for a PM?"))
    assert header(quick.params["blocks"]) == "Skills a Project Manager needs"
    time.sleep(SHORT_TTL + 0.5)
    late = ask(short_memory_app, fake_slack, dm(user, channel, "and for a CSM?"))
    assert followed(late) is None
    # Read on its own: "a CSM", not the CSM's skills.
    assert header(late.params["blocks"]) == "What a Customer Success Manager is"


def test_the_whole_tour_and_quiz_by_clicks(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    user, channel = unique("U"), unique("D")
    started = ask(slack_app, fake_slack, dm(user, channel, "start the tour"))
    blocks = started.params["blocks"]
    where = {"channel_id": channel, "message_ts": "77.7"}

    def press(action: str, value: str | None = None) -> list[dict[str, Any]]:
        """Click a button of the tour message; it must be redrawn in place, not posted anew."""
        candidates = [b for b in buttons(blocks) if b["action_id"].split(":")[0] == action]
        element = next(b for b in candidates if value is None or b["value"].endswith(value))
        fake_slack.reset()
        payload = action_payload(fake_slack, element["action_id"], element["value"], **where)
        payload["user"] = {"id": user, "name": "new-hire"}
        assert slack_app.send_action(payload).status == 200
        (update,) = fake_slack.wait_for("chat.update")
        assert fake_slack.calls_to("chat.postMessage") == []
        assert (update.params["channel"], update.params["ts"]) == (channel, "77.7")
        return update.params["blocks"]

    seen = [header(blocks)]
    for _ in range(len(TOUR.steps) - 1):
        blocks = press("tour_next")
        seen.append(header(blocks))
    assert seen == [f"Tour {n}/{len(TOUR.steps)}: {step.title}"
                    for n, step in enumerate(TOUR.steps, start=1)]  # fmt: skip
    blocks = press("tour_back")
    assert header(blocks) == seen[-2]
    blocks = press("tour_next")
    blocks = press("tour_next")  # into the quiz
    right = 0
    for number, question in enumerate(TOUR.quiz, start=1):
        assert header(blocks) == f"Quiz {number}/{len(TOUR.quiz)}"
        # Answer the first right, the rest with the first choice (right or wrong).
        choice = question.answer if number == 1 else question.choices[0][0]
        right += choice == question.answer
        blocks = press("quiz_answer", f":{choice}")
        verdict = " ".join(b["text"]["text"] for b in blocks if b["type"] == "section")
        assert ("Right" in verdict) == (choice == question.answer)
        assert question.reason in verdict
        assert any(b["type"] == "context" for b in blocks)  # the source
        blocks = press("tour_next")
    assert header(blocks) == "Tour complete"
    assert f"You scored {right} out of {len(TOUR.quiz)}" in blocks[1]["text"]["text"]


def test_the_tour_resumes_after_a_restart(
    short_memory_app: RunningApp, fake_slack: FakeSlack
) -> None:
    user, channel = unique("U"), unique("D")
    first = ask(short_memory_app, fake_slack, dm(user, channel, "tour"))
    next_button = button_for(first.params["blocks"], "tour_next")
    for _ in range(2):
        payload = action_payload(fake_slack, next_button["action_id"], next_button["value"],
                                 channel_id=channel)  # fmt: skip
        payload["user"] = {"id": user, "name": "new-hire"}
        fake_slack.reset()
        short_memory_app.send_action(payload)
        fake_slack.wait_for("chat.update")
    short_memory_app.stop()
    short_memory_app.start()
    resumed = ask(short_memory_app, fake_slack, dm(user, channel, "onboarding"))
    assert header(resumed.params["blocks"]) == f"Tour 3/{len(TOUR.steps)}: {TOUR.steps[2].title}"
    # Someone else starts at the beginning.
    other = ask(short_memory_app, fake_slack, dm(unique("U"), unique("D"), "tour"))
    assert header(other.params["blocks"]).startswith("Tour 1/")


def test_the_tour_from_the_slash_command_is_private_and_replaced(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    user = unique("U")
    answer = slack_app.send_command("tour", fake_slack.response_url(), user_id=user).json()
    assert answer["response_type"] == "ephemeral" and header(answer["blocks"]).startswith("Tour 1/")
    next_button = button_for(answer["blocks"], "tour_next")
    payload = action_payload(fake_slack, next_button["action_id"], "next", is_ephemeral=True)
    payload["user"] = {"id": user, "name": "new-hire"}
    slack_app.send_action(payload)
    call = fake_slack.wait_for("response_url")[0]
    assert call.params["replace_original"] is True
    assert header(call.params["blocks"]).startswith("Tour 2/")


def test_start_the_tour_on_app_home_opens_it_in_the_dm(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    payload = home_action_payload(fake_slack, "tour_start:0", "start")
    slack_app.send_action(payload)
    (post,) = fake_slack.wait_for("chat.postMessage")
    assert post.params["channel"] == "UCLICK1"
    assert header(post.params["blocks"]).startswith("Tour ")
