"""Three `serve --http` replicas on one PostgreSQL database and one fake Web API behave like
one bot: one reply per event wherever Slack delivers it, one greeting per person, one "Ask a
person" post however many replicas the clicks reach, a replayed click, slash command or event acted on once, votes counted wherever they land, no record lost under load, and answers while the database is stuck or down."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psycopg
import pytest

from bot.render.blocks import escalation_value
from tests.e2e.conftest import ESCALATION_CHANNEL
from tests.e2e.fake_slack import BOT_USER_ID, FakeSlack
from tests.e2e.running_app import RunningApp, command_fields, event_callback, sign, unique
from tests.e2e.test_slack_app import (
    action_payload,
    button_for,
    direct_message,
    mention,
    thumbs,
)
from tests.postgres import PostgresServer
from tests.tcp_proxy import TcpProxy

ROOT = Path(__file__).resolve().parents[2]
REPLICAS = 3
SALT = "replica-test-salt"


@pytest.fixture(scope="module")
def database_url(postgres: PostgresServer) -> str:
    return postgres.database_url()


@pytest.fixture(scope="module")
def replicas(fake_slack: FakeSlack, database_url: str) -> Iterator[list[RunningApp]]:
    apps = [
        RunningApp(
            fake_slack.api_url,
            {
                "DATABASE_URL": database_url,
                "USER_HASH_SALT": SALT,
                "ESCALATION_CHANNEL": ESCALATION_CHANNEL,
            },
        )
        for _ in range(REPLICAS)
    ]
    with ThreadPoolExecutor(REPLICAS) as pool:
        started = list(pool.map(lambda app: app.start(), apps))
    yield started
    for app in started:
        app.stop()


def count(database_url: str, sql: str, *params: Any) -> int:
    with psycopg.connect(database_url) as connection:
        return connection.execute(sql, params).fetchone()[0]


def wait_for_count(database_url: str, expected: int, sql: str, *params: Any) -> int:
    deadline = time.monotonic() + 10
    found = count(database_url, sql, *params)
    while found < expected and time.monotonic() < deadline:
        time.sleep(0.1)
        found = count(database_url, sql, *params)
    return found


def settle(fake: FakeSlack, method: str = "chat.postMessage", at_least: int = 1) -> list[Any]:
    fake.wait_for(method, at_least)
    time.sleep(0.5)  # would a duplicate arrive?
    return fake.calls_to(method)


def signed_event(event: dict[str, Any], event_id: str) -> str:
    return json.dumps(event_callback(event, event_id))


def test_one_event_sent_to_every_replica_at_once_gets_one_reply(replicas, fake_slack):
    event, event_id = mention("what does a csm do"), unique("Ev")
    with ThreadPoolExecutor(REPLICAS) as pool:
        acks = list(pool.map(lambda app: app.send_event(event, event_id=event_id), replicas))
    assert [ack.status for ack in acks] == [200] * REPLICAS
    assert len(settle(fake_slack)) == 1


def test_a_retry_on_another_replica_gets_no_reply(replicas, fake_slack):
    event, event_id = mention("pm skills"), unique("Ev")
    replicas[0].send_event(event, event_id=event_id)
    fake_slack.wait_for("chat.postMessage")
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert replicas[1].send_event(event, event_id=event_id, headers=retry).status == 200
    assert len(settle(fake_slack)) == 1


def test_ten_identical_deliveries_in_parallel_give_one_reply(replicas, fake_slack):
    event, event_id = mention("csm vs pm goals"), unique("Ev")
    with ThreadPoolExecutor(10) as pool:
        list(pool.map(lambda n: replicas[n % REPLICAS].send_event(event, event_id=event_id), range(10)))  # fmt: skip
    assert len(settle(fake_slack)) == 1


def test_one_persons_dms_across_replicas_get_one_greeting(replicas, fake_slack):
    first = direct_message("what does a pm do")
    dms = [
        {**first, "text": f"pm skills {number}", "ts": f"{time.time():.6f}{number}"}
        for number in range(REPLICAS)
    ]
    with ThreadPoolExecutor(REPLICAS) as pool:  # all at once, one per replica
        list(pool.map(lambda pair: pair[0].send_event(pair[1]), zip(replicas, dms, strict=True)))
    # One answer each; the welcome is folded into exactly one of them.
    posts = settle(fake_slack, at_least=REPLICAS)
    greetings = [post for post in posts if "Welcome" in post.params["text"]]
    assert len(greetings) == 1 and len(posts) == REPLICAS


def test_ask_a_person_clicked_on_every_replica_posts_once(replicas, fake_slack):
    value = escalation_value("who owns renewals?", unique("rec"))
    clicks = replicas * 2

    def click(app: RunningApp) -> int:
        return app.send_action(action_payload(fake_slack, "ask_person:0", value)).status

    with ThreadPoolExecutor(len(clicks)) as pool:
        assert set(pool.map(click, clicks)) == {200}
    replies = settle(fake_slack, "response_url", len(clicks))
    posts = [call for call in fake_slack.calls_to("chat.postMessage")
             if call.params["channel"] == ESCALATION_CHANNEL]  # fmt: skip
    assert len(posts) == 1
    already = [call for call in replies if "already asked" in call.params["text"]]
    assert len(already) == len(clicks) - 1


def test_a_click_replayed_to_every_replica_acts_once(replicas, fake_slack):
    """Issue 10 row 9 across hosts: the same signed Share request, replayed to each replica
    within Slack's window, is answered once."""
    payload = action_payload(fake_slack, "share_answer:3", "csm-skills", is_ephemeral=True)
    body = urlencode({"payload": json.dumps(payload)})
    headers = sign(body)
    for app in replicas:
        assert app.post(body, "application/x-www-form-urlencoded", headers).status == 200
    assert len(settle(fake_slack, "response_url")) == 1


