"""The Slack app end to end: signed requests in, Web API calls out (recorded by the fake)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ESCALATION_CHANNEL
from tests.e2e.fake_slack import BOT_ID, BOT_USER_ID, Call, FakeSlack
from tests.e2e.running_app import RunningApp, sign, unique

ROOT = Path(__file__).resolve().parents[2]
# Slack's limit for acknowledging a request.
ACK_LIMIT_SECONDS = 3.0
PINGS = ("<!channel>", "<!here>", "<!everyone>", "<!subteam", "<@U")


def mention(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "app_mention", "user": unique("U"), "text": f"<@{BOT_USER_ID}> {text}",
            "ts": f"{time.time():.6f}", "channel": unique("C"), **extra}  # fmt: skip


def direct_message(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "message", "channel_type": "im", "user": unique("U"), "text": text,
            "ts": f"{time.time():.6f}", "channel": unique("D"), **extra}  # fmt: skip


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def topic_choices(blocks: list[dict[str, Any]]) -> list[str]:
    """Topics offered by buttons or in a menu."""
    found = []
    for element in buttons(blocks):
        if element["type"] == "static_select":
            found += [option["value"] for option in element["options"]]
        elif element["action_id"].startswith("show_topic"):
            found.append(element["value"])
    return found


def thumbs(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """The feedback element (thumbs up / down) of an answer."""
    (element,) = [e for b in blocks if b["type"] == "context_actions" for e in b["elements"]]
    assert element["type"] == "feedback_buttons"
    return element


def button_for(blocks: list[dict[str, Any]], action: str) -> dict[str, Any]:
    return next(e for e in buttons(blocks) if e["action_id"].split(":")[0] == action)


def header(blocks: list[dict[str, Any]]) -> str:
    return next(b["text"]["text"] for b in blocks if b["type"] == "header")


def one_post(fake: FakeSlack) -> Call:
    posts = fake.wait_for("chat.postMessage")
    time.sleep(0.3)  # would a second, duplicate reply arrive?
    posts = fake.calls_to("chat.postMessage")
    assert len(posts) == 1, [p.params.get("text") for p in posts]
    return posts[0]


def test_url_verification(slack_app: RunningApp) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"})
    response = slack_app.post(body, "application/json", sign(body))
    assert response.status == 200 and "abc123" in response.body


def test_mention_answers_in_a_thread(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    event = mention("what skills does a csm need?")
    response = slack_app.send_event(event)
    assert response.status == 200 and response.seconds < ACK_LIMIT_SECONDS
    post = one_post(fake_slack)
    assert post.params["channel"] == event["channel"]
    assert post.params["thread_ts"] == event["ts"]
    assert post.params["text"].startswith("Skills a Customer Success Manager needs")
    blocks = post.params["blocks"]
    assert header(blocks) == "Skills a Customer Success Manager needs"
    assert any(b["type"] == "context" and "Source:" in b["elements"][0]["text"] for b in blocks)
    # The mention that addresses the bot is not part of the question echoed back.
    assert "You asked: _what skills does a csm need?_" in json.dumps(blocks)
    assert BOT_USER_ID not in json.dumps(post.params)
    assert post.headers["Authorization"] == "Bearer xoxb-test-token"


def test_events_are_acknowledged_before_slack_is_answered(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    # Slack's Web API takes longer than Slack waits for an acknowledgement: the ack must not wait.
    fake_slack.script("chat.postMessage", {"ok": True, "ts": "1.1"}, delay=ACK_LIMIT_SECONDS + 0.5)
    response = slack_app.send_event(mention("csm skills"))
    assert response.status == 200 and response.seconds < 1.0
    fake_slack.wait_for("chat.postMessage")


def test_mention_inside_a_thread_stays_in_it(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    slack_app.send_event(mention("csm vs pm goals", thread_ts="111.222"))
    assert one_post(fake_slack).params["thread_ts"] == "111.222"


def test_comparison_shows_both_sides_and_note(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    slack_app.send_event(mention("how is success measured for a csm and for a pm"))
    blocks = one_post(fake_slack).params["blocks"]
    fields = next(b["fields"] for b in blocks if "fields" in b)
    assert fields[0]["text"].startswith("*Customer Success Manager (CSM)*")
    assert fields[1]["text"].startswith("*Project Manager (PM)*")
    assert any("Note" in b.get("text", {}).get("text", "") for b in blocks)
    assert thumbs(blocks)["action_id"] == "feedback"
    assert len(buttons(blocks)) <= 5


def test_off_topic_gets_a_friendly_fallback(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    slack_app.send_event(mention("what's the weather in paris?"))
    post = one_post(fake_slack)
    assert post.params["text"].startswith("I can't answer that one")
    assert "overview" in topic_choices(post.params["blocks"])
    assert len(buttons(post.params["blocks"])) <= 3  # a menu, the tour, ask a person
    assert "header" not in [b["type"] for b in post.params["blocks"]]


def test_first_dm_is_greeted_once_in_one_message(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    first = direct_message("what does a pm do")
    slack_app.send_event(first)
    post = one_post(fake_slack)
    assert post.params["channel"] == first["channel"] and "thread_ts" not in post.params
    assert post.params["text"].startswith("Welcome!")
    assert header(post.params["blocks"]) == "What a Project Manager is"
    assert post.params["blocks"][0]["accessory"]["action_id"] == "tour_start"
    fake_slack.reset()
    slack_app.send_event(direct_message("pm skills", user=first["user"], channel=first["channel"]))
    again = one_post(fake_slack)
    assert header(again.params["blocks"]) == "Skills a Project Manager needs"
    assert "Welcome" not in again.params["text"]


def test_a_dm_that_only_says_hello_gets_the_greeting_alone(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    first = direct_message("Hi there!")
    slack_app.send_event(first)
    post = one_post(fake_slack)
    assert post.params["text"].startswith("Welcome!")
    assert "header" not in [b["type"] for b in post.params["blocks"]]
    assert button_for(post.params["blocks"], "tour_start")["text"]["text"] == "Start the tour"
    # Saying hello again later gets the welcome again, not "I can't answer that one".
    fake_slack.reset()
    slack_app.send_event(direct_message("hello", user=first["user"], channel=first["channel"]))
    assert one_post(fake_slack).params["text"].startswith("Welcome!")


def test_app_home_is_published(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    slack_app.send_event({"type": "app_home_opened", "user": "UHOME1", "tab": "home",
                          "channel": "D0HOME"})  # fmt: skip
    call = fake_slack.wait_for("views.publish")[0]
    assert call.params["user_id"] == "UHOME1"
    assert call.params["view"]["type"] == "home"
    assert any(e["value"] == "overview" for e in buttons(call.params["view"]["blocks"]))


def test_slash_command_answers_ephemerally_with_share(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    response = slack_app.send_command("what skills does a pm need", fake_slack.response_url())
    assert response.status == 200 and response.seconds < ACK_LIMIT_SECONDS
    answer = response.json()
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith("Skills a Project Manager needs")
    assert button_for(answer["blocks"], "share_answer")["value"] == "pm-skills"
    time.sleep(0.2)
    assert fake_slack.calls_to("chat.postEphemeral") == []


def test_slash_command_mentioning_a_payload_is_answered(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    """Bolt reads a form body containing "payload" as an interaction; this one is a command."""
    text = "who owns the project plan for the payload migration"
    response = slack_app.send_command(text, fake_slack.response_url())
    assert response.status == 200
    assert response.json()["response_type"] == "ephemeral"


@pytest.mark.parametrize("text", ["", "help", "  HELP "])
def test_slash_command_help(slack_app: RunningApp, fake_slack: FakeSlack, text: str) -> None:
    answer = slack_app.send_command(text, fake_slack.response_url()).json()
    assert answer["response_type"] == "ephemeral"
    assert "/csm-vs-pm QUESTION" in answer["text"]
    assert len(topic_choices(answer["blocks"])) >= 18 and len(buttons(answer["blocks"])) == 2


def test_retry_of_a_handled_event_is_not_answered_twice(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    event, event_id = mention("what is a csm"), unique("Ev")
    slack_app.send_event(event, event_id=event_id)
    fake_slack.wait_for("chat.postMessage")
    retry = slack_app.send_event(event, event_id=event_id,
                                 headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})  # fmt: skip
    assert retry.status == 200
    one_post(fake_slack)


def test_retry_of_an_event_never_handled_is_answered(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    # The first delivery never reached us (a restart, a network cut): the retry is the question.
    slack_app.send_event(mention("what is a pm"), headers={"X-Slack-Retry-Num": "2",
                                                           "X-Slack-Retry-Reason": "http_error"})  # fmt: skip
    assert header(one_post(fake_slack).params["blocks"]) == "What a Project Manager is"


@pytest.mark.parametrize(
    "event",
    [
        direct_message("csm skills", bot_id=BOT_ID, user=BOT_USER_ID),
        direct_message("csm skills", user=BOT_USER_ID),
        direct_message("csm skills", bot_profile={"id": "BOTHER", "name": "another bot"}),
        mention("csm skills", bot_id="BOTHER"),
        direct_message("csm skills", bot_id="BOTHER", subtype="bot_message"),
        direct_message("csm skills", subtype="message_changed"),
        direct_message("", subtype="message_deleted"),
        {"type": "message", "subtype": "channel_join", "channel": "C0JOIN", "user": "U1",
         "ts": "1.1", "channel_type": "channel", "text": "<@U1> has joined"},
        {"type": "message", "channel": "C0PUBLIC", "user": "U1", "ts": "1.2",
         "channel_type": "channel", "text": "csm vs pm?"},
        {"type": "reaction_added", "user": "U1", "reaction": "tada", "item": {}},
    ],
)  # fmt: skip
def test_ignored_events_are_acknowledged_without_reply(
    slack_app: RunningApp, fake_slack: FakeSlack, event: dict[str, Any]
) -> None:
    response = slack_app.send_event(event)
    assert response.status == 200
    time.sleep(0.4)
    assert fake_slack.calls_to("chat.postMessage") == []


def test_mention_in_a_dm_is_answered_once(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    dm = direct_message(f"<@{BOT_USER_ID}> pm skills")
    slack_app.send_event({**dm, "type": "app_mention"})
    slack_app.send_event(dm)
    # One message: the greeting folded into the answer, never a second answer.
    assert header(one_post(fake_slack).params["blocks"]) == "Skills a Project Manager needs"


def test_echoed_text_never_pings(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    slack_app.send_event(
        mention("<!channel> <!here> <!everyone> <@U999> <!subteam^S1|@t> weather?")
    )
    post = one_post(fake_slack)
    outgoing = json.dumps(post.params)
    for ping in ("<!channel>", "<!here>", "<!everyone>", "<@U999>", "<!subteam"):
        assert ping not in outgoing
    assert "&lt;!channel&gt;" in outgoing  # shown as text, not as a ping


@pytest.mark.parametrize("text", ["", "   ", ":tada: :wave:", f"<@{BOT_USER_ID}|csm-vs-pm>"])
def test_a_mention_with_no_question_gets_an_invitation(
    slack_app: RunningApp, fake_slack: FakeSlack, text: str
) -> None:
    slack_app.send_event(mention(text))
    post = one_post(fake_slack)
    assert post.params["text"].startswith("Ask me how a CSM and a PM differ")
    assert "You asked" not in json.dumps(post.params["blocks"])
    assert "overview" in topic_choices(post.params["blocks"])


@pytest.mark.parametrize("text", ["x" * 40_000, "", ":tada: :wave:", "csm " * 10_000])
def test_odd_questions_get_an_answer(
    slack_app: RunningApp, fake_slack: FakeSlack, text: str
) -> None:
    response = slack_app.send_event(mention(text))
    assert response.status == 200 and response.seconds < ACK_LIMIT_SECONDS
    post = one_post(fake_slack)
    assert post.params["text"]
    assert len(json.dumps(post.params["blocks"])) < 40_000


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel", "ratelimited"])
def test_web_api_errors_do_not_lose_the_next_question(
    slack_app: RunningApp, fake_slack: FakeSlack, error: str
) -> None:
    fake_slack.script("chat.postMessage", {"ok": False, "error": error})
    slack_app.send_event(mention("csm skills"))
    fake_slack.wait_for("chat.postMessage")
    slack_app.send_event(mention("pm skills"))
    posts = fake_slack.wait_for("chat.postMessage", 2)
    assert header(posts[1].params["blocks"]) == "Skills a Project Manager needs"


def test_rate_limit_is_retried_once(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    fake_slack.script(
        "chat.postMessage", {"ok": False, "error": "ratelimited"}, status=429, Retry_After="1"
    )
    slack_app.send_event(mention("csm skills"))
    posts = fake_slack.wait_for("chat.postMessage", 2, timeout=10)
    assert len(posts) == 2
    assert posts[0].params == posts[1].params
    time.sleep(0.3)
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


@pytest.mark.parametrize("how", ["wrong secret", "stale", "unsigned"])
def test_bad_signatures_are_refused(slack_app: RunningApp, fake_slack: FakeSlack, how: str) -> None:
    body = json.dumps({"type": "event_callback", "event_id": unique("Ev"), "event": mention("csm")})
    headers = {
        "wrong secret": sign(body, secret="not-the-secret"),
        "stale": sign(body, timestamp=int(time.time()) - 3600),
        "unsigned": {},
    }[how]
    assert slack_app.post(body, "application/json", headers).status == 401
    time.sleep(0.3)
    assert fake_slack.calls == []


def action_payload(fake: FakeSlack, action_id: str, value: str, **container: Any) -> dict[str, Any]:
    return {
        "type": "block_actions", "user": {"id": "UCLICK1", "name": "sam"},
        "team": {"id": "T0001"}, "api_app_id": "A0001", "token": "unused",
        "trigger_id": unique("trig"), "response_url": fake.response_url("action"),
        "container": {"type": "message", "channel_id": "C0BUTTON", "message_ts": "5.5", **container},
        "channel": {"id": container.get("channel_id", "C0BUTTON")},
        "message": {"ts": "5.5", "text": "Skills a Project Manager needs", "thread_ts": container.get("thread_ts")},
        "actions": [{"type": "button", "action_id": action_id, "value": value, "block_id": "b1",
                     "action_ts": f"{time.time():.6f}"}],
    }  # fmt: skip


def home_action_payload(fake: FakeSlack, action_id: str, value: str) -> dict[str, Any]:
    """A button clicked on the App Home tab."""
    payload = action_payload(fake, action_id, value)
    payload["container"] = {"type": "view", "view_id": "VHOME1"}
    payload["view"] = {"id": "VHOME1", "type": "home"}
    del payload["channel"], payload["message"]
    return payload


def test_topic_button_on_ephemeral_answer_replaces_it(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    response = slack_app.send_action(
        action_payload(fake_slack, "show_topic:0", "pm-skills", is_ephemeral=True)
    )
    assert response.status == 200
    call = fake_slack.wait_for("response_url")[0]
    assert call.params["replace_original"] is True
    assert header(call.params["blocks"]) == "Skills a Project Manager needs"


def test_topic_button_in_a_thread_replies_in_the_thread(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    slack_app.send_action(action_payload(fake_slack, "show_topic:2", "goals", thread_ts="4.4"))
    post = one_post(fake_slack)
    assert (post.params["channel"], post.params["thread_ts"]) == ("C0BUTTON", "4.4")
    assert header(post.params["blocks"]) == "Goals and objectives of each role"


def test_topic_button_in_a_dm_replies_in_the_dm(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    slack_app.send_action(
        action_payload(fake_slack, "show_topic:0", "csm-role", channel_id="D0DM1")
    )
    post = one_post(fake_slack)
    assert post.params["channel"] == "D0DM1" and "thread_ts" not in post.params
    assert header(post.params["blocks"]) == "What a Customer Success Manager is"


def test_topic_button_on_app_home_answers_in_the_dm(
    slack_app: RunningApp, fake_slack: FakeSlack
) -> None:
    payload = home_action_payload(fake_slack, "show_topic:1", "pm-role")
    assert slack_app.send_action(payload).status == 200
    post = one_post(fake_slack)
    assert post.params["channel"] == "UCLICK1"
    assert header(post.params["blocks"]) == "What a Project Manager is"


def test_suggestion_button_from_a_real_answer(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    # "skills" alone is a close call between the two skills topics.
    answer = slack_app.send_command("skills", fake_slack.response_url()).json()
    suggestion = next(
        e for e in buttons(answer["blocks"]) if e["text"]["text"].startswith("Did you mean")
    )
    slack_app.send_action(
        action_payload(fake_slack, suggestion["action_id"], suggestion["value"], is_ephemeral=True)
    )
    call = fake_slack.wait_for("response_url")[0]
    assert header(call.params["blocks"]) != header(answer["blocks"])


def test_share_button_posts_in_channel(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    slack_app.send_action(
        action_payload(fake_slack, "share_answer:3", "csm-skills", is_ephemeral=True)
    )
    call = fake_slack.wait_for("response_url")[0]
    assert call.params["response_type"] == "in_channel"
    assert header(call.params["blocks"]) == "Skills a Customer Success Manager needs"
    assert "share_answer" not in json.dumps(call.params["blocks"])


def test_feedback_and_escalation(slack_app: RunningApp, fake_slack: FakeSlack) -> None:
    slack_app.send_action(action_payload(fake_slack, "feedback_helpful:0", "entry:csm-skills"))
    assert fake_slack.wait_for("response_url")[0].params["text"] == "Thanks for the feedback!"
    fake_slack.reset()
    slack_app.send_action(action_payload(fake_slack, "feedback_not_helpful:1", "entry:csm-skills"))
    reply = fake_slack.wait_for("response_url")[0].params
    ask = button_for(reply["blocks"], "ask_person")
    fake_slack.reset()
    slack_app.send_action(action_payload(fake_slack, ask["action_id"], ask["value"]))
    post = fake_slack.wait_for("chat.postMessage")[0]
    assert post.params["channel"] == ESCALATION_CHANNEL
    assert "<@UCLICK1>" in post.params["text"] and "<#C0BUTTON>" in post.params["text"]
    assert "passed your question on" in fake_slack.wait_for("response_url")[0].params["text"]


def test_questions_and_votes_reach_the_report(
    slack_app: RunningApp, fake_slack: FakeSlack, database: Path
) -> None:
    answer = slack_app.send_command("what does a csm do all week", fake_slack.response_url()).json()
    thumbs_down = thumbs(answer["blocks"])["negative_button"]["value"]
    assert not thumbs_down.startswith("-entry:")
    payload = action_payload(fake_slack, "feedback", thumbs_down, is_ephemeral=True)
    payload["actions"][0]["type"] = "feedback_buttons"
    slack_app.send_action(payload)
    fake_slack.wait_for("response_url")
    slack_app.send_command("how do I expense a taxi", fake_slack.response_url())
    deadline, report = time.monotonic() + 10, {}
    while time.monotonic() < deadline:
        result = subprocess.run([sys.executable, "-m", "bot", "report", "--since", "1h", "--format", "json"],
                                cwd=ROOT, env={**slack_app.env, "DATABASE_PATH": str(database)},
                                capture_output=True, text=True, timeout=60)  # fmt: skip
        report = json.loads(result.stdout)
        if report["not_helpful"] and report["unanswered"]:
            break
        time.sleep(0.2)
    assert any(
        row["id"] == "csm-responsibilities" and row["not_helpful"] >= 1
        for row in report["not_helpful"]
    )
    assert any("taxi" in group["example"] for group in report["unanswered"])