def test_a_slash_command_replayed_to_every_replica_answers_once(replicas, fake_slack, database_url):
    """Issue 10 row 9 across hosts: the same signed slash command, replayed to each replica
    within Slack's window, is answered and recorded once."""
    marker = unique("replayed")
    body = urlencode(command_fields(f"what does a csm do {marker}", fake_slack.response_url()))
    headers = sign(body)
    answers = [app.post(body, "application/x-www-form-urlencoded", headers) for app in replicas]
    assert [answer.status for answer in answers] == [200] * REPLICAS
    assert len([answer for answer in answers if answer.body]) == 1
    sql = "SELECT count(*) FROM questions WHERE question LIKE %s"
    assert wait_for_count(database_url, 1, sql, f"%{marker}%") == 1
    time.sleep(0.5)  # would a duplicate record arrive?
    assert count(database_url, sql, f"%{marker}%") == 1


def test_an_event_replayed_to_every_replica_answers_once(replicas, fake_slack, database_url):
    """The same signed mention replayed to each replica is answered and recorded once: its
    signature is remembered only in each replica's memory, but its event id is claimed in the
    store, so the other replicas acknowledge it and do nothing."""
    marker = unique("replayed")
    body = signed_event(mention(f"what does a pm do {marker}"), unique("Ev"))
    headers = sign(body)
    acks = [app.post(body, "application/json", headers) for app in replicas]
    assert [(ack.status, ack.body) for ack in acks] == [(200, "")] * REPLICAS
    assert len(settle(fake_slack)) == 1
    sql = "SELECT count(*) FROM questions WHERE question LIKE %s"
    assert wait_for_count(database_url, 1, sql, f"%{marker}%") == 1
    time.sleep(0.5)  # would a duplicate record arrive?
    assert count(database_url, sql, f"%{marker}%") == 1


def test_a_vote_on_another_replica_counts(replicas, fake_slack, database_url):
    answer = (
        replicas[0].send_command("what does a csm do all day", fake_slack.response_url()).json()
    )
    thumbs_down = thumbs(answer["blocks"])["negative_button"]["value"]
    record_id = thumbs_down.removeprefix("-")
    # At once: the vote may reach the database before the first replica has written the question.
    vote = action_payload(fake_slack, "feedback", thumbs_down, is_ephemeral=True)
    vote["actions"][0]["type"] = "feedback_buttons"
    replicas[2].send_action(vote)
    fake_slack.wait_for("response_url")
    sql = "SELECT count(*) FROM feedback WHERE question_id = %s AND helpful = 0"
    assert wait_for_count(database_url, 1, sql, record_id) == 1
    result = subprocess.run([sys.executable, "-m", "bot", "report", "--since", "1h", "--format", "json"],
                            cwd=ROOT, env=replicas[0].env, capture_output=True, text=True, timeout=60)  # fmt: skip
    report = json.loads(result.stdout or "{}")
    assert [(row["id"], row["not_helpful"]) for row in report["not_helpful"]] == [
        (button_for(answer["blocks"], "share_answer")["value"], 1)
    ]


def test_bounded_concurrent_load_loses_no_record(replicas, fake_slack, database_url):
    marker = unique("load")
    before = count(database_url, "SELECT count(*) FROM questions")
    total = 90
    with ThreadPoolExecutor(12) as pool:
        answers = list(
            pool.map(
                lambda n: replicas[n % REPLICAS].send_command(
                    f"what skills does a csm need {marker} {n}", fake_slack.response_url()
                ),
                range(total),
            )
        )
    assert all(answer.status == 200 for answer in answers)
    assert wait_for_count(database_url, before + total, "SELECT count(*) FROM questions") == before + total  # fmt: skip


def test_a_stuck_database_slows_no_acknowledgement(replicas, fake_slack, database_url):
    with psycopg.connect(database_url, autocommit=True) as locker:
        locker.execute("BEGIN")
        locker.execute("LOCK TABLE questions, claims, state IN EXCLUSIVE MODE")
        started = time.monotonic()
        ack = replicas[1].send_event(mention(f"<@{BOT_USER_ID}> csm skills"))
        assert ack.status == 200 and ack.seconds < 3.0
        command = replicas[1].send_command("what does a pm do", fake_slack.response_url())
        assert command.status == 200 and command.json()["text"].startswith("What a Project Manager")
        fake_slack.wait_for("chat.postMessage")  # still answering
        locker.execute("ROLLBACK")
    assert time.monotonic() - started < 6


def test_the_bot_keeps_answering_while_the_database_is_down(fake_slack, postgres):
    url = postgres.database_url()
    proxy = TcpProxy(("127.0.0.1", postgres.port))
    through_proxy = url.replace(f":{postgres.port}/", f":{proxy.port}/")
    app = RunningApp(fake_slack.api_url, {"DATABASE_URL": through_proxy, "USER_HASH_SALT": SALT})
    app.start()
    try:
        proxy.cut()  # the database goes away under the running bot
        ack = app.send_event(mention("what skills does a pm need"))
        assert ack.status == 200 and ack.seconds < 3.0
        assert fake_slack.wait_for("chat.postMessage")  # answered all the same
        command = app.send_command("what does a csm do", fake_slack.response_url())
        assert command.status == 200 and command.seconds < 3.0
        assert command.json()["text"].startswith("What a Customer Success Manager")
        down = app.get("/healthz")
        assert down.status == 503 and down.json()["store"]["error"]
        proxy.restore()  # back: what was kept is written
        assert wait_for_count(url, 2, "SELECT count(*) FROM questions") == 2
        deadline = time.monotonic() + 10
        while app.get("/healthz").status != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert app.get("/healthz").status == 200
    finally:
        output = app.stop()
        proxy.close()
    assert "could not write" in output  # what it could not record, said in the log
    assert "Traceback" not in output
